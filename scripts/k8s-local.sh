#!/usr/bin/env bash
# scripts/k8s-local.sh up [KUBECONFIG_OUT] | down [--purge] | status
#
# A real Kubernetes control plane on this machine, without Docker or internet: etcd, kube-apiserver
# (RBAC, the default admission plugins incl. PodSecurity), kube-controller-manager, kube-scheduler,
# all built from the Go module proxy, and kwok faking nodes so that pods are scheduled and become
# Ready without a container runtime. Everything listens on 127.0.0.1.
#
#  - Binaries are built once into a cache outside the clone (K8S_LOCAL_CACHE, default
#    ~/.cache/partner-platform/k8s-v<version>): ~10 min on 2 cores the first time, reused after.
#  - State (certificates, etcd data, logs, PIDs) lives in K8S_LOCAL_DIR (/tmp/partner-platform-k8s).
#  - `up` is idempotent (a component whose PID file names a live process of that program is left
#    alone); `down` stops exactly what `up` started, by PID; `down --purge` also deletes the state.
# Facts behind the recipe (versions, the replace trick, flags, limits): ../shared/k8s-local/README.txt;
# the wrapper modules that make k8s.io/kubernetes and etcd buildable: deploy/k8s-local/.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.36.3}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
CACHE="${K8S_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/partner-platform/k8s-v$K8S_VERSION}"
BIN="$CACHE/bin"
STATE="${K8S_LOCAL_DIR:-/tmp/partner-platform-k8s}"
NODES="${K8S_LOCAL_NODES:-1}"
ETCD_PORT="${K8S_LOCAL_ETCD_PORT:-39379}"
ETCD_PEER_PORT=$((ETCD_PORT + 1))
APISERVER_PORT="${K8S_LOCAL_APISERVER_PORT:-39443}"
KCM_PORT="${K8S_LOCAL_KCM_PORT:-39257}"
SCHED_PORT="${K8S_LOCAL_SCHED_PORT:-39259}"
KWOK_PORT="${K8S_LOCAL_KWOK_PORT:-39247}"
COMPONENTS=(kwok kube-scheduler kube-controller-manager kube-apiserver etcd)

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"
log() { echo "[k8s-local $(date +%H:%M:%S)] $*" >&2; }
KUBECTL=("$BIN/kubectl" "--kubeconfig=$STATE/admin.kubeconfig")

# --------------------------------------------------------------------------------- binaries ---
go_build() { # go_build DIR ARGS...: low priority, two jobs, no VCS stamping
  (cd "$1" && shift && CGO_ENABLED=0 GOFLAGS="-buildvcs=false -p=2" nice -n 10 go "$@")
}

build_kubernetes() {
  local b missing=0
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do [ -x "$BIN/$b" ] || missing=1; done
  [ "$missing" = 0 ] && return 0
  grep -q "k8s.io/kubernetes v$K8S_VERSION\$" "$HERE/deploy/k8s-local/k8sbuild/go.mod" ||
    { log "deploy/k8s-local/k8sbuild is for another Kubernetes version than $K8S_VERSION"; exit 1; }
  log "building Kubernetes v$K8S_VERSION into $BIN (the first time only: ~7-10 min on 2 cores)"
  local work="$CACHE/build/kubernetes" minor="${K8S_VERSION#*.}" ld="-s -w" p
  minor="${minor%%.*}"
  mkdir -p "$work" && cp "$HERE"/deploy/k8s-local/k8sbuild/{go.mod,go.sum,tools.go} "$work/"
  # Without these the binaries report v0.0.0-master (kubectl version, the API server's /version).
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  go_build "$work" build -trimpath -ldflags="$ld" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
}

build_etcd() {
  [ -x "$BIN/etcd" ] && return 0
  log "building etcd $ETCD_VERSION"
  local work="$CACHE/build/etcd"
  mkdir -p "$work" && cp "$HERE"/deploy/k8s-local/etcdbuild/{go.mod,go.sum,tools.go} "$work/"
  go_build "$work" build -trimpath -ldflags="-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
}

build_kwok() {
  [ -x "$BIN/kwok" ] && return 0
  log "building kwok $KWOK_VERSION"
  GOBIN="$BIN" go_build /tmp install -trimpath -ldflags="-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

# kwok does nothing without stages: the defaults kwokctl uses, from the kwok module itself.
kwok_stages() {
  local out="$STATE/kwok.yaml" src y
  [ -s "$out" ] && return 0
  src="$(cd /tmp && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
  for y in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"
    cat "$src/kustomize/stage/$y"
  done > "$out"
}

# ----------------------------------------------------------------------------- certificates ---
certificates() {
  local d="$STATE/pki" name subj eku san ca
  [ -s "$d/admin.crt" ] && return 0
  log "making certificates in $d"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -subj /CN=k8s-local-ca -days 3650 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/front-proxy-ca.key" -out "$d/front-proxy-ca.crt" \
    -subj /CN=k8s-local-front-proxy-ca -days 3650 2>/dev/null
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  while IFS='|' read -r name subj eku san ca; do
    openssl req -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" -subj "$subj" 2>/dev/null
    {
      echo "basicConstraints=CA:FALSE"
      echo "keyUsage=critical,digitalSignature,keyEncipherment"
      echo "extendedKeyUsage=$eku"
      if [ -n "$san" ]; then echo "subjectAltName=$san"; fi
    } > "$d/$name.ext"
    openssl x509 -req -in "$d/$name.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" -CAcreateserial \
      -days 3650 -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null
    rm -f "$d/$name.csr" "$d/$name.ext"
  done <<EOF
apiserver|/CN=kube-apiserver|serverAuth|IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local|ca
kwok-serving|/CN=kwok|serverAuth|IP:127.0.0.1,DNS:localhost|ca
front-proxy-client|/CN=front-proxy-client|clientAuth||front-proxy-ca
kcm|/CN=system:kube-controller-manager|clientAuth||ca
sched|/CN=system:kube-scheduler|clientAuth||ca
kwok|/O=system:masters/CN=kwok-controller|clientAuth||ca
admin|/O=system:masters/CN=kubernetes-admin|clientAuth||ca
EOF
}

kubeconfig() { # kubeconfig USER FILE: self-contained (certificates embedded)
  local d="$STATE/pki"
  (
    umask 077
    cat > "$2" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: k8s-local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 < "$d/ca.crt")
users:
- name: $1
  user:
    client-certificate-data: $(base64 -w0 < "$d/$1.crt")
    client-key-data: $(base64 -w0 < "$d/$1.key")
contexts:
- name: k8s-local
  context: {cluster: k8s-local, user: $1}
current-context: k8s-local
EOF
  )
}

# -------------------------------------------------------------------------------- processes ---
# A PID file counts only while it names a live process of that very program (PIDs get reused).
running() {
  local file="$STATE/pids/$1.pid" pid
  [ -s "$file" ] || return 1
  pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null && tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | head -1 | grep -q "/$1\$"
}

launch() { # launch NAME PORT PROGRAM ARGS...
  local name="$1" port="$2"
  shift 2
  if running "$name"; then return 0; fi
  if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
    log "127.0.0.1:$port is taken by another program (set K8S_LOCAL_*_PORT)"
    exit 1
  fi
  log "starting $name"
  setsid "$@" >> "$STATE/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$STATE/pids/$name.pid"
}

await() { # await NAME SECONDS COMMAND...
  local name="$1" seconds="$2" i
  shift 2
  for ((i = 0; i < seconds * 2; i++)); do
    if "$@" > /dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  log "$name did not become ready in ${seconds}s; the end of $STATE/logs/$name.log:"
  tail -20 "$STATE/logs/$name.log" >&2 || true
  exit 1
}

fake_nodes() {
  local i
  for ((i = 0; i < NODES; i++)); do
    cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: {node.alpha.kubernetes.io/ttl: "0", kwok.x-k8s.io/node: fake}
  labels: {kubernetes.io/arch: amd64, kubernetes.io/hostname: kwok-node-$i, kubernetes.io/os: linux, type: kwok}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
---
EOF
  done
}

up() {
  local out="${1:-$STATE/admin.kubeconfig}" started prepared p="$STATE/pki" name
  started=$(date +%s)
  mkdir -p "$BIN" "$STATE"/{pki,logs,pids,etcd,kcm,sched,apiserver}
  build_kubernetes
  build_etcd
  build_kwok
  certificates
  kwok_stages
  for name in admin kcm sched kwok; do kubeconfig "$name" "$STATE/$name.kubeconfig"; done
  prepared=$(date +%s)
  chmod 700 "$STATE/etcd"
  launch etcd "$ETCD_PORT" "$BIN/etcd" --unsafe-no-fsync --name=k8s-local --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="k8s-local=http://127.0.0.1:$ETCD_PEER_PORT" --logger=zap --log-level=warn \
    --quota-backend-bytes=4294967296 --auto-compaction-mode=periodic --auto-compaction-retention=5m
  await etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
  # The controllers and the scheduler get more of the API server than their defaults (20 and 50
  # requests/s, 5 concurrent Deployment syncs), which are meant for a control plane shared with
  # other tenants: here they alone turn 200 instances into pods.
  # --allow-privileged: PodSecurity admission, not the API server, must be what refuses pods.
  # --endpoint-reconciler-type=none: 127.0.0.1 may not be an Endpoint of the "kubernetes" Service.
  launch kube-apiserver "$APISERVER_PORT" "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
    --secure-port="$APISERVER_PORT" --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" \
    --client-ca-file="$p/ca.crt" --cert-dir="$STATE/apiserver" \
    --requestheader-client-ca-file="$p/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$p/front-proxy-client.crt" --proxy-client-key-file="$p/front-proxy-client.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 --authorization-mode=RBAC --allow-privileged=true \
    --endpoint-reconciler-type=none --profiling=false --v=1
  await kube-apiserver 120 "${KUBECTL[@]}" get --raw /readyz
  launch kube-controller-manager "$KCM_PORT" "$BIN/kube-controller-manager" \
    --kubeconfig="$STATE/kcm.kubeconfig" --authentication-kubeconfig="$STATE/kcm.kubeconfig" \
    --authorization-kubeconfig="$STATE/kcm.kubeconfig" --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
    --cert-dir="$STATE/kcm" --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$p/sa.key" --root-ca-file="$p/ca.crt" \
    --cluster-signing-cert-file="$p/ca.crt" --cluster-signing-key-file="$p/ca.key" \
    --controllers='*,bootstrapsigner,tokencleaner' --profiling=false --v=1 \
    --kube-api-qps=200 --kube-api-burst=300 --concurrent-deployment-syncs=20 \
    --concurrent-replicaset-syncs=20 --concurrent-namespace-syncs=20
  launch kube-scheduler "$SCHED_PORT" "$BIN/kube-scheduler" \
    --kubeconfig="$STATE/sched.kubeconfig" --authentication-kubeconfig="$STATE/sched.kubeconfig" \
    --authorization-kubeconfig="$STATE/sched.kubeconfig" --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" \
    --cert-dir="$STATE/sched" --leader-elect=false --profiling=false --v=1 \
    --kube-api-qps=200 --kube-api-burst=300
  launch kwok "$KWOK_PORT" "$BIN/kwok" --kubeconfig="$STATE/kwok.kubeconfig" --config="$STATE/kwok.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --manage-nodes-with-label-selector= --node-ip=127.0.0.1 --node-port="$KWOK_PORT" \
    --server-address="127.0.0.1:$KWOK_PORT" --tls-cert-file="$p/kwok-serving.crt" \
    --tls-private-key-file="$p/kwok-serving.key" --cidr=10.244.0.0/16 --node-lease-duration-seconds=40
  await kube-controller-manager 60 curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"
  await kube-scheduler 60 curl -fsSk "https://127.0.0.1:$SCHED_PORT/healthz"
  fake_nodes | "${KUBECTL[@]}" apply -f - > /dev/null
  await kwok 60 "${KUBECTL[@]}" wait --for=condition=Ready node --all --timeout=1s
  # The "default" ServiceAccount exists once the controller-manager works.
  await kube-controller-manager 60 "${KUBECTL[@]}" -n default get serviceaccount default
  if [ "$out" != "$STATE/admin.kubeconfig" ]; then
    mkdir -p "$(dirname "$out")"
    install -m 600 "$STATE/admin.kubeconfig" "$out"
  fi
  log "ready: binaries and certificates $((prepared - started)) s, start $(($(date +%s) - prepared)) s"
  log "kubeconfig: $out   kubectl: $BIN/kubectl"
}

down() {
  local name pid file
  for name in "${COMPONENTS[@]}"; do
    file="$STATE/pids/$name.pid"
    if running "$name"; then
      pid="$(cat "$file")"
      kill -TERM "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2> /dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2> /dev/null && kill -KILL "$pid"
      log "stopped $name (pid $pid)"
    fi
    rm -f "$file"
  done
  if [ "${1:-}" = "--purge" ]; then rm -rf "$STATE" && log "removed $STATE (binaries stay in $BIN)"; fi
}

status() {
  local name state=0
  for name in "${COMPONENTS[@]}"; do
    if running "$name"; then echo "$name running (pid $(cat "$STATE/pids/$name.pid"))"; else echo "$name stopped"; state=1; fi
  done
  return "$state"
}

case "${1:-}" in
  up) shift && up "$@" ;;
  down) shift && down "$@" ;;
  status) status ;;
  bin) echo "$BIN" ;;
  *) echo "usage: scripts/k8s-local.sh up [KUBECONFIG_OUT] | down [--purge] | status | bin" >&2 && exit 2 ;;
esac
