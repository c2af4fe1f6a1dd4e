#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan) and runs each one for
# SECONDS over a temporary copy of its checked-in corpus (fuzz/corpus/<target>/), so nothing
# is written into the work tree. Prints the executions run per target; exits non-zero on any
# crash, sanitizer report, leak or timeout, leaving the input under $FUZZ_OUT/<target>/.
# A crash found becomes a regression: fix it, then copy the input to fuzz/regressions/<target>/.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s, every target)
# Environment: FUZZ_OUT=DIR keeps the run's corpora, logs and crash inputs there;
# FUZZ_NO_BUILD=1 runs the fuzzers already built in build/fuzz.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"

seconds="${1:-60}"
[ $# -gt 0 ] && shift
case "$seconds" in
  ''|*[!0-9]*) echo "fuzz: SECONDS must be a number, got '$seconds'" >&2; exit 2 ;;
esac

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j 2
fi

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for d in fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi

out="${FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/meshctl-fuzz.XXXXXX")}"
mkdir -p "$out"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$REPO_DIR/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

failed=()
printf '%-16s %12s %10s %s\n' target executions exec/s result
for t in "${targets[@]}"; do
  bin="build/fuzz/fuzz/${t}_fuzzer"
  [ -x "$bin" ] || { echo "fuzz: no fuzzer for target '$t' ($bin)" >&2; exit 2; }
  work="$out/$t"
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "fuzz/corpus/$t/." "$work/corpus/"
  rc=0
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $rc; log $work/log; input in $work/artifacts/)"
    failed+=("$t")
  fi
  printf '%-16s %12s %10s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$result"
  if [ "$rc" -ne 0 ]; then
    # The sanitizer's report, for the CI log.
    grep -E -A25 '^==[0-9]+==|runtime error|deadly signal|uncaught exception|fuzz invariant' "$work/log" | head -60 >&2 || true
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
