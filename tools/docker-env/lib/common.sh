# shellcheck shell=bash
# shellcheck disable=SC2034 # variables here are used by the sourcing scripts
# Shared helpers for tools/docker-env/bin/*. Sourced, not executed.
#
# Settings (environment):
#   HODEI_DOCKER_STATE_DIR      state dir for pid/log/config   (default /tmp/hodei-docker-env)
#   HODEI_DOCKER_LIVE_RESTORE   1 = start dockerd with live-restore (containers keep
#                               running while dockerd is down)  (default 0, Docker's default)
#   HODEI_DOCKER_START_TIMEOUT  seconds to wait for the engine to answer      (default 60)
#   HODEI_DOCKER_STOP_TIMEOUT   seconds to wait for dockerd to exit on TERM   (default 30)
#   HODEI_DOCKER_STORAGE_DRIVER force a storage driver (e.g. vfs); default: dockerd picks
#   HODEI_DOCKER_DATA_ROOT      dockerd --data-root              (default: /var/lib/docker)

HODEI_ENV_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${HODEI_DOCKER_STATE_DIR:-/tmp/hodei-docker-env}"
SOCKET_PATH=/var/run/docker.sock
export DOCKER_HOST="unix://${SOCKET_PATH}"
LIVE_RESTORE="${HODEI_DOCKER_LIVE_RESTORE:-0}"
START_TIMEOUT="${HODEI_DOCKER_START_TIMEOUT:-60}"
STOP_TIMEOUT="${HODEI_DOCKER_STOP_TIMEOUT:-30}"

DOCKERD_PIDFILE="$STATE_DIR/dockerd.pid"
DOCKERD_LOG="$STATE_DIR/dockerd.log"
DOCKERD_CONFIG="$STATE_DIR/daemon.json"
# Where dockerd 20.10 keeps the pid of the containerd it starts itself.
MANAGED_CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid

IMAGE_REPO=hodei-test-worker
IMAGE_TAG=1
IMAGE="$IMAGE_REPO:$IMAGE_TAG"
HASH_LABEL=hodei.io/test-worker-hash
MANAGED_LABEL=hodei.io/managed-by

# Serialise bin/up, bin/down and bin/restart-engine (e.g. parallel test jobs).
take_lock() {
  exec 9>"${STATE_DIR}.lock"
  flock -w 300 9 || die "timed out after 300s waiting for the lock ${STATE_DIR}.lock (another docker-env command running?)"
}

log() { printf '[docker-env] %s\n' "$*" >&2; }
die() { printf '[docker-env] ERROR: %s\n' "$*" >&2; exit 1; }

# A docker client: the one on PATH (e.g. /usr/local/bin/docker) or Debian's.
docker_cli() {
  if command -v docker >/dev/null 2>&1; then command docker "$@"
  elif [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"
  else die "no docker CLI found"; fi
}

# True when an engine answers on the standard socket.
engine_answers() {
  [ -S "$SOCKET_PATH" ] || return 1
  timeout 10 "$(command -v docker || echo /usr/bin/docker)" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

read_pid() { if [ -f "$1" ]; then tr -dc '0-9' <"$1"; fi; }

# Our dockerd's pid, if we started it and it is still running. dockerd writes
# its --pidfile only after some start-up work, so also check the pid recorded
# at launch.
our_dockerd_pid() {
  local pid f
  for f in "$DOCKERD_PIDFILE" "$STATE_DIR/dockerd.launch.pid"; do
    pid="$(read_pid "$f")"
    if pid_alive "$pid" && grep -qa dockerd "/proc/$pid/cmdline" 2>/dev/null; then
      echo "$pid"
      return 0
    fi
  done
}

write_daemon_config() {
  mkdir -p "$STATE_DIR"
  local lr=false
  [ "$LIVE_RESTORE" = 1 ] && lr=true
  # live-restore lives in the config file (not a flag) so it can be changed
  # with SIGHUP on a running daemon (bin/restart-engine relies on that).
  printf '{\n  "live-restore": %s\n}\n' "$lr" >"$DOCKERD_CONFIG"
}

# Switch live-restore of our running dockerd (pid $2) to $1 (true|false) via
# config reload (SIGHUP) if it differs; no-op when it already matches.
set_live_restore() {
  local want="$1" pid="$2"
  [ "$(docker_cli info --format '{{.LiveRestoreEnabled}}')" = "$want" ] && return 0
  log "setting live-restore=$want on the running dockerd (config reload via SIGHUP)"
  if [ "$want" = true ]; then LIVE_RESTORE=1; else LIVE_RESTORE=0; fi
  write_daemon_config
  kill -HUP "$pid"
  local _
  for _ in $(seq 1 50); do
    [ "$(docker_cli info --format '{{.LiveRestoreEnabled}}' 2>/dev/null)" = "$want" ] && return 0
    sleep 0.1
  done
  die "dockerd did not switch live-restore to $want after SIGHUP; see $DOCKERD_LOG"
}

# Start dockerd detached unless an engine already answers; wait until it answers.
start_engine() {
  if engine_answers; then
    log "engine already answers on $SOCKET_PATH; not starting another dockerd"
    return 0
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd not installed (run bin/up)"
  mkdir -p "$STATE_DIR"

  local pid
  pid="$(our_dockerd_pid)"
  if [ -z "$pid" ]; then
    # A dockerd we did not start but that does not answer either: refuse to race it.
    local other
    other="$(read_pid /var/run/docker.pid)"
    if pid_alive "$other" && grep -qa dockerd "/proc/$other/cmdline" 2>/dev/null; then
      die "a dockerd (pid $other, not started by docker-env) runs but does not answer on $SOCKET_PATH; stop it first"
    fi
    write_daemon_config
    local -a args=(--host "unix://$SOCKET_PATH" --pidfile "$DOCKERD_PIDFILE"
      --config-file "$DOCKERD_CONFIG"
      --bridge=none --iptables=false --ip-masq=false --ip6tables=false)
    [ -n "${HODEI_DOCKER_STORAGE_DRIVER:-}" ] && args+=(--storage-driver "$HODEI_DOCKER_STORAGE_DRIVER")
    [ -n "${HODEI_DOCKER_DATA_ROOT:-}" ] && args+=(--data-root "$HODEI_DOCKER_DATA_ROOT")
    log "starting dockerd (live-restore=$LIVE_RESTORE), log: $DOCKERD_LOG"
    printf '\n==== %s dockerd %s\n' "$(date -Is)" "${args[*]}" >>"$DOCKERD_LOG"
    # dockerd starts and supervises its own containerd when none runs on
    # /run/containerd/containerd.sock, and stops it again on exit.
    # 9>&-: dockerd must not inherit (and hold) the lock fd.
    setsid nohup dockerd "${args[@]}" >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$STATE_DIR/dockerd.launch.pid"
  else
    log "dockerd pid $pid (ours) is running but not answering yet; waiting for it"
  fi

  local deadline=$((SECONDS + START_TIMEOUT))
  while ! engine_answers; do
    if ! pid_alive "$pid"; then
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "dockerd (pid $pid) exited before answering on $SOCKET_PATH; see $DOCKERD_LOG"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "timed out after ${START_TIMEOUT}s waiting for dockerd (pid $pid) to answer 'docker version' on $SOCKET_PATH; see $DOCKERD_LOG (raise HODEI_DOCKER_START_TIMEOUT to wait longer)"
    fi
    sleep 0.3
  done
  engine_answers || die "engine did not come up"
  log "engine answers: dockerd $(docker_cli version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
}

# Wait up to $2 seconds for pid $1 to exit; returns 1 if still alive.
wait_pid_exit() {
  local pid="$1" limit="$2" i=0
  while pid_alive "$pid"; do
    [ "$i" -ge $((limit * 10)) ] && return 1
    sleep 0.1
    i=$((i + 1))
  done
  return 0
}

# Stop the dockerd we started (TERM, bounded wait, then KILL) and the
# containerd it manages. Leaves /var/lib/docker (images) alone.
stop_engine() {
  local pid
  pid="$(our_dockerd_pid)"
  if [ -z "$pid" ]; then
    if engine_answers; then
      log "an engine answers on $SOCKET_PATH but was not started by docker-env; leaving it alone"
      return 2
    fi
    log "no dockerd started by docker-env is running"
  else
    local ctr_pid
    ctr_pid="$(read_pid "$MANAGED_CONTAINERD_PIDFILE")"
    log "stopping dockerd (pid $pid), up to ${STOP_TIMEOUT}s"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_pid_exit "$pid" "$STOP_TIMEOUT"; then
      log "dockerd did not exit within ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_pid_exit "$pid" 5 || die "dockerd pid $pid survived SIGKILL"
    fi
    # dockerd normally stops its managed containerd itself; make sure.
    if pid_alive "$ctr_pid" && grep -qa containerd "/proc/$ctr_pid/cmdline" 2>/dev/null; then
      log "stopping dockerd's containerd (pid $ctr_pid)"
      kill -TERM "$ctr_pid" 2>/dev/null || true
      if ! wait_pid_exit "$ctr_pid" 10; then
        kill -KILL "$ctr_pid" 2>/dev/null || true
        wait_pid_exit "$ctr_pid" 5 || true
      fi
    fi
  fi
  rm -f "$DOCKERD_PIDFILE" "$STATE_DIR/dockerd.launch.pid"
  # A socket left by a killed dockerd would make clients hang/refuse; dockerd
  # recreates it on start.
  if [ -S "$SOCKET_PATH" ] && ! engine_answers; then rm -f "$SOCKET_PATH"; fi
  return 0
}
