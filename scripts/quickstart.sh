#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs the relay in the foreground on an
# embedded SoftHSM2 token that it creates under ./.kmip2pkcs11 (kept across runs).
# Extra arguments go to the relay, e.g. --port 0.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node dist/src/cli/main.js --embedded .kmip2pkcs11 "$@"
