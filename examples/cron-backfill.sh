#!/bin/sh
# Nightly bounded replay of yesterday's events into a JSON-lines file, safe to re-run:
# the checkpoint makes a second run after a failure or a kill resume where the first stopped,
# and the exit code tells cron what happened.
#
#   15 2 * * *  /usr/local/share/meshctl/examples/cron-backfill.sh orders /var/lib/backfill
#
# Usage: cron-backfill.sh STREAM OUTDIR [DAY]   (DAY = YYYY-MM-DD, default yesterday, UTC)
# Environment: MESHCTL (binary, default meshctl), and the usual MESHCTL_CONTEXT / MESHCTL_BOOTSTRAP.
set -u

stream="${1:?usage: cron-backfill.sh STREAM OUTDIR [DAY]}"
outdir="${2:?usage: cron-backfill.sh STREAM OUTDIR [DAY]}"
day="${3:-$(date -u -d yesterday +%Y-%m-%d)}"
next="$(date -u -d "$day + 1 day" +%Y-%m-%d)" || { echo "cron-backfill: bad day '$day'" >&2; exit 2; }
meshctl="${MESHCTL:-meshctl}"

mkdir -p "$outdir" || exit 1
out="$outdir/$stream-$day.jsonl"
checkpoint="$outdir/$stream-$day.checkpoint.json"
summary="$outdir/$stream-$day.summary.json"

# -o json puts the machine-readable summary on stdout (the records go to the file).
"$meshctl" backfill replay "$stream" --into "file:$out" --from "${day}T00:00:00Z" --until "${next}T00:00:00Z" \
  --checkpoint "$checkpoint" -o json >"$summary"
rc=$?
case $rc in
  0)       echo "cron-backfill: $stream $day done: $(cat "$summary")" ;;
  130|143) echo "cron-backfill: $stream $day interrupted; the next run resumes from $checkpoint" >&2 ;;
  2|3)     echo "cron-backfill: $stream $day: bad arguments or unknown stream (exit $rc)" >&2 ;;
  *)       echo "cron-backfill: $stream $day failed (exit $rc); the next run resumes from $checkpoint" >&2 ;;
esac
exit $rc
