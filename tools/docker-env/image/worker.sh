#!/bin/sh
# shellcheck disable=SC2317 # functions are invoked from traps
# hodei test worker: PID 1 of hodei-test-worker images (busybox sh).
# Behaviour is chosen by environment variables; see tools/docker-env/README.md.
#
#   WORKER_LOG_LINES=N        print "log line 1" .. "log line N" to stdout at start
#   WORKER_STDERR_LINES=N     print "stderr line 1" .. N to stderr at start
#   WORKER_SLEEP=S            run for S seconds (default: forever)
#   WORKER_EXIT_CODE=n        exit code after WORKER_SLEEP (default 0)
#   WORKER_IGNORE_SIGTERM=1   ignore SIGTERM (docker stop must SIGKILL -> 137)
#   WORKER_READY_FILE=path    readiness marker (default /tmp/ready)
#   WORKER_READY_AFTER=S      create the marker S seconds after start (default 0)
#   WORKER_NEVER_READY=1      never create the marker (health check stays failing)

ready_file="${WORKER_READY_FILE:-/tmp/ready}"
child=""
readier=""

stop_children() {
  [ -n "$child" ] && kill "$child" 2>/dev/null
  [ -n "$readier" ] && kill "$readier" 2>/dev/null
}
on_signal() { # $1 = name, $2 = exit code
  echo "worker: received SIG$1, exiting $2"
  stop_children
  exit "$2"
}

# PID 1 gets no default signal actions: without a handler SIGTERM is dropped.
if [ "${WORKER_IGNORE_SIGTERM:-0}" = 1 ]; then
  trap '' TERM
  echo "worker: ignoring SIGTERM"
else
  trap 'on_signal TERM 143' TERM
fi
trap 'on_signal INT 130' INT

rm -f "$ready_file"

i=1
while [ "$i" -le "${WORKER_LOG_LINES:-0}" ]; do
  echo "log line $i"
  i=$((i + 1))
done
i=1
while [ "$i" -le "${WORKER_STDERR_LINES:-0}" ]; do
  echo "stderr line $i" >&2
  i=$((i + 1))
done

if [ "${WORKER_NEVER_READY:-0}" != 1 ]; then
  after="${WORKER_READY_AFTER:-0}"
  if [ "$after" = 0 ]; then
    mkdir -p "$(dirname "$ready_file")" && touch "$ready_file"
  else
    (sleep "$after" && mkdir -p "$(dirname "$ready_file")" && touch "$ready_file") &
    readier=$!
  fi
fi

# sleep runs in the background and we `wait` for it: a trapped signal
# interrupts `wait` at once, whereas a foreground sleep would delay the trap.
if [ -n "${WORKER_SLEEP:-}" ]; then
  sleep "$WORKER_SLEEP" &
  child=$!
  wait "$child"
  child=""
else
  while :; do
    sleep 3600 &
    child=$!
    wait "$child"
  done
fi

[ -n "$readier" ] && kill "$readier" 2>/dev/null
exit "${WORKER_EXIT_CODE:-0}"
