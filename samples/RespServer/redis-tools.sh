#!/usr/bin/env bash
# Checks the RespServer sample with the real Redis command-line tools, which the test suite does
# not need (it drives StackExchange.Redis and a raw socket): round trips through redis-cli as a
# user types them, a 1,000-command `redis-cli --pipe`, and a short pipelined redis-benchmark run
# that must report no error. Needs Debian's redis-tools (`apt-get install redis-tools`).
# Usage: samples/RespServer/redis-tools.sh   (env: RESP_PORT=6397)
set -euo pipefail
cd "$(dirname "$0")/../.."

port="${RESP_PORT:-6397}"
for tool in redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: install Debian's redis-tools (apt-get install redis-tools)" >&2; exit 1; }
done

dotnet build samples/RespServer -c Release -nologo -v quiet >/dev/null
dotnet samples/RespServer/bin/Release/net10.0/RespServer.dll --port "$port" >/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null; wait' EXIT
for _ in $(seq 100); do
  redis-cli -p "$port" PING >/dev/null 2>&1 && break
  sleep 0.1
done

failures=0
check() { # description expected actual
  if [ "$3" == "$2" ]; then
    echo "ok    $1"
  else
    echo "FAIL  $1: expected '$2', got '$3'"
    failures=$((failures + 1))
  fi
}
cli() { # expected command...
  local expected="$1"
  shift
  check "redis-cli $*" "$expected" "$(redis-cli -p "$port" "$@")"
}

# --pipe: one stream of 1,000 SETs in the protocol's own framing.
pipe=$(for i in $(seq 0 999); do
  key="key:$i" value="value $i"
  printf '*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n' "${#key}" "$key" "${#value}" "$value"
done | redis-cli -p "$port" --pipe)
check "redis-cli --pipe, 1000 SETs" "errors: 0, replies: 1000" "$(grep -o 'errors: [0-9]*, replies: [0-9]*' <<<"$pipe")"
cli 1000 DBSIZE
cli "value 999" GET key:999

cli OK SET greeting "hello world"
cli "hello world" GET greeting
cli "" GET missing
cli 1 INCR visits
cli 12 INCRBY visits 11
cli OK SET name abc
cli "ERR value is not an integer or out of range" INCR name
cli OK MSET a 1 b 2 c 3
cli $'1\n\n3' MGET a missing c
cli 2 DEL a b missing
cli 1 EXISTS a b c
cli 1 EXPIRE c 100
cli 1 PERSIST c
cli -1 TTL c
cli -2 TTL missing
cli OK MSET user:1 x user:2 x user:3 x order:1 x
cli $'user:2\nuser:1\nuser:2' SCAN 0 MATCH 'user:*' COUNT 2
cli $'0\nuser:3' SCAN user:2 MATCH 'user:*' COUNT 2

# redis-benchmark asks COMMAND and CONFIG at start, then pipelines 16 requests per client.
report=$(redis-benchmark -p "$port" -t set,get,incr -P 16 -n 20000 -q 2>&1 | tr '\r' '\n')
check "redis-benchmark reports no error" "" "$(grep -E 'ERR|WARN' <<<"$report" || true)"
for test in SET GET INCR; do
  check "redis-benchmark $test" "1" "$(grep -cE "^$test: [0-9.]+ requests per second" <<<"$report" || true)"
done

echo "redis-tools checks: $failures failed"
[ "$failures" -eq 0 ]
