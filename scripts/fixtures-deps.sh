#!/usr/bin/env bash
# Installs what the real-server test fixtures (tests/fixtures/kafka, tests/fixtures/opensearch,
# tests/fixtures/registry) need on a fresh Debian 12 machine, and pre-resolves their Maven
# artifacts into ~/.m2 so that the first `up` does not download. Idempotent: installs only what
# is missing; safe to re-run.
#
# Usage: scripts/fixtures-deps.sh [--no-maven]
#   --no-maven   only the apt packages, skip resolving the jars
#
# apt packages:
#   openjdk-17-jdk-headless  java for the servers, javac for the OpenSearch launcher, keytool for
#                            the secure Kafka instance's truststore
#   maven                    resolves Kafka/OpenSearch jars from Maven Central and builds the
#                            schema registry (Apicurio) with Quarkus's Maven plugin
#   openssl                  test CA and broker certificate of `tests/fixtures/kafka up --secure`
#   kcat                     Kafka readiness probe and test client (binary `kcat`; Debian's
#                            `kafkacat` package is only a transitional package without a binary)
#   curl                     OpenSearch/registry readiness probe and test client
#   python3                  free-port lookup (the fixtures fall back to bash without it)
#   util-linux               flock, setsid
#   ca-certificates          HTTPS to Maven Central
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"

with_maven=1
for arg in "$@"; do
  case "$arg" in
    --no-maven) with_maven=0 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "fixtures-deps: unknown argument $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'fixtures-deps: %s\n' "$*" >&2; }

PACKAGES=(openjdk-17-jdk-headless maven kcat curl openssl python3 util-linux ca-certificates)

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
  log "apt packages present: ${PACKAGES[*]}"
fi

# The JDK's java/javac must be reachable; Debian's alternatives put them in /usr/bin.
command -v java >/dev/null 2>&1 || { log "java not on PATH after install"; exit 1; }
command -v javac >/dev/null 2>&1 || { log "javac not on PATH after install"; exit 1; }
command -v keytool >/dev/null 2>&1 || { log "keytool not on PATH after install"; exit 1; }
command -v openssl >/dev/null 2>&1 || { log "openssl not on PATH after install"; exit 1; }
command -v kcat >/dev/null 2>&1 || command -v kafkacat >/dev/null 2>&1 || { log "kcat not on PATH after install"; exit 1; }

if [ "$with_maven" -eq 1 ]; then
  # Each fixture's `prepare` resolves its pom into ~/.m2 and caches the classpath
  # (OpenSearch also compiles its launcher; the registry is built into a Quarkus fast-jar,
  # about a minute the first time). Nothing is started.
  t0="$(date +%s)"
  "$REPO_DIR/tests/fixtures/kafka" prepare </dev/null
  "$REPO_DIR/tests/fixtures/opensearch" prepare </dev/null
  "$REPO_DIR/tests/fixtures/registry" prepare </dev/null
  log "Maven artifacts ready in $(( $(date +%s) - t0 ))s"
fi
