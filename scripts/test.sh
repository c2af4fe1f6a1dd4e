#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what is missing, builds with warnings
# as errors, and runs every test (unit, cli, and integration against real Kafka and
# OpenSearch, which ctest starts and stops through tests/fixtures/). Prints ctest's summary.
#
# Usage: scripts/test.sh [extra ctest arguments, e.g. -L unit]
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"

scripts/install-deps.sh --with-fixtures

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"

# Stop fixtures a previous interrupted run may have left behind.
for f in kafka opensearch registry; do
  [ -x "tests/fixtures/$f" ] && "tests/fixtures/$f" down >/dev/null 2>&1 || true
done

ctest --preset ci -j "$jobs" "$@"
