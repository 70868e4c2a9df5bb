#!/usr/bin/env bash
# Starts a throwaway Kubernetes 1.20 control plane on free loopback ports:
#   etcd + kube-apiserver + kube-controller-manager (no scheduler, no kubelet: Pods stay Pending).
# The binaries come from tests/k8s/setup.sh (run it first). This script is also the reference for the exact
# flags that work with 1.20.2; the C# test fixture does the same things.
#
# Usage: tests/k8s/start.sh DIR        (DIR is created; stop with tests/k8s/stop.sh DIR)
# Writes: DIR/kubeconfig   admin kubeconfig (static token, group system:masters, CA-verified TLS)
#         DIR/env          KUBECONFIG=, LATTICE_K8S_SERVER=, LATTICE_K8S_TOKEN=, LATTICE_K8S_CA= (also printed)
#         DIR/pids         "name pid" per line, in start order
#         DIR/pki/         ca.{crt,key}, apiserver.{crt,key}, sa.{key,pub}, tokens.csv
#         DIR/*.log        etcd.log, kube-apiserver.log, kube-controller-manager.log
#         DIR/etcd/        etcd data (put DIR on tmpfs, e.g. under /dev/shm, for speed)
# Ready means: etcd /health ok, apiserver /readyz ok, and the controller-manager has created the
# "default" ServiceAccount in namespace default (so Pods can be created).
set -Eeuo pipefail

DIR="${1:?usage: start.sh DIR}"
CACHE="${LATTICE_K8S_CACHE:-$HOME/.cache/lattice-mesh/k8s}"
BIN="${CACHE%/}/bin"
ETCD="$(command -v etcd || true)"
TIMEOUT="${LATTICE_K8S_START_TIMEOUT:-90}" # seconds, for each wait below

log() { printf '[k8s-start %3ss] %s\n' "$SECONDS" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# running PID: true while PID exists and is not a zombie (an exited child that this shell has not reaped
# still passes kill -0).
running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z ]]
}

for b in kube-apiserver kube-controller-manager kubectl; do
  [[ -x "$BIN/$b" ]] || die "$BIN/$b missing: run tests/k8s/setup.sh"
done
[[ -n "$ETCD" ]] || die "etcd not on PATH: run tests/k8s/setup.sh (Debian etcd-server)"
for t in openssl python3 curl setsid; do command -v "$t" >/dev/null || die "$t not found: run tests/k8s/setup.sh"; done

mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
if [[ -s "$DIR/pids" ]]; then
  while read -r _ pid; do
    running "$pid" && die "$DIR already has running processes (pids file); run stop.sh first"
  done <"$DIR/pids"
fi
: >"$DIR/pids"
PKI="$DIR/pki"
mkdir -p "$PKI"

# On any failure (or interrupt) after this point, stop what was started.
cleanup_on_fail() {
  local rc=$?
  trap - EXIT
  log "start failed; stopping what was started (logs are in $DIR)"
  # The process started last may not be in DIR/pids yet.
  if [[ -n "${STARTED_PID:-}" ]] && running "$STARTED_PID"; then kill "$STARTED_PID" 2>/dev/null || true; fi
  "$(dirname "${BASH_SOURCE[0]}")/stop.sh" "$DIR" >/dev/null 2>&1 || true
  exit "$((rc == 0 ? 1 : rc))"
}
trap cleanup_on_fail EXIT
trap 'exit 130' INT TERM

# A free TCP port on 127.0.0.1, from the kernel. Another process can still take it before we bind,
# so every start below retries with new ports when it sees "address already in use".
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_bg LOGFILE CMD...: runs CMD in its own session (survives this script); its pid -> STARTED_PID.
start_bg() {
  local logf=$1; shift
  setsid "$@" >"$logf" 2>&1 </dev/null &
  STARTED_PID=$!
}

# wait_until PID CHECK-CMD...: polls CHECK-CMD every 0.2 s until it succeeds, PID dies, or TIMEOUT.
# Returns 0 ready, 1 process died, 2 timeout.
wait_until() {
  local pid=$1; shift
  local deadline=$((SECONDS + TIMEOUT))
  while ((SECONDS < deadline)); do
    running "$pid" || return 1
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 2
}

# ------------------------------------------------------------------------------------------------ PKI
log "generating PKI in $PKI"
openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
openssl req -x509 -new -key "$PKI/ca.key" -sha256 -days 3650 -subj "/CN=lattice-test-ca" -out "$PKI/ca.crt"
openssl genrsa -out "$PKI/apiserver.key" 2048 2>/dev/null
openssl req -new -key "$PKI/apiserver.key" -subj "/CN=kube-apiserver" -out "$PKI/apiserver.csr"
cat >"$PKI/apiserver.ext" <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
openssl x509 -req -in "$PKI/apiserver.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
  -days 3650 -sha256 -extfile "$PKI/apiserver.ext" -out "$PKI/apiserver.crt" 2>/dev/null
# Service-account token signing key (apiserver signs/verifies, controller-manager signs token secrets).
openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
# Static token file: token,user,uid,"groups". system:masters bypasses RBAC.
TOKEN=$(openssl rand -hex 32)
echo "$TOKEN,admin,admin,\"system:masters\"" >"$PKI/tokens.csv"
chmod 600 "$PKI"/*.key "$PKI/tokens.csv"

# ------------------------------------------------------------------------------------------------ etcd
# Healthy, and really ours: another process could have taken the port first, so check our peer URL too.
# Every probe has a time limit: a listener that never answers must not stall the deadline loop.
etcd_ready() {
  [[ "$(curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health")" == *'"health":"true"'* ]] &&
    [[ "$(curl -fsS --max-time 2 -X POST -d '{}' "http://127.0.0.1:$ETCD_PORT/v3/cluster/member/list")" \
      == *"\"http://127.0.0.1:$ETCD_PEER_PORT\""* ]]
}
for attempt in 1 2 3 4 5; do
  ETCD_PORT=$(free_port)
  ETCD_PEER_PORT=$(free_port)
  [[ "$ETCD_PORT" != "$ETCD_PEER_PORT" ]] || continue
  rm -rf "$DIR/etcd"
  log "starting etcd on 127.0.0.1:$ETCD_PORT (peer $ETCD_PEER_PORT), attempt $attempt"
  start_bg "$DIR/etcd.log" "$ETCD" \
    --name=default \
    --data-dir="$DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="default=http://127.0.0.1:$ETCD_PEER_PORT" \
    --logger=zap --log-level=warn
  ETCD_PID=$STARTED_PID
  rc=0; wait_until "$ETCD_PID" etcd_ready || rc=$?
  if ((rc == 0)); then break; fi
  if ((rc == 1)) && grep -q 'address already in use' "$DIR/etcd.log"; then continue; fi
  tail -n 20 "$DIR/etcd.log" >&2
  kill "$ETCD_PID" 2>/dev/null || true
  die "etcd did not become healthy (rc=$rc)"
done
((rc == 0)) || die "etcd: no free ports after 5 attempts"
echo "etcd $ETCD_PID" >>"$DIR/pids"

# ------------------------------------------------------------------------------------------------ kube-apiserver
# Only our apiserver accepts our token, so a foreign listener on the port cannot pass this.
readyz() {
  [[ "$(curl -fsS --max-time 2 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $TOKEN" \
    "https://127.0.0.1:$API_PORT/readyz")" == ok ]]
}
for attempt in 1 2 3 4 5; do
  API_PORT=$(free_port)
  log "starting kube-apiserver on https://127.0.0.1:$API_PORT, attempt $attempt"
  # --endpoint-reconciler-type=none: the "kubernetes" Service's Endpoints would otherwise be 127.0.0.1,
  #   which Endpoints validation rejects (loopback), and the reconciler logs that error forever.
  # No --insecure-port: 1.20 already defaults it to 0 (disabled).
  start_bg "$DIR/kube-apiserver.log" "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="$API_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" \
    --tls-private-key-file="$PKI/apiserver.key" \
    --token-auth-file="$PKI/tokens.csv" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --endpoint-reconciler-type=none \
    --cert-dir="$PKI" \
    --v=1
  API_PID=$STARTED_PID
  rc=0; wait_until "$API_PID" readyz || rc=$?
  if ((rc == 0)); then break; fi
  if ((rc == 1)) && grep -q 'address already in use' "$DIR/kube-apiserver.log"; then continue; fi
  tail -n 30 "$DIR/kube-apiserver.log" >&2
  kill "$API_PID" 2>/dev/null || true
  die "kube-apiserver did not become ready (rc=$rc: 1 = exited, 2 = timeout)"
done
((rc == 0)) || die "kube-apiserver: no free port after 5 attempts"
echo "kube-apiserver $API_PID" >>"$DIR/pids"
SERVER="https://127.0.0.1:$API_PORT"

# ------------------------------------------------------------------------------------------------ kubeconfig
cat >"$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: lattice-test
  cluster:
    server: $SERVER
    certificate-authority: $PKI/ca.crt
users:
- name: admin
  user:
    token: $TOKEN
contexts:
- name: lattice-test
  context:
    cluster: lattice-test
    user: admin
current-context: lattice-test
EOF
chmod 600 "$DIR/kubeconfig"

# ------------------------------------------------------------------------------------------------ kube-controller-manager
# --port=0 / --secure-port=0: no health endpoints, so no fixed ports (10252/10257) to collide on and no
#   self-signed serving cert written to /var/run/kubernetes.
# --leader-elect=false: a single instance; no lease wait.
# clusterrole-aggregation: without it the built-in admin/edit/view ClusterRoles have no rules.
log "starting kube-controller-manager"
start_bg "$DIR/kube-controller-manager.log" "$BIN/kube-controller-manager" \
  --kubeconfig="$DIR/kubeconfig" \
  --controllers=deployment,replicaset,garbagecollector,namespace,serviceaccount,serviceaccount-token,clusterrole-aggregation,pvc-protection \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --use-service-account-credentials=false \
  --leader-elect=false \
  --port=0 \
  --secure-port=0 \
  --v=1
KCM_PID=$STARTED_PID
echo "kube-controller-manager $KCM_PID" >>"$DIR/pids"
default_sa_ready() {
  [[ -n "$("$BIN/kubectl" --kubeconfig="$DIR/kubeconfig" --request-timeout=2s -n default \
    get serviceaccount default -o jsonpath='{.secrets[0].name}')" ]]
}
rc=0; wait_until "$KCM_PID" default_sa_ready || rc=$?
if ((rc != 0)); then
  tail -n 30 "$DIR/kube-controller-manager.log" >&2
  die "kube-controller-manager did not create the default ServiceAccount and its token (rc=$rc)"
fi

trap - EXIT INT TERM
cat >"$DIR/env" <<EOF
KUBECONFIG=$DIR/kubeconfig
LATTICE_K8S_SERVER=$SERVER
LATTICE_K8S_TOKEN=$TOKEN
LATTICE_K8S_CA=$PKI/ca.crt
EOF
log "ready in ${SECONDS}s: $SERVER (etcd 127.0.0.1:$ETCD_PORT); stop with: $(dirname "${BASH_SOURCE[0]}")/stop.sh $DIR"
log "kubectl: $BIN/kubectl --kubeconfig=$DIR/kubeconfig get ns"
cat "$DIR/env"
