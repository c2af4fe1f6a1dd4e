#!/usr/bin/env bash
# Installs everything a fresh Debian 12 machine lacks to build meshctl and, with
# --with-fixtures, to run its integration tests (Java, Maven jars for Kafka and OpenSearch).
# Idempotent: installs only what is missing.
#
# Usage: scripts/install-deps.sh [--with-fixtures]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

with_fixtures=0
for arg in "$@"; do
  case "$arg" in
    --with-fixtures) with_fixtures=1 ;;
    -h|--help) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps: unknown argument $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'install-deps: %s\n' "$*" >&2; }

# Build and runtime libraries, all from Debian 12 (clang and its compiler-rt, which holds
# libFuzzer, for scripts/fuzz.sh).
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  librdkafka-dev libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libcurl4-openssl-dev
  doctest-dev libsimdjson-dev libre2-dev libsqlite3-dev libavro-dev
  kcat scdoc groff-base bc time sqlite3
  clang libclang-rt-14-dev
)

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "not root and no sudo: install ${missing[*]} by hand"; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq </dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
else
  log "build packages present"
fi

if [ "$with_fixtures" -eq 1 ]; then
  "$SCRIPT_DIR/fixtures-deps.sh"
fi
