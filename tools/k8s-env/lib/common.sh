# Shared settings for tools/k8s-env/bin/*. Source it; do not execute it.
# shellcheck shell=bash

K8S_ENV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Versions. K8S_VERSION and ETCD_VERSION must match go/go.mod (bin/build checks);
# ETCD_VERSION is the one k8s.io/kubernetes@K8S_VERSION requires (build/dependencies.yaml).
K8S_VERSION="v1.37.2"
K8S_STAGING_VERSION="v0.37.2"
K8S_BUILD_DATE="2026-10-27T12:01:04Z" # release time of the k8s.io/kubernetes module version
ETCD_VERSION="v3.7.0"
KWOK_VERSION="v0.8.0"

HODEI_CACHE_DIR="${HODEI_CACHE_DIR:-/root/.cache/hodei-lifecycle/k8s-env}"
K8S_ENV_BIN="${HODEI_CACHE_DIR}/${K8S_VERSION}-${ETCD_VERSION}-${KWOK_VERSION}/bin"
STATE="${HODEI_K8S_STATE:-/tmp/hodei-k8s-env}"

# Ports (all bound to 127.0.0.1 only).
ETCD_CLIENT_PORT="${HODEI_K8S_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${HODEI_K8S_ETCD_PEER_PORT:-12380}"
APISERVER_PORT="${HODEI_K8S_APISERVER_PORT:-16443}"
KCM_PORT="${HODEI_K8S_KCM_PORT:-10257}"
SCHEDULER_PORT="${HODEI_K8S_SCHEDULER_PORT:-10259}"
KWOK_PORT="${HODEI_K8S_KWOK_PORT:-10247}"
NODE_NAME="${HODEI_K8S_NODE_NAME:-kwok-node-0}"
SERVICE_CIDR="10.96.0.0/16" # never routed; only used for ClusterIP allocation
# kube-scheduler's own client rate limit. Its default (50 requests/s, burst 100) binds at most
# 50 pods a second, which would make every create benchmark measure that limit (5,000 pods:
# 100 s of binding alone). kube-controller-manager keeps its defaults (20/s, burst 30), as a
# cluster ships, since the Job TTL and deadline benchmarks compare against it as users run it.
SCHEDULER_QPS="${HODEI_K8S_SCHEDULER_QPS:-500}"
SCHEDULER_BURST="${HODEI_K8S_SCHEDULER_BURST:-1000}"

K8S_ENV_BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { printf '[k8s-env %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

have_binaries() {
  local b
  for b in "${K8S_ENV_BINARIES[@]}"; do
    [[ -x "${K8S_ENV_BIN}/${b}" ]] || return 1
  done
}

# running PID: true if PID is a live process (not a zombie: processes started by an earlier,
# finished shell are reparented, and their reaper may take a while to collect them).
running() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

# lock_state: serialize bin/up, bin/down and bin/restart-apiserver on the same state dir
# (held until the calling script exits).
lock_state() {
  command -v flock >/dev/null || return 0
  exec 9>"${STATE}.lock"
  if ! flock -n 9; then
    log "waiting for another bin/up|down|restart-apiserver on ${STATE} (lock ${STATE}.lock)"
    flock -w 300 9 || die "timed out after 300s waiting for the lock ${STATE}.lock"
  fi
}

# pid_alive NAME: true if $STATE/NAME.pid names a live process.
pid_alive() {
  local f="${STATE}/$1.pid" pid
  [[ -f "$f" ]] || return 1
  pid="$(cat "$f")"
  [[ -n "$pid" ]] && running "$pid"
}

# stop_proc NAME [GRACE_SECONDS]: TERM the recorded process (and its process group), then KILL
# after GRACE_SECONDS (default 10).
stop_proc() {
  local name="$1" grace="${2:-10}" f="${STATE}/$1.pid" pid i
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if [[ -n "$pid" ]] && running "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 $((grace * 10))); do
      running "$pid" || break
      sleep 0.1
    done
    if running "$pid"; then
      log "$name (pid $pid) did not stop ${grace}s after TERM; sending KILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$f"
}

# start_proc NAME CMD...: run detached in its own session, log to $STATE/logs/NAME.log.
start_proc() {
  local name="$1"; shift
  mkdir -p "${STATE}/logs"
  # 9>&-: do not hand the state lock (see lock_state) to the long-running process.
  setsid nohup "$@" >>"${STATE}/logs/${name}.log" 2>&1 </dev/null 9>&- &
  echo $! >"${STATE}/${name}.pid"
}

# wait_for DESCRIPTION TIMEOUT_SECONDS CMD...: poll CMD until it succeeds.
wait_for() {
  local what="$1" timeout="$2"; shift 2
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS - start >= timeout )); then
      die "timed out after ${timeout}s waiting for ${what} (logs: ${STATE}/logs)"
    fi
    sleep 0.3
  done
  log "ready: ${what} ($((SECONDS - start))s)"
}

# --- TLS / kubeconfig helpers --------------------------------------------------------------

PKI="${STATE}/pki"
APISERVER_URL="https://127.0.0.1:${APISERVER_PORT}"

# gen_client_cert NAME CN [O]: client certificate signed by the cluster CA.
gen_client_cert() {
  local name="$1" cn="$2" org="${3:-}" subj="/CN=$2"
  [[ -n "$org" ]] && subj="/O=${org}/CN=${cn}"
  openssl req -new -newkey rsa:2048 -nodes -keyout "${PKI}/${name}.key" -subj "$subj" \
    -out "${PKI}/${name}.csr" 2>/dev/null
  openssl x509 -req -in "${PKI}/${name}.csr" -CA "${PKI}/ca.crt" -CAkey "${PKI}/ca.key" \
    -CAcreateserial -days 3650 -sha256 -out "${PKI}/${name}.crt" \
    -extfile <(printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n') 2>/dev/null
  rm -f "${PKI}/${name}.csr"
}

gen_pki() {
  mkdir -p "${PKI}"
  chmod 700 "${PKI}"
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "${PKI}/ca.key" -out "${PKI}/ca.crt" \
    -days 3650 -sha256 -subj "/CN=hodei-k8s-env-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  # API server serving certificate: loopback plus the in-cluster names.
  openssl req -new -newkey rsa:2048 -nodes -keyout "${PKI}/apiserver.key" -subj "/CN=kube-apiserver" \
    -out "${PKI}/apiserver.csr" 2>/dev/null
  openssl x509 -req -in "${PKI}/apiserver.csr" -CA "${PKI}/ca.crt" -CAkey "${PKI}/ca.key" \
    -CAcreateserial -days 3650 -sha256 -out "${PKI}/apiserver.crt" -extfile <(printf '%s\n' \
      'basicConstraints=CA:FALSE' \
      'keyUsage=critical,digitalSignature,keyEncipherment' \
      'extendedKeyUsage=serverAuth' \
      'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local') 2>/dev/null
  rm -f "${PKI}/apiserver.csr"
  gen_client_cert admin kubernetes-admin system:masters
  gen_client_cert kube-controller-manager system:kube-controller-manager
  gen_client_cert kube-scheduler system:kube-scheduler
  gen_client_cert kwok kwok-controller system:masters
  # Service account token signing key pair (TokenRequest API).
  openssl genrsa -out "${PKI}/sa.key" 2048 2>/dev/null
  openssl rsa -in "${PKI}/sa.key" -pubout -out "${PKI}/sa.pub" 2>/dev/null
}

# write_kubeconfig FILE CERTNAME USER: kubeconfig with embedded credentials.
write_kubeconfig() {
  local file="$1" cert="$2" user="$3"
  cat >"$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: hodei-k8s-env
  cluster:
    server: ${APISERVER_URL}
    certificate-authority-data: $(base64 -w0 <"${PKI}/ca.crt")
users:
- name: ${user}
  user:
    client-certificate-data: $(base64 -w0 <"${PKI}/${cert}.crt")
    client-key-data: $(base64 -w0 <"${PKI}/${cert}.key")
contexts:
- name: hodei-k8s-env
  context:
    cluster: hodei-k8s-env
    user: ${user}
    namespace: default
current-context: hodei-k8s-env
KUBECONFIG
  chmod 600 "$file"
}

# kcurl PATH [curl args...]: call the API server as admin.
kcurl() {
  local path="$1"; shift
  curl -sS --fail --max-time 5 --cacert "${PKI}/ca.crt" --cert "${PKI}/admin.crt" --key "${PKI}/admin.key" \
    "$@" "${APISERVER_URL}${path}"
}

apiserver_ready() { [[ "$(kcurl /readyz 2>/dev/null)" == "ok" ]]; }

start_etcd() {
  start_proc etcd "${K8S_ENV_BIN}/etcd" \
    --name=hodei \
    --data-dir="${STATE}/etcd" \
    --listen-client-urls="http://127.0.0.1:${ETCD_CLIENT_PORT}" \
    --advertise-client-urls="http://127.0.0.1:${ETCD_CLIENT_PORT}" \
    --listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster="hodei=http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster-state=new \
    --unsafe-no-fsync=true \
    --quota-backend-bytes=2147483648 \
    --log-level=warn
}

start_apiserver() {
  start_proc kube-apiserver "${K8S_ENV_BIN}/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:${ETCD_CLIENT_PORT}" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="${APISERVER_PORT}" \
    --tls-cert-file="${PKI}/apiserver.crt" \
    --tls-private-key-file="${PKI}/apiserver.key" \
    --client-ca-file="${PKI}/ca.crt" \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="${PKI}/sa.pub" \
    --service-account-signing-key-file="${PKI}/sa.key" \
    --service-cluster-ip-range="${SERVICE_CIDR}" \
    --endpoint-reconciler-type=none \
    --allow-privileged=true \
    --profiling=false \
    --kubelet-preferred-address-types=InternalIP \
    --v=1
}

start_controller_manager() {
  start_proc kube-controller-manager "${K8S_ENV_BIN}/kube-controller-manager" \
    --kubeconfig="${STATE}/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="${STATE}/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="${STATE}/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="${KCM_PORT}" \
    --cert-dir="${STATE}/kcm-certs" \
    --leader-elect=false \
    --use-service-account-credentials=true \
    --service-account-private-key-file="${PKI}/sa.key" \
    --root-ca-file="${PKI}/ca.crt" \
    --cluster-signing-cert-file="${PKI}/ca.crt" \
    --cluster-signing-key-file="${PKI}/ca.key" \
    --service-cluster-ip-range="${SERVICE_CIDR}" \
    --controllers='*' \
    --v=1
}

start_scheduler() {
  start_proc kube-scheduler "${K8S_ENV_BIN}/kube-scheduler" \
    --kubeconfig="${STATE}/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="${STATE}/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="${STATE}/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="${SCHEDULER_PORT}" \
    --cert-dir="${STATE}/scheduler-certs" \
    --leader-elect=false \
    --kube-api-qps="${SCHEDULER_QPS}" \
    --kube-api-burst="${SCHEDULER_BURST}" \
    --v=1
}

start_kwok() {
  # Node and pod IPs are loopback addresses, so nothing (e.g. an apiserver log/exec proxy
  # request) is ever sent off this machine.
  # HOME=$STATE: kwok also loads ~/.kwok/kwok.yaml when present; keep the stage set ours alone.
  start_proc kwok env HOME="${STATE}" "${K8S_ENV_BIN}/kwok" \
    --kubeconfig="${STATE}/kwok.kubeconfig" \
    --config="${STATE}/kwok.yaml" \
    --manage-single-node="${NODE_NAME}" \
    --node-ip=127.0.0.1 \
    --node-name="${NODE_NAME}" \
    --node-port="${KWOK_PORT}" \
    --cidr=127.64.0.1/16 \
    --server-address="127.0.0.1:${KWOK_PORT}" \
    --tls-cert-file="${PKI}/apiserver.crt" \
    --tls-private-key-file="${PKI}/apiserver.key" \
    --node-lease-duration-seconds=40 \
    -v=INFO
}

K8S_ENV_PROCS=(kwok kube-scheduler kube-controller-manager kube-apiserver etcd) # stop order

# kube-apiserver v1.37 closes its listener at once on TERM but then often hangs ~10s+ before
# exiting; it holds no state of its own, so it gets a short grace period.
APISERVER_STOP_GRACE=3

# stop_all: TERM every recorded process at once, KILL the stragglers
# (kube-apiserver after APISERVER_STOP_GRACE seconds, the others after 10s).
stop_all() {
  local p pid i alive
  local -A pids=()
  for p in "${K8S_ENV_PROCS[@]}"; do
    [[ -f "${STATE}/${p}.pid" ]] || continue
    pid="$(cat "${STATE}/${p}.pid")"
    if [[ -n "$pid" ]] && running "$pid"; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      pids[$p]="$pid"
    fi
  done
  for i in $(seq 1 100); do
    alive=0
    for p in "${!pids[@]}"; do
      pid="${pids[$p]}"
      running "$pid" || continue
      if { [[ "$p" == kube-apiserver ]] && (( i == APISERVER_STOP_GRACE * 10 )); } || (( i == 100 )); then
        log "$p (pid $pid) did not stop after TERM; sending KILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      fi
      alive=1
    done
    (( alive )) || break
    sleep 0.1
  done
  for p in "${K8S_ENV_PROCS[@]}"; do rm -f "${STATE}/${p}.pid"; done
}

all_alive() {
  local p
  for p in "${K8S_ENV_PROCS[@]}"; do pid_alive "$p" || return 1; done
}

node_ready() {
  kcurl "/api/v1/nodes/${NODE_NAME}" 2>/dev/null | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'
}

default_sa_exists() { kcurl /api/v1/namespaces/default/serviceaccounts/default >/dev/null 2>&1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
