#!/usr/bin/env bash
# Builds and caches a real Kubernetes control plane for the tests:
#   kube-apiserver, kube-controller-manager  built from Debian's kubernetes 1.20.2 source
#   kubectl                                  Debian's kubernetes-client package (same source), extracted
#   etcd                                     Debian's etcd-server package (/usr/bin/etcd)
#
# Usage: tests/k8s/setup.sh            (idempotent; returns in well under a second when the cache is warm)
#
# Cache:  ${LATTICE_K8S_CACHE:-$HOME/.cache/lattice-mesh/k8s}/bin/{kube-apiserver,kube-controller-manager,kubectl}
#         .../stamp says what was built. The build tree (${LATTICE_K8S_CACHE}-build) is removed after a
#         successful build; after a failed one it is kept (with build.log and the Go build cache) so a
#         rerun is quicker.
# Needs:  Debian 12, root (or sudo) for apt-get; about 6 minutes on 2 cores and ~3 GB of disk while building.
#
# Why a source build: Debian 12 ships only the client (kubectl) of 1.20.2, not the server binaries.
# Why the reflect2 swap: 1.20 vendors github.com/modern-go/reflect2 1.0.1, which crashes (SIGSEGV in map
# iteration) under Go >= 1.18 as soon as a custom resource is written; 1.0.2 (Debian's
# golang-github-modern-go-reflect2-dev) fixes that and is API-compatible.
set -Eeuo pipefail

# Bump when the recipe changes: a cache with another recipe number is rebuilt.
RECIPE=1
CACHE="${LATTICE_K8S_CACHE:-$HOME/.cache/lattice-mesh/k8s}"
CACHE="${CACHE%/}"
BUILD="${CACHE}-build"
BIN="$CACHE/bin"
STAMP="$CACHE/stamp"
ALL_BINS=(kube-apiserver kube-controller-manager kubectl)
# Commands start.sh needs, and the Debian package that provides each.
declare -A TOOL_PKG=([etcd]=etcd-server [openssl]=openssl [python3]=python3 [curl]=curl [setsid]=util-linux)

STEP="start"
START_TIME=$SECONDS
log() { printf '[k8s-setup %4ss] %s\n' "$((SECONDS - START_TIME))" "$*"; }
step() { STEP="$*"; log "$*"; }
on_err() {
  local rc=$?
  printf '[k8s-setup] FAILED (exit %s, line %s) during step: %s\n' "$rc" "${BASH_LINENO[0]}" "$STEP" >&2
  if [[ -f "$BUILD/build.log" && "$STEP" == build* ]]; then
    printf '[k8s-setup] last lines of %s:\n' "$BUILD/build.log" >&2
    tail -n 40 "$BUILD/build.log" >&2 || true
  fi
  exit "$rc"
}
trap on_err ERR

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "[k8s-setup] needs root or sudo for apt-get" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

missing_tool_pkgs() {
  local t
  for t in "${!TOOL_PKG[@]}"; do
    command -v "$t" >/dev/null 2>&1 || printf '%s\n' "${TOOL_PKG[$t]}"
  done
}

cache_is_warm() {
  [[ -f "$STAMP" ]] && grep -qx "recipe=$RECIPE" "$STAMP" || return 1
  local b
  for b in "${ALL_BINS[@]}"; do [[ -x "$BIN/$b" ]] || return 1; done
}

APT_UPDATED=0
apt_update() {
  if [[ $APT_UPDATED -eq 0 ]]; then
    "${SUDO[@]}" apt-get update -qq
    APT_UPDATED=1
  fi
}
apt_install() { apt_update; "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }

# ---------------------------------------------------------------- fast path
mapfile -t MISSING < <(missing_tool_pkgs | sort -u)
if cache_is_warm; then
  if [[ ${#MISSING[@]} -gt 0 ]]; then
    step "cache warm; installing missing runtime packages: ${MISSING[*]}"
    apt_install "${MISSING[@]}"
  fi
  log "ready: $(sed -n 's/^kubernetes=//p' "$STAMP") in $BIN, etcd $(command -v etcd)"
  exit 0
fi

# ---------------------------------------------------------------- cold path
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  log "another setup.sh is building; waiting for it"
  flock 9
  if cache_is_warm; then log "ready (built by the other run)"; exit 0; fi
fi

step "1/7 enable Debian source packages (deb-src)"
if grep -rqsE '^[^#]*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  log "deb-src already enabled"
elif [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
  sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    | "${SUDO[@]}" tee /etc/apt/sources.list.d/lattice-deb-src.sources >/dev/null
  log "wrote /etc/apt/sources.list.d/lattice-deb-src.sources"
elif [[ -f /etc/apt/sources.list ]] && grep -qE '^deb ' /etc/apt/sources.list; then
  sed -nE 's/^deb /deb-src /p' /etc/apt/sources.list \
    | "${SUDO[@]}" tee /etc/apt/sources.list.d/lattice-deb-src.list >/dev/null
  log "wrote /etc/apt/sources.list.d/lattice-deb-src.list"
else
  echo "[k8s-setup] no apt sources found to derive deb-src from" >&2
  false
fi

step "2/7 apt-get update + install build dependencies"
apt_update
apt_install golang-go rsync make etcd-server golang-github-modern-go-reflect2-dev "${MISSING[@]}"
log "$(/usr/lib/go/bin/go version 2>/dev/null || go version); etcd $(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')"

step "3/7 fetch kubernetes source (apt-get source --download-only kubernetes)"
rm -rf "$BUILD/src" "$BUILD/tree" "$BUILD/kubectl-deb"
mkdir -p "$BUILD/src" "$BUILD/tree"
chmod 755 "$BUILD" "$BUILD/src" # lets apt's _apt user write there (else a harmless "unsandboxed" warning)
(cd "$BUILD/src" && apt-get source --download-only kubernetes 2>&1) | { grep -v '^W: Download is performed unsandboxed' || true; }
ORIG=$(find "$BUILD/src" -maxdepth 1 -name 'kubernetes_*.orig.tar.*' | head -n1)
[[ -n "$ORIG" ]] || { echo "[k8s-setup] apt-get source gave no orig tarball" >&2; false; }
DEB_VERSION=$(sed -nE 's/^Version: //p' "$BUILD"/src/kubernetes_*.dsc | head -n1)
log "source package kubernetes $DEB_VERSION; unpacking $(basename "$ORIG")"
tar -xf "$ORIG" -C "$BUILD/tree" --strip-components=1
SRC="$BUILD/tree"
K8S_VERSION=$(sed -nE "s/.*'tag: (v[0-9][^ ,']*).*/\1/p" "$SRC/hack/lib/version.sh" | head -n1)
log "upstream version ${K8S_VERSION:-unknown}"
case "$K8S_VERSION" in
  v1.20.*) ;;
  *) echo "[k8s-setup] expected Kubernetes v1.20.x from Debian 12, got '${K8S_VERSION}'; the flags in start.sh are for 1.20" >&2; false ;;
esac

step "4/7 replace vendored modern-go/reflect2 1.0.1 with Debian's 1.0.2 (Go >= 1.18 fix)"
R2_SRC=$(dpkg -L golang-github-modern-go-reflect2-dev | grep -E '/github.com/modern-go/reflect2/reflect2\.go$' | head -n1)
R2_SRC=$(dirname "$R2_SRC")
R2_VERSION=$(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev)
R2_DST="$SRC/vendor/github.com/modern-go/reflect2"
[[ -d "$R2_DST" ]] || { echo "[k8s-setup] $R2_DST not found in the source tree" >&2; false; }
rm -rf "$R2_DST"
mkdir -p "$R2_DST"
rsync -a --exclude go.mod --exclude go.sum --exclude '*_test.go' "$R2_SRC/" "$R2_DST/"
log "reflect2 $R2_VERSION from $R2_SRC"

step "5/7 build kube-apiserver, kube-controller-manager (make; ~6 min on 2 cores; log: $BUILD/build.log)"
KUBECTL_DEB_VERSION=$(apt-cache policy kubernetes-client 2>/dev/null | sed -nE 's/^ *Candidate: //p')
WHAT=(cmd/kube-apiserver cmd/kube-controller-manager)
if [[ -z "$KUBECTL_DEB_VERSION" || "$KUBECTL_DEB_VERSION" == "(none)" ]]; then
  log "no kubernetes-client package in apt; building cmd/kubectl too"
  WHAT+=(cmd/kubectl)
  KUBECTL_DEB_VERSION=""
fi
mkdir -p "$SRC/.go/src/k8s.io"
[[ -L "$SRC/.go/src/k8s.io/kubernetes" ]] || ln -s ../../.. "$SRC/.go/src/k8s.io/kubernetes"
BUILD_START=$SECONDS
(
  trap - ERR
  cd "$SRC"
  unset GOFLAGS GO111MODULE GOROOT GOBIN GOPROXY GOTOOLCHAIN
  export PATH="/usr/lib/go/bin:$PATH" GOPATH="$SRC/.go" GOCACHE="$BUILD/gocache" CGO_ENABLED=0
  make WHAT="${WHAT[*]}" 2>&1 | tee "$BUILD/build.log" | { grep --line-buffered -E '^\+\+\+|^    [^ ]' || true; }
)
BUILD_SECS=$((SECONDS - BUILD_START))
for b in "${WHAT[@]}"; do
  [[ -x "$SRC/_output/bin/$(basename "$b")" ]] || { echo "[k8s-setup] make did not produce $(basename "$b")" >&2; false; }
done
log "built in ${BUILD_SECS}s"

step "6/7 kubectl from Debian's kubernetes-client ${KUBECTL_DEB_VERSION:-(built from source)}"
if [[ -n "$KUBECTL_DEB_VERSION" ]]; then
  # Extracted rather than installed: /usr/bin/kubectl may belong to another package (e.g. google-cloud-sdk's
  # "kubectl"), and tests should use the client that matches the server anyway.
  mkdir -p "$BUILD/kubectl-deb"
  chmod 755 "$BUILD/kubectl-deb"
  (cd "$BUILD/kubectl-deb" && apt-get download kubernetes-client 2>&1) | { grep -v '^W: Download is performed unsandboxed' || true; }
  dpkg-deb -x "$(find "$BUILD/kubectl-deb" -maxdepth 1 -name 'kubernetes-client_*.deb' | head -n1)" "$BUILD/kubectl-deb/root"
  cp "$BUILD/kubectl-deb/root/usr/bin/kubectl" "$SRC/_output/bin/kubectl"
fi

step "7/7 install into $BIN"
rm -rf "$BIN.tmp"
mkdir -p "$BIN.tmp"
for b in "${ALL_BINS[@]}"; do
  install -m 0755 "$SRC/_output/bin/$b" "$BIN.tmp/$b"
done
rm -rf "$BIN"
mv "$BIN.tmp" "$BIN"
{
  echo "recipe=$RECIPE"
  echo "kubernetes=$K8S_VERSION"
  echo "kubernetes-source=debian kubernetes $DEB_VERSION"
  echo "reflect2=debian golang-github-modern-go-reflect2-dev $R2_VERSION"
  echo "go=$(/usr/lib/go/bin/go env GOVERSION 2>/dev/null || go env GOVERSION)"
  if [[ -n "$KUBECTL_DEB_VERSION" ]]; then
    echo "kubectl=debian kubernetes-client $KUBECTL_DEB_VERSION"
  else
    echo "kubectl=built from source"
  fi
  echo "etcd=$(command -v etcd) $(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')"
  echo "build-seconds=$BUILD_SECS"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"
rm -rf "$BUILD"
STEP="done"
log "ready: $K8S_VERSION in $BIN (built in ${BUILD_SECS}s), etcd $(command -v etcd)"
"$BIN/kube-apiserver" --version
