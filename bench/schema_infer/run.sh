#!/usr/bin/env bash
# schema infer / schema diff throughput on ~400-byte order events held in memory (fetching
# excluded): the work per event is decoding, one simdjson On-Demand pass and the statistics
# (infer) or the declared-schema check (diff). Goal: infer >= 500,000 events/s.
#
# Usage: bench/schema_infer/run.sh [BUILD_DIR] [EVENTS] [PASSES]
#   BUILD_DIR default build/bench (configured Release here); EVENTS default 200000 distinct
#   events from bench/gen_orders.py, each fed PASSES times (default 5).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build/bench}"
EVENTS="${2:-200000}"
PASSES="${3:-5}"
WORK="$(mktemp -d /tmp/meshctl-schema-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMESHCTL_BUILD_TESTS=OFF -DMESHCTL_MAN=OFF >/dev/null
fi
ninja -C "$BUILD" -j2 meshctl_core >/dev/null
# The driver is built here, against the same core library meshctl links (no CMake target:
# it is a measuring tool, not part of the product).
c++ -O2 -std=c++20 -I"$ROOT" "$ROOT/bench/schema_infer/driver.cpp" "$BUILD/libmeshctl_core.a" \
  $(pkg-config --libs rdkafka yaml-cpp libcurl re2 sqlite3 avro-c) -lsimdjson -lpthread -o "$WORK/driver"

python3 "$ROOT/bench/gen_orders.py" "$EVENTS" > "$WORK/orders.jsonl"
# The declared schema of the demo orders product, as JSON Schema.
python3 - "$ROOT/examples/products/orders.yaml" > "$WORK/orders.schema.json" <<'PY'
import json, sys
try:
    import yaml
except ImportError:
    print(json.dumps({"type": "object"})); sys.exit(0)
print(json.dumps(yaml.safe_load(open(sys.argv[1]))["schema"]["inline"]))
PY
"$WORK/driver" "$WORK/orders.jsonl" "$PASSES" "$WORK/orders.schema.json"
