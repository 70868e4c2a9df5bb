#!/usr/bin/env bash
# Installs what the load test's comparison paths need, from Debian:
#   nginx-light  /usr/sbin/nginx: the nginx pair (client → nginx → mTLS → nginx → app); "nginx" where there is no nginx-light
#   wrk          /usr/bin/wrk: the cross-check of the direct path (wrk 4.1, closed model only)
#
# Usage: loadtests/setup.sh   (idempotent and quiet; returns at once when both are present)
# Needs: Debian 12 (or another apt system), root or sudo. lattice-loadtest runs it itself when nginx or wrk is
# missing, and skips the path it could not get with a note in the report; it never needs the packages' services:
# no nginx service is started here (a policy-rc.d refusing it is put in place for the install when none exists).
set -Eeuo pipefail

export PATH="$PATH:/usr/sbin:/sbin"
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if (( ${#missing[@]} == 0 )); then
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "[loadtest-setup] needs root or sudo to apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo -n)
fi
command -v apt-get >/dev/null 2>&1 || { echo "[loadtest-setup] no apt-get here; install ${missing[*]} by hand" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
policy=""
cleanup() {
  rm -f "$log"
  [[ -n "$policy" ]] && "${SUDO[@]}" rm -f "$policy"
  return 0
}
trap cleanup EXIT

# The package's own service (nginx on port 80 with /etc/nginx's config) is of no use to the load test, and would be
# left running: refuse service starts for the length of the install, as Debian's container images do.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod 755 "$policy"
fi

apt_install() {
  "${SUDO[@]}" apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=120 "$@" >>"$log" 2>&1
}

# nginx-light is bookworm's smallest nginx with the ssl and proxy modules; later releases have only "nginx".
packages_for() {
  local with_light=()
  for tool in "${missing[@]}"; do
    if [[ "$tool" == nginx ]]; then with_light+=("$1"); else with_light+=("$tool"); fi
  done
  printf '%s\n' "${with_light[@]}"
}

try_install() {
  local flavour
  for flavour in nginx-light nginx; do
    mapfile -t packages < <(packages_for "$flavour")
    apt_install "${packages[@]}" && return 0
  done
  return 1
}

echo "[loadtest-setup] installing ${missing[*]}" >&2
if ! try_install; then
  # A fresh image has no package lists yet.
  "${SUDO[@]}" apt-get update -o DPkg::Lock::Timeout=120 >>"$log" 2>&1 || true
  try_install || {
    echo "[loadtest-setup] apt-get install of ${missing[*]} failed; last lines of its output:" >&2
    tail -n 20 "$log" >&2
    exit 1
  }
fi
for tool in "${missing[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "[loadtest-setup] the packages are installed but $tool is not on PATH (nor in /usr/sbin)" >&2; exit 1; }
done
echo "[loadtest-setup] installed ${missing[*]}" >&2
