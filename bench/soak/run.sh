#!/usr/bin/env bash
# Soak: the seed pipeline (examples/pipelines/platinum-orders.yaml: orders joined with the
# customers table, PLATINUM only, into SQLite and a JSON-lines file) on a real Kafka broker while
# a producer writes orders at a steady RATE per second for DURATION seconds. Every INTERVAL
# seconds it samples meshctl's resident memory (/proc/PID/status VmRSS) and the group's lag on
# the orders topic. At the end it waits for the lag to reach 0, stops the pipeline with SIGTERM
# and checks that the SQLite view holds exactly the expected rows (orders of PLATINUM customers,
# computed by the producer). Exit 1 when a record is missing.
#
# Usage: bench/soak/run.sh            (DURATION=600 RATE=20000 by default)
#        DURATION=60 RATE=5000 bench/soak/run.sh
# Environment: DURATION (s), RATE (orders/s), INTERVAL (s, default 10), CUSTOMERS (default 20000),
#   MESHCTL (binary; default build/release/meshctl), DRAIN_TIMEOUT (s to wait for lag 0, default 600),
#   KEEP=1 keeps the work folder (pipeline, outputs, logs).
# Uses its own broker instance (tests/fixtures/kafka --name soak), left running for reruns.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${DURATION:-600}"
RATE="${RATE:-20000}"
INTERVAL="${INTERVAL:-10}"
CUSTOMERS="${CUSTOMERS:-20000}"
DRAIN_TIMEOUT="${DRAIN_TIMEOUT:-600}"
MESHCTL="${MESHCTL:-$REPO/build/release/meshctl}"
[ -x "$MESHCTL" ] || { echo "build first: cmake --preset release && cmake --build --preset release (or set MESHCTL)" >&2; exit 2; }
command -v kcat >/dev/null || { echo "kcat is needed for the producer (apt-get install kcat)" >&2; exit 2; }

ADDR="$("$REPO/tests/fixtures/kafka" up --name soak)"
work="$(mktemp -d)"
pipeline_pid=""
producer_pid=""
cleanup() {
  [ -n "$producer_pid" ] && kill "$producer_pid" 2>/dev/null || true
  [ -n "$pipeline_pid" ] && kill "$pipeline_pid" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "work files kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
export MESHCTL_CONFIG="$work/none.yaml" NO_COLOR=1

run_id="$(date +%s)"
ORDERS="soak-orders-$run_id"
CUSTOMERS_TOPIC="soak-customers-$run_id"
GROUP="soak-$run_id"
for t in "$ORDERS" "$CUSTOMERS_TOPIC"; do
  "$REPO/tests/fixtures/kafka" --name soak tool kafka-topics --bootstrap-server "$ADDR" --create --topic "$t" \
    --partitions 3 --replication-factor 1 >/dev/null
done

# Customers (a fifth PLATINUM) first, keyed by id; the producer below knows the tiers.
python3 - "$CUSTOMERS" "$work/platinum.txt" >"$work/customers.tsv" <<'EOF'
import random, sys
n, platinum_file = int(sys.argv[1]), sys.argv[2]
rng = random.Random(11)
tiers = ["BRONZE", "SILVER", "GOLD", "PLATINUM", "SILVER"]
with open(platinum_file, "w") as p:
    for i in range(n):
        cid = f"c-{i:06d}"
        tier = rng.choice(tiers)
        if tier == "PLATINUM":
            p.write(cid + "\n")
        print(f'{cid}\t{{"id":"{cid}","name":"Customer {i}","tier":"{tier}","country":"DE"}}')
EOF
kcat -b "$ADDR" -P -t "$CUSTOMERS_TOPIC" -K $'\t' -X partitioner=murmur2_random -l "$work/customers.tsv"

# The seed pipeline, pointed at this run's topics and files.
sed -e "s/topic: orders,/topic: $ORDERS,/" -e "s/topic: customers,/topic: $CUSTOMERS_TOPIC,/" \
    -e "s|path: platinum.db|path: $work/platinum.db|" -e "s|path: platinum.jsonl|path: $work/platinum.jsonl|" \
    "$REPO/examples/pipelines/platinum-orders.yaml" >"$work/soak.yaml"
"$MESHCTL" pipeline validate "$work/soak.yaml" >/dev/null

"$MESHCTL" pipeline run "$work/soak.yaml" -b "$ADDR" --group "$GROUP" >"$work/pipeline.out" 2>"$work/pipeline.err" &
pipeline_pid=$!

# The producer: RATE orders a second in 10 ticks, keyed by customer; it writes how many it
# produced and how many belong to PLATINUM customers when it ends.
python3 - "$RATE" "$DURATION" "$CUSTOMERS" "$work/platinum.txt" "$work/produced.txt" <<'EOF' |
import random, sys, time
rate, duration, customers = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
platinum = set(open(sys.argv[4]).read().split())
rng = random.Random(5)
out = sys.stdout
per_tick, tick = rate / 10.0, 0.1
sent = expected = 0
start = time.monotonic()
owed = 0.0
while True:
    now = time.monotonic() - start
    if now >= duration:
        break
    owed = per_tick * (int(now / tick) + 1) - sent
    lines = []
    for _ in range(int(owed)):
        cid = f"c-{rng.randrange(customers):06d}"
        if cid in platinum:
            expected += 1
        lines.append(f'{cid}\t{{"order_id":"o-{sent:09d}","customer_id":"{cid}","amount":{rng.randint(1, 90000) / 100},'
                     f'"currency":"EUR","status":"PLACED","created_at":"2026-11-01T00:00:00.000Z"}}\n')
        sent += 1
    out.write("".join(lines))
    out.flush()
    time.sleep(max(0.0, tick * (int(now / tick) + 1) - (time.monotonic() - start)))
elapsed = time.monotonic() - start
with open(sys.argv[5], "w") as f:
    f.write(f"{sent} {expected} {elapsed:.1f}\n")
EOF
kcat -b "$ADDR" -P -t "$ORDERS" -K $'\t' -X partitioner=murmur2_random -X linger.ms=20 -X queue.buffering.max.messages=1000000 &
producer_pid=$!

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$pipeline_pid/status" 2>/dev/null || echo 0; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$pipeline_pid/status" 2>/dev/null || echo 0; }
# Lag on the orders topic: log end minus committed (log start when nothing is committed yet).
lag() {
  "$MESHCTL" backfill status "$GROUP" -b "$ADDR" --interval 0 -o json 2>/dev/null | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    print(-1); sys.exit()
print(sum(p["log_end_offset"] - (p["committed_offset"] if p["committed_offset"] is not None else p["log_start_offset"])
          for p in d["partitions"] if p["topic"] == sys.argv[1]))' "$ORDERS"
}
end_offsets() {
  kcat -b "$ADDR" -Q -t "$ORDERS:0:-1" -t "$ORDERS:1:-1" -t "$ORDERS:2:-1" 2>/dev/null | awk '{ s += $NF } END { print s + 0 }'
}

printf '%8s %10s %10s %12s %10s\n' "t(s)" "rss(KiB)" "lag" "produced" "rate/s"
t0=$(date +%s)
lag_max=0
rss_first="" rss_max=0
prev_end=0 prev_t=$t0
samples="$work/samples.txt"
sample() {
  local now rss l end r
  now=$(date +%s)
  rss=$(rss_kib)
  l=$(lag)
  end=$(end_offsets)
  r=$(( (end - prev_end) / ( now - prev_t > 0 ? now - prev_t : 1 ) ))
  prev_end=$end prev_t=$now
  [ -z "$rss_first" ] && rss_first=$rss
  [ "$rss" -gt "$rss_max" ] && rss_max=$rss
  [ "$l" -gt "$lag_max" ] && lag_max=$l
  printf '%8d %10d %10d %12d %10d\n' $(( now - t0 )) "$rss" "$l" "$end" "$r" | tee -a "$samples"
}
while kill -0 "$producer_pid" 2>/dev/null; do
  sleep "$INTERVAL"
  kill -0 "$pipeline_pid" 2>/dev/null || { echo "the pipeline exited early:" >&2; cat "$work/pipeline.err" >&2; exit 1; }
  sample
done
wait "$producer_pid" || true
producer_pid=""
read -r produced expected produce_seconds <"$work/produced.txt"

# Drain: wait for the group to catch up with everything produced.
drain_start=$(date +%s)
while :; do
  l=$(lag)
  [ "$l" = 0 ] && break
  if [ $(( $(date +%s) - drain_start )) -ge "$DRAIN_TIMEOUT" ]; then
    echo "lag still $l after ${DRAIN_TIMEOUT}s of draining" >&2
    break
  fi
  sleep 2
done
drain_seconds=$(( $(date +%s) - drain_start ))
sample
hwm=$(hwm_kib)
kill -TERM "$pipeline_pid"
rc=0
wait "$pipeline_pid" || rc=$?
pipeline_pid=""

rows=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM platinum_orders").fetchone()[0])' "$work/platinum.db")
lines=$(wc -l <"$work/platinum.jsonl")
distinct=$(python3 -c '
import json, sys
print(len({json.loads(l)["value"]["order_id"] for l in open(sys.argv[1]) if l.strip()}))' "$work/platinum.jsonl")
echo
echo "duration ${produce_seconds}s, target rate ${RATE}/s, achieved $(( produced * 10 / ${produce_seconds%.*} / 10 ))/s (producer)"
echo "orders produced:            $produced"
echo "expected (PLATINUM orders): $expected"
echo "sqlite rows:                $rows"
echo "file lines / distinct ids:  $lines / $distinct"
echo "lost:                       $(( expected - rows ))"
echo "lag max:                    $lag_max records (drained to 0 in ${drain_seconds}s after the producer stopped)"
echo "RSS first/max sample:       $rss_first / $rss_max KiB; peak (VmHWM) $hwm KiB"
echo "pipeline exit on SIGTERM:   $rc (143 expected)"
echo "pipeline summary:           $(tail -n 1 "$work/pipeline.out" 2>/dev/null)"
[ "$rows" -eq "$expected" ] && [ "$distinct" -eq "$expected" ] || exit 1
