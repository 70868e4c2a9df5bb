#!/usr/bin/env bash
# Installs what the traffic-capture tests (tests/Lattice.Mesh.Proxy.Tests/Capture) need to build network
# namespaces and apply real iptables rules in them:
#   iptables     iptables-nft(-save,-restore) and iptables-legacy(-save,-restore): lattice-proxy capture runs them
#   iproute2     ip netns, veth pairs
#   python3      /usr/bin/python3: the small listeners and clients the tests run inside the namespaces (the
#                system one, since the tests run it as other uids, which cannot reach a root-only pyenv)
#   util-linux   setpriv: runs a client as the app's uid or the proxy's
#
# Usage: tests/netns/setup.sh   (idempotent; returns at once when everything is present)
# Needs: Debian 12 (or another apt system), root or sudo. The tests themselves need root (ip netns add).
set -Eeuo pipefail

export PATH="$PATH:/usr/sbin:/sbin"
# A path that must exist, and the Debian package that provides it.
declare -A NEEDED=(
  [/usr/sbin/iptables-nft-restore]=iptables
  [/usr/sbin/iptables-legacy-restore]=iptables
  [ip]=iproute2
  [/usr/bin/python3]=python3
  [setpriv]=util-linux
)

missing=()
for path in "${!NEEDED[@]}"; do
  if [[ "$path" == /* ]]; then
    [[ -x "$path" ]] && continue
  else
    command -v "$path" >/dev/null 2>&1 && continue
  fi
  missing+=("${NEEDED[$path]}")
done

if (( ${#missing[@]} == 0 )); then
  exit 0
fi

mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "[netns-setup] needs root or sudo to apt-get install ${packages[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
command -v apt-get >/dev/null 2>&1 || { echo "[netns-setup] no apt-get here; install ${packages[*]} by hand" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "[netns-setup] installing ${packages[*]}"
if ! "${SUDO[@]}" apt-get install -y --no-install-recommends "${packages[@]}" >"$log" 2>&1; then
  # A fresh image has no package lists yet.
  "${SUDO[@]}" apt-get update >>"$log" 2>&1
  "${SUDO[@]}" apt-get install -y --no-install-recommends "${packages[@]}" >>"$log" 2>&1 || {
    echo "[netns-setup] apt-get install ${packages[*]} failed; last lines of its output:" >&2
    tail -n 20 "$log" >&2
    exit 1
  }
fi
echo "[netns-setup] installed ${packages[*]}"
