#!/usr/bin/env bash
# sample vs kcat on the real Kafka fixture, in one run: 1M events of about 400 bytes.
# Prints a table of medians (events/s) and ratios. Usage: bench/sample/run.sh [EVENTS] [RUNS]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-1000000}"
RUNS="${2:-3}"
MESHCTL="${MESHCTL:-$REPO/build/release/meshctl}"
[ -x "$MESHCTL" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }

ADDR="$("$REPO/tests/fixtures/kafka" up --name bench)"
TOPIC="bench-orders-$N"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
marker="${MESHCTL_FIXTURE_STATE:-/tmp/meshctl-fixtures}/kafka-bench/$TOPIC.produced"
if [ ! -f "$marker" ]; then
  echo "producing $N events to $TOPIC ..." >&2
  "$REPO/tests/fixtures/kafka" tool kafka-topics --bootstrap-server "$ADDR" --create --if-not-exists --topic "$TOPIC" \
      --partitions 3 --replication-factor 1 >/dev/null
  python3 "$REPO/bench/gen_orders.py" "$N" > "$data/orders.jsonl"
  kcat -b "$ADDR" -P -t "$TOPIC" -X linger.ms=50 -X batch.num.messages=10000 -l "$data/orders.jsonl"
  touch "$marker"
fi
export MESHCTL_CONFIG="$data/none.yaml"

# time_cmd NAME CMD...: wall seconds of one run, output discarded.
time_cmd() {
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -A med
run_case() {
  local name="$1"; shift
  local times=()
  for _ in $(seq "$RUNS"); do times+=("$(time_cmd "$@")"); done
  med[$name]=$(printf '%s\n' "${times[@]}" | median)
  printf '%-22s %8.3f s  %12.0f ev/s\n' "$name" "${med[$name]}" "$(echo "$N / ${med[$name]}" | bc -l)"
}

run_case kcat_raw kcat -b "$ADDR" -C -t "$TOPIC" -e -o beginning -q -f '%s\n'
run_case meshctl_raw "$MESHCTL" sample "$TOPIC" -b "$ADDR" -n "$N" --from beginning -f raw -q
run_case meshctl_where "$MESHCTL" sample "$TOPIC" -b "$ADDR" -n 0 --from beginning -f raw -q \
    --where 'value.amount > 250.0 && value.currency == "EUR"'
run_case kcat_J kcat -b "$ADDR" -C -t "$TOPIC" -e -o beginning -q -J
run_case meshctl_jsonl "$MESHCTL" sample "$TOPIC" -b "$ADDR" -n "$N" --from beginning -o jsonl -q

echo
printf 'raw ratio (kcat time / meshctl time):      %.2f  (target >= 1.0)\n' "$(echo "${med[kcat_raw]} / ${med[meshctl_raw]}" | bc -l)"
printf 'where ratio (raw time / where time):       %.2f  (target >= 0.8)\n' "$(echo "${med[meshctl_raw]} / ${med[meshctl_where]}" | bc -l)"
printf 'jsonl ratio (kcat -J time / meshctl time): %.2f  (target >= 2.0)\n' "$(echo "${med[kcat_J]} / ${med[meshctl_jsonl]}" | bc -l)"
/usr/bin/time -f 'meshctl max RSS: %M KiB' "$MESHCTL" sample "$TOPIC" -b "$ADDR" -n "$N" --from beginning -f raw -q > /dev/null
