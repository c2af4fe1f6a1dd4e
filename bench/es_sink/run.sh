#!/usr/bin/env bash
# Elasticsearch sink benchmark: meshctl's sink vs `curl` posting the same NDJSON bodies.
#
# Both sides index the same DOCS documents of ~400 bytes into a fresh index on a dedicated
# OpenSearch fixture node (loopback only), with the same batch size and the same number of
# requests in flight. Prints one line per side and the ratio meshctl/curl (goal: >= 0.9),
# plus meshctl's CPU time per document.
#
# Usage: bench/es_sink/run.sh [BUILD_DIR]    (default build/bench, configured Release here)
# Environment: DOCS (default 1000000), BATCH (2000), INFLIGHT (2), KEEP_NODE=1 keeps the node,
#              PHASE_TIMEOUT seconds per phase (default 900).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build/bench}"
DOCS="${DOCS:-1000000}"; BATCH="${BATCH:-2000}"; INFLIGHT="${INFLIGHT:-2}"
PHASE_TIMEOUT="${PHASE_TIMEOUT:-900}"
WORK="$(mktemp -d /tmp/meshctl-es-bench.XXXXXX)"
trap 'rm -rf "$WORK"; [ "${KEEP_NODE:-0}" = 1 ] || "$ROOT/tests/fixtures/opensearch" --name bench down >/dev/null 2>&1 || true' EXIT

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMESHCTL_BUILD_TESTS=OFF >/dev/null
fi
ninja -C "$BUILD" -j2 meshctl_core >/dev/null
# The driver is built here, against the same core library meshctl links (no CMake target:
# it is a measuring tool, not part of the product).
c++ -O2 -std=c++20 -I"$ROOT" "$ROOT/bench/es_sink/driver.cpp" "$BUILD/libmeshctl_core.a" \
  $(pkg-config --libs rdkafka yaml-cpp libcurl re2 sqlite3 avro-c) -lsimdjson -lpthread -o "$WORK/driver"

ES="$(MESHCTL_OPENSEARCH_HEAP_OPTS="${MESHCTL_OPENSEARCH_HEAP_OPTS:--Xms1g -Xmx1g}" "$ROOT/tests/fixtures/opensearch" --name bench up)"
case "$ES" in http://127.0.0.1:*) ;; *) echo "not a loopback node: $ES" >&2; exit 1 ;; esac

echo "generating $DOCS documents and the reference bodies ($BATCH per request)..." >&2
python3 - "$DOCS" "$BATCH" "$WORK" <<'PY'
import json, os, sys
n, batch, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(f"{work}/bodies")
regions = ["eu-west", "us-east", "ap-south"]
with open(f"{work}/docs.jsonl", "w") as docs:
    body = None
    for i in range(n):
        d = json.dumps({"order_id": f"o-{i:09d}", "customer_id": f"c-{i % 50000:06d}", "region": regions[i % 3],
                        "amount": round(i * 0.37 % 1000, 2), "currency": "EUR", "status": "paid",
                        "ts": f"2024-06-01T12:{i // 60 % 60:02d}:{i % 60:02d}Z",
                        "items": [{"sku": f"sku-{i % 997}", "qty": i % 5 + 1, "price": 9.99}],
                        "note": "x" * 195}, separators=(",", ":"))
        docs.write(d + "\n")
        if i % batch == 0:
            if body: body.close()
            body = open(f"{work}/bodies/{i // batch:06d}.ndjson", "w")
        # The same action line the sink writes (index, then id = topic-partition-offset).
        body.write('{"index":{"_index":"INDEX","_id":"bench-0-%d"}}\n%s\n' % (i, d))
    body.close()
PY
echo "average document size: $(( $(stat -c %s "$WORK/docs.jsonl") / DOCS - 1 )) bytes" >&2

fresh_index() {
  curl -fsS -o /dev/null -XDELETE "$ES/$1" 2>/dev/null || true
  curl -fsS -o /dev/null -XPUT "$ES/$1" -H 'Content-Type: application/json' \
    -d '{"settings":{"number_of_shards":1,"number_of_replicas":0,"refresh_interval":"30s"}}'
}
count() { curl -fsS -XPOST "$ES/$1/_refresh" -o /dev/null; curl -fsS "$ES/$1/_count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'; }

# Warm-up (JIT, index creation paths): the first tenth of the bodies, into a throw-away index,
# so that neither side is measured against a cold JVM.
fresh_index warm
for f in $(ls "$WORK"/bodies/*.ndjson | head -n $(( (DOCS / BATCH + 9) / 10 ))); do
  sed 's/"_index":"INDEX"/"_index":"warm"/' "$f" | curl -fsS -o /dev/null -XPOST "$ES/_bulk" -H 'Content-Type: application/x-ndjson' --data-binary @-
done
curl -fsS -o /dev/null -XDELETE "$ES/warm"

# Reference: curl, one process per body, INFLIGHT at once (the bodies name index "ref").
fresh_index ref
sed -i 's/"_index":"INDEX"/"_index":"ref"/' "$WORK"/bodies/*.ndjson
t0=$(date +%s.%N)
ls "$WORK"/bodies/*.ndjson | timeout "$PHASE_TIMEOUT" xargs -P "$INFLIGHT" -I{} \
  curl -fsS -o /dev/null -XPOST "$ES/_bulk" -H 'Content-Type: application/x-ndjson' --data-binary @{}
t1=$(date +%s.%N)
ref_rate=$(python3 -c "print(round($DOCS / ($t1 - $t0)))")
ref_count=$(count ref)
echo "curl:    $DOCS docs in $(python3 -c "print(round($t1 - $t0, 1))")s = $ref_rate docs/s (count $ref_count)"
curl -fsS -o /dev/null -XDELETE "$ES/ref"

fresh_index meshctl
out=$(timeout "$PHASE_TIMEOUT" "$WORK/driver" "$WORK/docs.jsonl" "$ES" meshctl "$BATCH" "$INFLIGHT")
ms_count=$(count meshctl)
python3 - "$out" "$ref_rate" "$ms_count" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); ref = float(sys.argv[2])
print(f"meshctl: {r['docs']} docs in {r['wall_s']:.1f}s = {r['docs_per_s']:.0f} docs/s (count {sys.argv[3]}), "
      f"CPU {r['cpu_s']:.2f}s = {r['cpu_us_per_doc']:.2f} us/doc")
print(f"ratio meshctl/curl: {r['docs_per_s'] / ref:.2f} (goal >= 0.9)")
PY
curl -fsS -o /dev/null -XDELETE "$ES/meshctl"
