#!/usr/bin/env bash
# discover and describe on a cluster of 2,000 topics with 500 catalog entries (real Kafka
# fixture), beside `kcat -L` (full cluster metadata) in the same run, as ratios.
# Usage: bench/discover/run.sh [TOPICS] [PRODUCTS] [RUNS]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
T="${1:-2000}"
P="${2:-500}"
RUNS="${3:-5}"
MESHCTL="${MESHCTL:-$REPO/build/release/meshctl}"
[ -x "$MESHCTL" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }

ADDR="$("$REPO/tests/fixtures/kafka" up --name bench)"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
cat > "$data/config.yaml" <<YAML
current-context: bench
contexts:
  bench:
    bootstrap: $ADDR
    catalog-topic: _meshctl.catalog.bench
YAML
export MESHCTL_CONFIG="$data/config.yaml"
marker="${MESHCTL_FIXTURE_STATE:-/tmp/meshctl-fixtures}/kafka-bench/discover-$T-$P.done"
if [ ! -f "$marker" ]; then
  echo "creating $T topics and publishing $P data products ..." >&2
  c++ -O2 -std=c++20 "$REPO/bench/discover/make_topics.cpp" $(pkg-config --cflags --libs rdkafka) -o "$data/make_topics"
  "$data/make_topics" "$ADDR" bench-mesh- "$T" 3
  # One record per topic for the first 50, so describe has timestamps to read.
  echo '{"id":1}' > "$data/one.jsonl"
  for i in $(seq 0 49); do kcat -b "$ADDR" -P -t "bench-mesh-$i" -l "$data/one.jsonl"; done
  mkdir -p "$data/products"
  for i in $(seq 0 $((P - 1))); do
    cat > "$data/products/p$i.yaml" <<YAML
name: product-$i
domain: domain-$((i % 12))
owner:
  team: team-$((i % 40))
  contact: team-$((i % 40))@example.com
description: Bench data product number $i, with a few words to search in.
topic: bench-mesh-$i
key: id
kind: events
schema:
  inline:
    type: object
    properties:
      id: {type: integer}
      customer_id: {type: string}
      field_$i: {type: string}
tags: [bench, tag-$((i % 25))]
history: full
YAML
  done
  "$MESHCTL" product publish "$data"/products/*.yaml -q >/dev/null
  mkdir -p "$(dirname "$marker")" && touch "$marker"
fi

source "$REPO/bench/lib.sh"
declare -A med

run_case kcat_L kcat -b "$ADDR" -L
run_case meshctl_discover_all "$MESHCTL" discover -o json
run_case meshctl_discover_term "$MESHCTL" discover product-42
run_case meshctl_discover_field "$MESHCTL" discover --field customer_id -o json
run_case meshctl_describe "$MESHCTL" describe product-7
run_case meshctl_describe_topic "$MESHCTL" describe bench-mesh-1999

echo
for c in meshctl_discover_all meshctl_discover_term meshctl_discover_field; do
  printf '%-24s %.3f s (target < 1 s), %.2fx the time of kcat -L\n' "$c" "${med[$c]}" "$(echo "${med[$c]} / ${med[kcat_L]}" | bc -l)"
done
for c in meshctl_describe meshctl_describe_topic; do
  printf '%-24s %.3f s (target < 0.3 s), %.2fx the time of kcat -L\n' "$c" "${med[$c]}" "$(echo "${med[$c]} / ${med[kcat_L]}" | bc -l)"
done
