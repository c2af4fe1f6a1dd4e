#!/usr/bin/env bash
# The seed scenario on the embedded broker: start the playground, look at the demo
# streams, sample orders, and stop. Uses its own config and state folders so it never
# touches yours. MESHCTL may name the binary (default: meshctl on PATH).
set -euo pipefail

MESHCTL="${MESHCTL:-meshctl}"
work="$(mktemp -d)"
export MESHCTL_CONFIG="$work/config.yaml" MESHCTL_STATE_DIR="$work/state"
cleanup() { "$MESHCTL" dev down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n$ meshctl %s\n' "$1" "${*:2}"; "$MESHCTL" "${@:2}"; }

step "Start the embedded broker with the demo data products" dev up --detach
step "Which streams are there?" dev status
step "Sample three orders" sample orders -n 3
step "Orders over 250 EUR, as JSON lines" sample orders -n 2 --where 'value.amount > 250.0 && value.currency == "EUR"' -o jsonl
step "A spread of orders over partitions and time" sample orders --strategy uniform -n 6 -f '%p %o %k %T'
step "The latest customer records" sample customers --strategy tail -n 3
