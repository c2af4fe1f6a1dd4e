#!/usr/bin/env bash
# backfill reset over 1,000 partitions on the real Kafka fixture, beside Kafka's own
# kafka-consumer-groups --reset-offsets (same jars as the broker) in the same run.
# Prints medians (seconds) and ratios. Usage: bench/backfill/run.sh [PARTITIONS] [RUNS]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
P="${1:-1000}"
RUNS="${2:-3}"
MESHCTL="${MESHCTL:-$REPO/build/release/meshctl}"
[ -x "$MESHCTL" ] || { echo "build first: cmake --preset release && cmake --build --preset release" >&2; exit 2; }

ADDR="$("$REPO/tests/fixtures/kafka" up --name bench)"
TOPIC="bench-backfill-$P"
GROUP="bench-backfill-group-$P"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
export MESHCTL_CONFIG="$data/none.yaml"
marker="${MESHCTL_FIXTURE_STATE:-/tmp/meshctl-fixtures}/kafka-bench/$TOPIC.produced"
if [ ! -f "$marker" ]; then
  echo "creating $TOPIC with $P partitions, 20 records each, and group $GROUP at the end ..." >&2
  "$REPO/tests/fixtures/kafka" tool kafka-topics --bootstrap-server "$ADDR" --create --if-not-exists --topic "$TOPIC" \
      --partitions "$P" --replication-factor 1 >/dev/null
  for p in $(seq 0 $((P - 1))); do for i in $(seq 20); do echo "{\"p\":$p,\"i\":$i}"; done; done > "$data/rows.jsonl"
  # Round-robin over partitions: kcat's default partitioner with no key spreads them.
  kcat -b "$ADDR" -P -t "$TOPIC" -X linger.ms=50 -l "$data/rows.jsonl"
  "$MESHCTL" -b "$ADDR" backfill reset "$GROUP" --topic "$TOPIC" --to latest --execute --allow-new-group -q \
      --export "$data/first.csv" >/dev/null
  mkdir -p "$(dirname "$marker")" && touch "$marker"
fi

source "$REPO/bench/lib.sh"
declare -A med

KCG=("$REPO/tests/fixtures/kafka" tool kafka-consumer-groups --bootstrap-server "$ADDR" --group "$GROUP" --topic "$TOPIC")
run_case meshctl_plan_36h "$MESHCTL" -b "$ADDR" backfill reset "$GROUP" --topic "$TOPIC" --to 36h -q
run_case kafka_cg_plan_36h "${KCG[@]}" --reset-offsets --by-duration PT36H --dry-run
# Execute alternates between two targets so every run commits a real change.
run_case meshctl_execute "$MESHCTL" -b "$ADDR" backfill reset "$GROUP" --topic "$TOPIC" --to shift:-1 --execute -q \
    --export "$data/rollback.csv"
run_case kafka_cg_execute "${KCG[@]}" --reset-offsets --shift-by -1 --execute
run_case meshctl_status "$MESHCTL" -b "$ADDR" backfill status "$GROUP"
run_case kafka_cg_describe "$REPO/tests/fixtures/kafka" tool kafka-consumer-groups --bootstrap-server "$ADDR" --describe --group "$GROUP"
# Back to the end for the next run.
"$MESHCTL" -b "$ADDR" backfill reset "$GROUP" --topic "$TOPIC" --to latest --execute -q --export "$data/reset.csv" >/dev/null

echo
printf 'plan:    meshctl %.2f s (target < 2 s), %.1fx faster than kafka-consumer-groups\n' "${med[meshctl_plan_36h]}" \
    "$(echo "${med[kafka_cg_plan_36h]} / ${med[meshctl_plan_36h]}" | bc -l)"
printf 'execute: meshctl %.2f s (target < 2 s), %.1fx faster than kafka-consumer-groups\n' "${med[meshctl_execute]}" \
    "$(echo "${med[kafka_cg_execute]} / ${med[meshctl_execute]}" | bc -l)"
printf 'status:  meshctl %.2f s, %.1fx faster than kafka-consumer-groups --describe\n' "${med[meshctl_status]}" \
    "$(echo "${med[kafka_cg_describe]} / ${med[meshctl_status]}" | bc -l)"
