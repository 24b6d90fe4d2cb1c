#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing, then `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
