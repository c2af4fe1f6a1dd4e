#!/usr/bin/env bash
# The seed pipeline (orders joined with the customers table, PLATINUM only, mapped) into a
# JSON-lines file, on the real Kafka fixture, beside the raw read rate of the same binary
# (`sample -f raw`) in the same run: both pinned to one core (the pipeline then runs on one
# thread), and both on every core of the machine (large batches on two threads). Workload: 1M orders of about 400 bytes
# (bench/gen_orders.py, shared with bench/sample) and 100k customers, a fifth PLATINUM.
# Also measures the table's memory: the bytes the table allocated (stats "table_memory") for
# the customers, against the raw bytes of their values; and, for context, the peak RSS of the
# pipeline over the customers table and no orders minus the same over an empty table.
# Usage: bench/pipeline/run.sh [ORDERS] [CUSTOMERS] [RUNS]   (MESHCTL, CPU=core to pin to)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-1000000}"
C="${2:-100000}"
RUNS="${3:-3}"
CPU="${CPU:-1}"
MESHCTL="${MESHCTL:-$REPO/build/release/meshctl}"
[ -x "$MESHCTL" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }
command -v kcat >/dev/null || { echo "kcat is needed to load the topics (apt-get install kcat)" >&2; exit 2; }

ADDR="$("$REPO/tests/fixtures/kafka" up --name bench)"
ORDERS="bench-orders-$N"
CUSTOMERS="bench-customers-$C"
EMPTY_CUSTOMERS="bench-customers-empty"
EMPTY_ORDERS="bench-orders-empty"
state="${MESHCTL_FIXTURE_STATE:-/tmp/meshctl-fixtures}/kafka-bench"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
export MESHCTL_CONFIG="$data/none.yaml" NO_COLOR=1
topic() {
  "$REPO/tests/fixtures/kafka" --name bench tool kafka-topics --bootstrap-server "$ADDR" --create --if-not-exists \
    --topic "$1" --partitions 3 --replication-factor 1 >/dev/null
}

if [ ! -f "$state/$ORDERS.produced" ]; then
  echo "producing $N orders to $ORDERS ..." >&2
  topic "$ORDERS"
  python3 "$REPO/bench/gen_orders.py" "$N" > "$data/orders.jsonl"
  kcat -b "$ADDR" -P -t "$ORDERS" -X linger.ms=50 -X batch.num.messages=10000 -l "$data/orders.jsonl"
  touch "$state/$ORDERS.produced"
fi
if [ ! -f "$state/$CUSTOMERS.produced" ]; then
  echo "producing $C customers to $CUSTOMERS ..." >&2
  topic "$CUSTOMERS"
  # gen_orders.py draws customer ids c-000001 .. c-100000.
  python3 - "$C" > "$data/customers.tsv" <<'PY'
import random, sys
rng = random.Random(3)
tiers = ["BRONZE", "SILVER", "GOLD", "PLATINUM", "SILVER"]
for i in range(1, int(sys.argv[1]) + 1):
    cid = f"c-{i:06d}"
    print(f'{cid}\t{{"id":"{cid}","name":"Customer {i}","tier":"{rng.choice(tiers)}","country":"DE","since":"2019-0{1 + i % 9}-01"}}')
PY
  kcat -b "$ADDR" -P -t "$CUSTOMERS" -K $'\t' -X linger.ms=50 -l "$data/customers.tsv"
  cut -f2 "$data/customers.tsv" | awk '{ n += length($0) } END { print n }' > "$state/$CUSTOMERS.value-bytes"
  touch "$state/$CUSTOMERS.produced"
fi
topic "$EMPTY_CUSTOMERS"
topic "$EMPTY_ORDERS"
value_bytes="$(cat "$state/$CUSTOMERS.value-bytes")"

pipeline() {  # pipeline ORDERS_TOPIC CUSTOMERS_TOPIC OUT: writes the seed pipeline's YAML
  cat <<YAML
name: bench-platinum
sources:
  orders: {topic: $1, as: stream, from: beginning}
  customers: {topic: $2, as: table, key: key}
steps:
  - join: {table: customers, on: value.customer_id, type: inner, as: customer}
  - filter: customer.tier == "PLATINUM"
  - map: {order_id: value.order_id, amount: value.amount, currency: value.currency, customer: customer.name, tier: customer.tier}
sinks:
  - {type: file, path: $3}
YAML
}
pipeline "$ORDERS" "$CUSTOMERS" "$data/out.jsonl" > "$data/seed.yaml"
pipeline "$EMPTY_ORDERS" "$CUSTOMERS" "$data/none.jsonl" > "$data/table-only.yaml"
pipeline "$EMPTY_ORDERS" "$EMPTY_CUSTOMERS" "$data/none.jsonl" > "$data/nothing.yaml"
# The seed's steps read two fields of a customer, and the table keeps only those; a step
# that uses the row whole (here `customer != null`) makes it keep whole rows.
pipeline "$EMPTY_ORDERS" "$CUSTOMERS" "$data/none.jsonl" | sed 's/^  - filter: .*/  - filter: customer != null/' > "$data/table-whole.yaml"

# one CMD...: wall s, user s, sys s and peak RSS KiB of one run, pinned to core $CPU
# unless PIN=all.
PIN=one
one() {
  local out="$data/time.txt" start end pin=(taskset -c "$CPU")
  [ "$PIN" = one ] || pin=()
  start=$(date +%s.%N)
  /usr/bin/time -o "$out" -f '%U %S %M' "${pin[@]}" "$@" > "$data/stdout.txt"
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc -l) $(cat "$out")"
}
source "$REPO/bench/lib.sh"  # median

# measure: RUNS alternating raw reads and pipeline runs; sets raw_s, seed_s, cpu_s (medians).
written=""
measure() {
  local raw=() seed=() cpu=() r wall user sys rss read_orders
  for r in $(seq "$RUNS"); do
    read -r wall _ _ _ < <(one "$MESHCTL" sample "$ORDERS" -b "$ADDR" -n "$N" --from beginning -f raw -q)
    raw+=("$wall")
    # Dropped before the next run, so that writing its pages back does not slow that run.
    rm -f "$data/out.jsonl" "$data/stdout.txt"
    read -r wall user sys rss < <(one "$MESHCTL" pipeline run "$data/seed.yaml" -b "$ADDR" --group "bench-$$-$PIN-$r" \
        --until caught-up -o json -q)
    seed+=("$wall")
    cpu+=("$(echo "$user + $sys" | bc -l)")
    written="$(wc -l < "$data/out.jsonl")"
    read_orders="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["read"]["orders"])' "$data/stdout.txt")"
    [ "$read_orders" = "$N" ] || { echo "the pipeline read $read_orders orders, expected $N" >&2; exit 1; }
  done
  raw_s="$(printf '%s\n' "${raw[@]}" | median)"
  seed_s="$(printf '%s\n' "${seed[@]}" | median)"
  cpu_s="$(printf '%s\n' "${cpu[@]}" | median)"
}
PIN=all measure
all_raw_s=$raw_s all_seed_s=$seed_s all_cpu_s=$cpu_s
PIN=one measure

read -r _ _ _ table_rss < <(one "$MESHCTL" pipeline run "$data/table-only.yaml" -b "$ADDR" --group "bench-t-$$" --until caught-up -o json -q)
table_memory="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["table_memory"])' "$data/stdout.txt")"
one "$MESHCTL" pipeline run "$data/table-whole.yaml" -b "$ADDR" --group "bench-w-$$" --until caught-up -o json -q > /dev/null
whole_memory="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["table_memory"])' "$data/stdout.txt")"
read -r _ _ _ base_rss < <(one "$MESHCTL" pipeline run "$data/nothing.yaml" -b "$ADDR" --group "bench-n-$$" --until caught-up -q)
table_kib=$((table_rss - base_rss))

echo "pinned to core $CPU:"
printf '  raw read (sample -f raw)   %8.3f s  %10.0f ev/s\n' "$raw_s" "$(echo "$N / $raw_s" | bc -l)"
printf '  seed pipeline (file sink)  %8.3f s  %10.0f ev/s  (%s records written, table load included)\n' \
  "$seed_s" "$(echo "$N / $seed_s" | bc -l)" "$written"
printf '  pipeline / raw rate        %8.2f      (target >= 0.6)\n' "$(echo "$raw_s / $seed_s" | bc -l)"
printf '  events/s on one core       %10.0f    (target >= 500000)\n' "$(echo "$N / $seed_s" | bc -l)"
printf '  CPU per event              %8.2f us  (user + sys over %d orders and %d customers)\n' \
  "$(echo "$cpu_s * 1000000 / $N" | bc -l)" "$N" "$C"
echo "on all $(nproc) cores:"
printf '  raw read (sample -f raw)   %8.3f s  %10.0f ev/s\n' "$all_raw_s" "$(echo "$N / $all_raw_s" | bc -l)"
printf '  seed pipeline (file sink)  %8.3f s  %10.0f ev/s\n' "$all_seed_s" "$(echo "$N / $all_seed_s" | bc -l)"
printf '  pipeline / raw rate        %8.2f      (target >= 0.6)\n' "$(echo "$all_raw_s / $all_seed_s" | bc -l)"
printf '  CPU per event              %8.2f us\n' "$(echo "$all_cpu_s * 1000000 / $N" | bc -l)"
printf 'table memory               %8d KiB allocated for %d rows; raw value bytes %d KiB; ratio %.2f (target <= 2)\n' \
  "$((table_memory / 1024))" "$C" "$((value_bytes / 1024))" "$(echo "$table_memory / $value_bytes" | bc -l)"
printf '  rows kept whole            %8d KiB; ratio %.2f (a step uses the row whole: no projection)\n' \
  "$((whole_memory / 1024))" "$(echo "$whole_memory / $value_bytes" | bc -l)"
printf 'peak RSS over an empty table %6d KiB more (everything the process allocates while it reads the table)\n' "$table_kib"
