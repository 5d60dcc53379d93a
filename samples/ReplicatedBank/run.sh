#!/usr/bin/env bash
# Three members of the replicated bank on loopback, each with its own data and Raft log
# directories under a fresh temp directory: builds once, starts them, waits for a leader, opens
# accounts, sends transfers to every member (followers take them too), prints each member's total,
# and stops them: on exit, on an error, and on Ctrl+C.
#   samples/ReplicatedBank/run.sh [transfers per member, default 20]   (from any folder)
# Ports: HTTP 5101-5103 and Raft 7101-7103 unless HTTP_BASE / RAFT_BASE say otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for tool in dotnet curl jq; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool on the PATH." >&2; exit 1; }
done
transfers="${1:-20}"
http_base="${HTTP_BASE:-5100}"
raft_base="${RAFT_BASE:-7100}"
work="$(mktemp -d -t replicated-bank.XXXXXX)"
pids=()

# Members are stopped (SIGTERM: a graceful shutdown) and their directory removed however the script ends.
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "Building into $work/bin ..."
dotnet build "$here/ReplicatedBank.csproj" -c Release -o "$work/bin" -v quiet -nologo >/dev/null

members=()
for i in 1 2 3; do
  members+=("--FluxMap:Replication:Members:$((i - 1))=127.0.0.1:$((raft_base + i))")
done

for i in 1 2 3; do
  mkdir -p "$work/m$i"
  dotnet "$work/bin/ReplicatedBank.dll" \
    --contentRoot "$work/bin" \
    --urls "http://127.0.0.1:$((http_base + i))" \
    --FluxMap:DataDirectory="$work/m$i/data" \
    --FluxMap:Replication:LogDirectory="$work/m$i/raft" \
    --FluxMap:Replication:LocalEndPoint="127.0.0.1:$((raft_base + i))" \
    "${members[@]}" >"$work/m$i/out.log" 2>&1 &
  pids+=("$!")
  echo "member $i: http://127.0.0.1:$((http_base + i)), Raft 127.0.0.1:$((raft_base + i)), log $work/m$i/out.log"
done

url() { echo "http://127.0.0.1:$((http_base + $1))"; }

echo "Waiting for a leader ..."
leader=""
for _ in $(seq 1 120); do
  for i in 1 2 3; do
    if [ "$(curl -sf "$(url "$i")/status" | jq -r .role 2>/dev/null)" = "Leader" ]; then
      leader="$i"
    fi
  done
  [ -n "$leader" ] && break
  sleep 0.5
done
if [ -z "$leader" ]; then
  echo "No leader after 60 s; the members' output:" >&2
  tail -n 20 "$work"/m*/out.log >&2
  exit 1
fi
for i in 1 2 3; do
  echo "member $i: $(curl -sf "$(url "$i")/status")"
done

accounts=(alice bob carol)
echo "Opening accounts alice, bob and carol with 1000 each, one on each member ..."
for i in 1 2 3; do
  name="${accounts[$((i - 1))]}"
  # A new leader takes commits a moment after it is elected: until then a member may answer 503 (nothing
  # was opened: send it again) or, having lost the leader's answer, 504 (the next attempt's 409 says it was).
  for attempt in $(seq 1 50); do
    code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$(url "$i")/accounts" \
      -H 'Content-Type: application/json' -d "{\"id\":\"$name\",\"balance\":1000}")"
    case "$code" in 201 | 409) break ;; esac
    [ "$attempt" = 50 ] && { echo "Member $i did not open '$name' (last answer $code)." >&2; exit 1; }
    sleep 0.2
  done
done

for i in 1 2 3; do
  ok=0 refused=0 reason=""
  for n in $(seq 1 "$transfers"); do
    from="${accounts[$((n % 3))]}" to="${accounts[$(((n + i) % 3))]}"
    [ "$from" = "$to" ] && to="${accounts[$(((n + 1) % 3))]}"
    body="$(curl -s -o "$work/answer.json" -w '%{http_code}' -X POST "$(url "$i")/transfers" \
      -H 'Content-Type: application/json' -d "{\"from\":\"$from\",\"to\":\"$to\",\"amount\":$((n % 7 + 1))}")"
    if [ "$body" = "200" ]; then
      ok=$((ok + 1))
    else
      refused=$((refused + 1))
      reason="$body $(jq -r '.title + ": " + (.detail // "")' "$work/answer.json" 2>/dev/null)"
    fi
  done
  echo "member $i: $ok transfers acknowledged, $refused refused${reason:+ (last: $reason)}"
done

echo "Totals (each read after a read barrier, so every acknowledged transfer is in it):"
for i in 1 2 3; do
  echo "member $i: $(curl -sf "$(url "$i")/total?fresh=true")"
done
echo "Stopping the members ..."
