#!/usr/bin/env bash
# The main job on a fresh Debian 12 clone: installs what is missing, builds meshctl, and
# runs the seed scenario on the embedded broker (no cluster needed). See examples/seed-scenario.sh.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc 2>/dev/null || echo 2)"

MESHCTL="$REPO_DIR/build/release/meshctl" exec examples/seed-scenario.sh
