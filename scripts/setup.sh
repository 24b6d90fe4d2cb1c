#!/usr/bin/env bash
# Installs what kmip2pkcs11 needs on a Debian machine and builds it. Idempotent: a second run
# only does what is missing. System packages need root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v make >/dev/null 2>&1 || need+=(make)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v g++ >/dev/null 2>&1 || need+=(g++)
/usr/bin/python3 -c 'import kmip' >/dev/null 2>&1 || need+=(python3-pykmip)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi

echo "setup: build" >&2
npm run --silent build >&2
