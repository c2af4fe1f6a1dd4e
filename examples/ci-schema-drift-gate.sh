#!/bin/sh
# CI gate: fail the job when the events of a stream drift from its declared schema (the
# schema registry subject, else the data product's inline schema in the catalog).
#
#   # .github/workflows/...:  run: examples/ci-schema-drift-gate.sh orders payments
#
# Usage: ci-schema-drift-gate.sh STREAM...
# Environment: MESHCTL (binary, default meshctl), SAMPLES (events per stream, default 2000),
#   MAX_VIOLATIONS (examples per finding, default 5), REPORT_DIR (also keep a JSON report per
#   stream there, for CI artifacts), and the usual MESHCTL_CONTEXT / MESHCTL_BOOTSTRAP /
#   MESHCTL_REGISTRY.
# Exit: 0 no drift anywhere; 4 drift in at least one stream; otherwise the first other exit
#   code of meshctl (1 broker or registry, 2 usage, 3 stream or declared schema not found), as
#   a gate that could not look must not pass.
set -u

[ $# -gt 0 ] || { echo "usage: ci-schema-drift-gate.sh STREAM..." >&2; exit 2; }
meshctl="${MESHCTL:-meshctl}"
samples="${SAMPLES:-2000}"
max="${MAX_VIOLATIONS:-5}"
drift=0
failed=0

for stream in "$@"; do
  # The text report goes to the job log; with REPORT_DIR the JSON form is kept as well.
  if [ -n "${REPORT_DIR:-}" ]; then
    mkdir -p "$REPORT_DIR" || exit 1
    "$meshctl" schema diff "$stream" --samples "$samples" --max-violations "$max" -o json >"$REPORT_DIR/$stream.drift.json"
    rc=$?
  else
    "$meshctl" schema diff "$stream" --samples "$samples" --max-violations "$max"
    rc=$?
  fi
  case $rc in
    0) echo "schema-gate: $stream: no drift" ;;
    4) echo "schema-gate: $stream: DRIFT" >&2; drift=1 ;;
    *) echo "schema-gate: $stream: could not check (meshctl exit $rc)" >&2; [ "$failed" -ne 0 ] || failed=$rc ;;
  esac
done

[ "$failed" -eq 0 ] || exit "$failed"
[ "$drift" -eq 0 ] || exit 4
exit 0
