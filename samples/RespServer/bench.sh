#!/usr/bin/env bash
# The RespServer sample (Release, InMemory) against a real redis-server in the same run:
# `redis-benchmark -t <test> -P 16 -n $REQUESTS -q` on each, test by test, after one warm-up pass
# of the same size (the .NET server's JIT needs a few seconds of load to reach its final code).
# Prints requests per second, the ratio to redis-server, and each server's CPU time per request
# (user + system, from /proc), which a shared machine disturbs far less than throughput.
# Usage: samples/RespServer/bench.sh   (env: REQUESTS=200000 REDIS_PORT=6399 RESP_PORT=6398)
set -euo pipefail
cd "$(dirname "$0")/../.."

requests="${REQUESTS:-200000}"
redis_port="${REDIS_PORT:-6399}"
resp_port="${RESP_PORT:-6398}"

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools; } >/dev/null
fi

dotnet build samples/RespServer -c Release -nologo -v quiet >/dev/null

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
redis_pid=$!
dotnet samples/RespServer/bin/Release/net10.0/RespServer.dll --port "$resp_port" >/dev/null &
resp_pid=$!
trap 'kill "$redis_pid" "$resp_pid" 2>/dev/null; wait' EXIT

wait_for() {
  for _ in $(seq 100); do
    redis-cli -p "$1" PING >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "nothing answers on port $1" >&2
  exit 1
}

# Prints "requests-per-second cpu-microseconds-per-request" for one test against one server.
measure() { # port pid test
  local before after rps
  before=$(awk '{ print $14 + $15 }' "/proc/$2/stat")
  rps=$(redis-benchmark -p "$1" -t "$3" -P 16 -n "$requests" -q | tr '\r' '\n' \
    | sed -nE 's/^[A-Z]+: ([0-9.]+) requests per second.*/\1/p')
  after=$(awk '{ print $14 + $15 }' "/proc/$2/stat")
  awk -v rps="$rps" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN { printf "%.0f %.2f\n", rps, ticks / hz * 1e6 / n }'
}

wait_for "$redis_port"
wait_for "$resp_port"
for test in set get incr; do
  measure "$redis_port" "$redis_pid" "$test" >/dev/null
  measure "$resp_port" "$resp_pid" "$test" >/dev/null
done

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg); $(redis-server --version | cut -d' ' -f1-3); .NET $(dotnet --version)"
echo "redis-benchmark: 50 clients, pipeline 16, $requests requests per test, 3-byte values; RespServer InMemory (byte[] keys and values); redis-server --save '' --appendonly no"
printf '%-5s %13s %13s %6s %18s %18s\n' test redis-server RespServer ratio "redis CPU/request" "RespServer CPU/req"
for test in set get incr; do
  read -r redis_rps redis_cpu < <(measure "$redis_port" "$redis_pid" "$test")
  read -r resp_rps resp_cpu < <(measure "$resp_port" "$resp_pid" "$test")
  awk -v t="${test^^}" -v a="$redis_rps" -v b="$resp_rps" -v ca="$redis_cpu" -v cb="$resp_cpu" \
    'BEGIN { printf "%-5s %13.0f %13.0f %5.0f%% %15.2f us %15.2f us\n", t, a, b, 100 * b / a, ca, cb }'
done
