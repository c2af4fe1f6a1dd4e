#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what is missing, builds with warnings
# as errors, and runs three stages:
#   1. the suites named by MESHCTL_ASAN_LABELS (default 'unit|cli|integration') again under
#      ASan + UBSan + LeakSanitizer (the `asan` preset); any sanitizer report fails the stage,
#      also one from a meshctl process whose exit code a test expected to be non-zero;
#   2. every libFuzzer target for MESHCTL_FUZZ_SECONDS (default 60) via scripts/fuzz.sh;
#   3. every test (unit, cli, and integration against real Kafka and OpenSearch, which
#      ctest starts and stops through tests/fixtures/), whose ctest summary closes the output.
# Stages 1 and 2 add about 35 minutes on a 2-core machine. For a quicker run of stage 3 only:
#   MESHCTL_ASAN_LABELS= MESHCTL_FUZZ_SECONDS=0 scripts/test.sh
# Every stage runs even when an earlier one failed; the script exits non-zero if any did.
#
# Usage: scripts/test.sh [extra ctest arguments for stage 3, e.g. -L unit]
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"

scripts/install-deps.sh --with-fixtures

jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds="${MESHCTL_FUZZ_SECONDS-60}"
asan_labels="${MESHCTL_ASAN_LABELS-unit|cli|integration}"
failed=()
timings=()

# Runs "$@" as stage $name, recording its time and whether it failed, without stopping.
stage() {
  local name="$1"; shift
  local start=$SECONDS rc=0
  echo "== $name"
  "$@" || rc=$?
  timings+=("$(printf '%-22s %5ss  %s' "$name" "$((SECONDS - start))" "$([ "$rc" -eq 0 ] && echo ok || echo "FAILED ($rc)")")")
  [ "$rc" -eq 0 ] || failed+=("$name")
}

build_ci() { cmake --preset ci >/dev/null && cmake --build --preset ci -j "$jobs"; }
# Only what the asan stage runs: the binary and the test executables of its labels.
build_asan() {
  cmake --preset asan >/dev/null || return
  local targets
  targets=$(ninja -C build/asan -t targets all |
    sed -n "s/^\(\(${asan_labels//|/\\|}\)_[a-z0-9_]*_test\): .*/\1/p" | sort -u)
  cmake --build --preset asan -j "$jobs" --target meshctl $targets
}
test_asan() {
  local logs="$REPO_DIR/build/asan/sanitizer-reports" rc=0
  rm -rf "$logs" && mkdir -p "$logs"
  ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan" \
  LSAN_OPTIONS="suppressions=$REPO_DIR/tests/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan" \
    ctest --preset asan -j "$jobs" -L "$asan_labels" || rc=$?
  # Reports go to files, so that none is lost in the output a passing test swallows.
  if compgen -G "$logs/*" >/dev/null; then
    echo "asan: sanitizer reports (in $logs):" >&2
    head -n 60 "$logs"/* >&2
    rc=1
  fi
  return "$rc"
}

# Stop fixtures a previous interrupted run may have left behind.
for f in kafka opensearch registry; do
  [ -x "tests/fixtures/$f" ] && "tests/fixtures/$f" down >/dev/null 2>&1 || true
done

stage "build (ci)" build_ci
if [ -n "$asan_labels" ]; then
  stage "build (asan)" build_asan
  if [[ ! " ${failed[*]} " == *" build (asan) "* ]]; then
    stage "tests (asan)" test_asan
  fi
fi
if [ "${fuzz_seconds:-0}" -gt 0 ]; then
  stage "fuzz (${fuzz_seconds}s/target)" scripts/fuzz.sh "$fuzz_seconds"
fi

echo "== stages so far"
printf '%s\n' "${timings[@]}"
if [[ " ${failed[*]} " == *" build (ci) "* ]]; then
  echo "test: the ci build failed; not running the main suite" >&2
  exit 1
fi

# The main suite last, so that its summary is the closing output.
rc=0
ctest --preset ci -j "$jobs" "$@" || rc=$?
if [ "${#failed[@]}" -gt 0 ]; then
  echo "test: failed stages: ${failed[*]}" >&2
  exit 1
fi
exit "$rc"
