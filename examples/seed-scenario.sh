#!/usr/bin/env bash
# The seed scenario on the embedded broker: discover the demo data products, look at the
# customers' schema, sample orders, run the platinum-orders pipeline (orders joined with
# the customers table, PLATINUM only) into a SQLite view, and look results up by key.
# Set ES_URL (e.g. http://127.0.0.1:9200) to also index the results in Elasticsearch.
# Uses its own config, state and output folders. MESHCTL may name the binary.
set -euo pipefail

MESHCTL="${MESHCTL:-meshctl}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
export MESHCTL_CONFIG="$work/config.yaml" MESHCTL_STATE_DIR="$work/state"
cleanup() { "$MESHCTL" dev down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"

step() { printf '\n\033[1m== %s\033[0m\n$ meshctl %s\n' "$1" "${*:2}"; "$MESHCTL" "${@:2}"; }

step "Start the embedded broker with the demo data products" dev up --detach
step "Discover the mesh" discover
step "What is in customers, and its schema" describe customers
step "Sample three orders" sample orders -n 3
step "Orders over 250 EUR, as JSON lines" sample orders -n 2 --where 'value.amount > 250.0 && value.currency == "EUR"' -o jsonl
cp "$REPO/examples/pipelines/platinum-orders.yaml" .
if [ -n "${ES_URL:-}" ]; then
  printf '  - {type: elasticsearch, addresses: ["%s"], index: platinum-orders, id: value.order_id}\n' "$ES_URL" >> platinum-orders.yaml
fi
step "Check the pipeline" pipeline validate platinum-orders.yaml
step "Its plan" pipeline explain platinum-orders.yaml
step "Run it until it has caught up" pipeline run platinum-orders.yaml --until caught-up
printf '\n\033[1m== Look results up by key in the SQLite view\033[0m\n'
sqlite3 -header -column platinum.db \
  "SELECT id AS order_id, json_extract(value, '$.customer') AS customer, json_extract(value, '$.amount') AS amount,
          json_extract(value, '$.currency') AS currency
   FROM platinum_orders WHERE id IN (SELECT id FROM platinum_orders ORDER BY id LIMIT 3)"
