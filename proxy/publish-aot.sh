#!/usr/bin/env bash
# Publishes lattice-proxy with Native AOT: one native executable, no JIT, about 20 MB.
#
# Usage: proxy/publish-aot.sh [folder]      (default artifacts/lattice-proxy-aot; about 90 s on 2 cores)
# Then:  LATTICE_PROXY=<folder>/lattice-proxy ./lattice-mesh up examples/media-server
#        LATTICE_PROXY=<folder>/lattice-proxy dotnet run -c Release --project loadtests
# Needs: the .NET 10 SDK and, from Debian, clang and zlib1g-dev (the native linker and zlib the ILCompiler links
#        against); installed here with apt-get when missing (root or sudo).
set -Eeuo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${1:-$root/artifacts/lattice-proxy-aot}")"

missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)
[[ -e /usr/include/zlib.h ]] || missing+=(zlib1g-dev)
if (( ${#missing[@]} > 0 )); then
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "[publish-aot] needs root or sudo to apt-get install ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo -n)
  fi
  command -v apt-get >/dev/null 2>&1 || { echo "[publish-aot] no apt-get here; install ${missing[*]} by hand" >&2; exit 1; }
  echo "[publish-aot] installing ${missing[*]} from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { "${SUDO[@]}" apt-get update -qq >/dev/null && "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi

dotnet publish "$root/proxy/Lattice.Mesh.Proxy" -c Release -r linux-x64 -p:PublishAot=true -o "$out" --nologo -v quiet
echo "[publish-aot] $out/lattice-proxy"
echo "[publish-aot] run it with: LATTICE_PROXY=$out/lattice-proxy ./lattice-mesh up examples/media-server"
