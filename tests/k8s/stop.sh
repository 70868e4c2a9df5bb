#!/usr/bin/env bash
# Stops what tests/k8s/start.sh DIR started (pids in DIR/pids), newest first: SIGTERM, then SIGKILL after 10 s.
# Only kills a pid whose executable name still matches the recorded name (pids can be reused).
# Leaves DIR (logs, PKI, etcd data) in place; remove it yourself if you like.
set -euo pipefail

DIR="${1:?usage: stop.sh DIR}"
PIDS_FILE="$DIR/pids"
[[ -f "$PIDS_FILE" ]] || { echo "[k8s-stop] no $PIDS_FILE; nothing to stop"; exit 0; }

mapfile -t LINES < <(tac "$PIDS_FILE")
alive() { # alive NAME PID
  [[ -r "/proc/$2/comm" ]] || return 1
  # comm is truncated to 15 chars ("kube-controller").
  [[ "${1:0:15}" == "$(cat "/proc/$2/comm" 2>/dev/null)" ]] || return 1
  # A zombie (exited, not yet reaped) counts as gone.
  [[ "$(awk '{print $3}' "/proc/$2/stat" 2>/dev/null)" != Z ]]
}

for line in "${LINES[@]}"; do
  read -r name pid <<<"$line"
  [[ -n "${pid:-}" ]] || continue
  if alive "$name" "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$name" "$pid" || break; sleep 0.1; done
    if alive "$name" "$pid"; then
      echo "[k8s-stop] $name ($pid) ignored SIGTERM; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "[k8s-stop] stopped $name ($pid)"
  else
    echo "[k8s-stop] $name ($pid) not running"
  fi
done
: >"$PIDS_FILE"
