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

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

dotnet test --solution Lattice.Mesh.sln --no-progress 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The platform's closing summary: "total: N", "failed: N", "succeeded: N", "skipped: N".
count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }
passed=$(count succeeded)
failed=$(count failed)
skipped=$(count skipped)

echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if (( status != 0 || failed > 0 || passed == 0 )); then
  exit 1
fi
