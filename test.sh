#!/usr/bin/env bash
# Runs every test of the solution, then prints the totals alone on the last line:
#   N passed, N failed, N skipped
# Exits non-zero when anything failed or nothing ran. CI (.ci/run) calls exactly this.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET 10 SDK is required (dotnet not found on PATH)." >&2
  exit 2
fi

# The Kubernetes tests run against a real kube-apiserver, etcd and kube-controller-manager. The first run on
# a machine builds them from Debian's sources (about seven minutes on 2 cores) and caches them; later runs
# take well under a second here.
if ! tests/k8s/setup.sh; then
  echo "test.sh: tests/k8s/setup.sh failed; the Kubernetes tests need its binaries (see its output above)." >&2
  exit 2
fi

# The capture tests apply real iptables rules inside network namespaces: iptables and iproute2 from Debian.
if ! tests/netns/setup.sh; then
  echo "test.sh: tests/netns/setup.sh failed; the traffic-capture tests need iptables and iproute2." >&2
  exit 2
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

dotnet test --solution Lattice.Mesh.sln --no-progress 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The platform's closing summary: "total: N", "failed: N", "succeeded: N", "skipped: N".
count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }
passed=$(count succeeded)
failed=$(count failed)
skipped=$(count skipped)

# A smoke test counted as one test: its title, then the command; a failure is reported with the title.
smoke() {
  local title="$1"; shift
  echo
  echo "${title}:"
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "test.sh: failed: ${title} (see above)." >&2
    failed=$((failed + 1))
  fi
}

# The load test in its quick mode: every path (direct, the sidecar pair, denied, rate-limited, retried, stalled, the
# gateway, nginx) set up by the tool and driven briefly under both models, with no timing assertions: it fails only
# when a path does not answer as it should.
smoke "Load test, quick mode (smoke run, no timing assertions)" \
  dotnet run --project loadtests -- --quick --out artifacts/loadtest/quick

# The same paths through the Native AOT lattice-proxy, which the images ship (README: Install in a cluster) and the
# memory figures are measured on: proxy/publish-aot.sh publishes it (failing on any trim or AOT warning, as warnings
# are errors; it installs clang and zlib1g-dev from Debian when missing), then the quick load test runs the proxy
# paths through it. It catches code that works under the JIT and not compiled ahead of time (reflection,
# unreferenced types), which no other test runs.
aot_smoke() {
  local aot="artifacts/lattice-proxy-aot"
  proxy/publish-aot.sh "$aot" \
    && LATTICE_PROXY="$aot/lattice-proxy" dotnet run --project loadtests -- --quick --paths sidecars,denied,rate-limited,retry,stall,gateway --out artifacts/loadtest/quick-aot
}
smoke "Native AOT lattice-proxy: publish, then the quick load test's proxy paths through it (smoke run)" aot_smoke

echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if (( status != 0 || failed > 0 || passed == 0 )); then
  exit 1
fi
