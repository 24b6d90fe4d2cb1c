#!/usr/bin/env bash
# Smoke test of the quick start with a real third-party KMIP client (CI runs it after `npm test`):
#   1. starts `node dist/src/cli/main.js --embedded <tmpdir> --port 0` in the background,
#   2. waits (bounded) until it logs `listening` and has printed its connection details,
#   3. runs a short PyKMIP 0.10 session with the printed address, certificate, Username and
#      PIN file: Discover Versions, Query, Create Key Pair RSA-2048, Get, Activate, Modify
#      Attribute, Sign (verified in Python against the key Get returned), Revoke, Destroy,
#   4. with a second PyKMIP session connected and idle, stops the relay with SIGTERM and checks
#      that it exits 0 (closing that session), and that the PIN appears nowhere in its output.
# Exits non-zero with a message saying which step failed. Every wait has a time limit.
# Needs: a built dist/ (npm run build), softhsm2, python3-pykmip (/usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."

START_TIMEOUT_S=${START_TIMEOUT_S:-30}
SESSION_TIMEOUT_S=${SESSION_TIMEOUT_S:-60}
STOP_TIMEOUT_S=${STOP_TIMEOUT_S:-15}
KMIP_VERSION=${KMIP_VERSION:-1.4}
PYTHON=/usr/bin/python3 # the interpreter Debian's python3-pykmip is installed for

work=$(mktemp -d "${TMPDIR:-/tmp}/smoke-pykmip.XXXXXX")
relay_pid=""
hold_pid=""

cleanup() {
  for pid in "$relay_pid" "$hold_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "smoke-pykmip: FAIL: $*" >&2
  for f in stdout stderr driver.out driver.err hold.out hold.err; do
    if [[ -s "$work/$f" ]]; then
      echo "--- $f (last 20 lines)" >&2
      tail -n 20 "$work/$f" >&2
    fi
  done
  exit 1
}

step() { echo "smoke-pykmip: $*"; }

[[ -f dist/src/cli/main.js ]] || fail "dist/src/cli/main.js is missing: build first (npm run build)"
[[ -x "$PYTHON" ]] || fail "$PYTHON not found"
"$PYTHON" -c "import kmip" 2>/dev/null || fail "PyKMIP is not importable by $PYTHON: apt-get install python3-pykmip"

# 1. Start the quick-start relay.
node dist/src/cli/main.js --embedded "$work/embedded" --port 0 >"$work/stdout" 2>"$work/stderr" &
relay_pid=$!
step "relay started (pid $relay_pid), waiting up to ${START_TIMEOUT_S}s for it to listen"

# 2. Wait until it listens and has printed where.
deadline=$((SECONDS + START_TIMEOUT_S))
until grep -q 'listening' "$work/stderr" && grep -q 'KMIP Password:' "$work/stdout"; do
  kill -0 "$relay_pid" 2>/dev/null || fail "the relay exited before listening"
  ((SECONDS < deadline)) || fail "the relay did not listen within ${START_TIMEOUT_S}s"
  sleep 0.2
done

field() { # the value after "<label>:" on the relay's stdout
  sed -n "s/^ *$1: *//p" "$work/stdout" | head -n 1
}
address=$(field 'KMIP server' | awk '{print $1}')
host=${address%:*}
port=${address##*:}
cert=$(field 'TLS certificate')
username=$(field 'KMIP Username' | awk '{print $1}')
pin_file=$(field 'KMIP Password' | sed -n 's/.* in //p')
[[ "$port" =~ ^[0-9]+$ && -n "$host" ]] || fail "no address in the relay's output (got '$address')"
[[ -f "$cert" ]] || fail "no certificate file in the relay's output (got '$cert')"
[[ -n "$username" ]] || fail "no KMIP Username in the relay's output"
[[ -f "$pin_file" ]] || fail "no PIN file in the relay's output (got '$pin_file')"
step "listening on $host:$port as Username '$username'"

# 3. One PyKMIP session. The PIN goes from its file to PyKMIP without touching argv or env.
instruction=$(
  cat <<EOF
{"host": "$host", "port": $port, "ca": "$cert", "username": "$username",
 "passwordFile": "$pin_file", "version": "$KMIP_VERSION", "scenarios": ["info", "keys"],
 "verify": true,
 "keys": [{"label": "smoke-rsa2048", "algorithm": "RSA", "length": 2048, "getFormats": [],
           "signs": [{"id": "pkcs1-sha256", "params": {"cryptographic_algorithm": "RSA",
                      "padding_method": "PKCS1v15", "hashing_algorithm": "SHA_256"}}]}]}
EOF
)
step "PyKMIP session over KMIP $KMIP_VERSION (limit ${SESSION_TIMEOUT_S}s)"
driver_status=0
timeout --kill-after=5 "$SESSION_TIMEOUT_S" env PYTHONDONTWRITEBYTECODE=1 \
  "$PYTHON" test/interop/pykmip_driver.py <<<"$instruction" >"$work/driver.out" 2>"$work/driver.err" ||
  driver_status=$?
((driver_status != 124 && driver_status != 137)) || fail "the PyKMIP session timed out"

"$PYTHON" - "$work/driver.out" "$KMIP_VERSION" <<'EOF' || fail "the PyKMIP session did not do what it should (exit status $driver_status)"
import json, sys
path, version = sys.argv[1], sys.argv[2]
lines = open(path).read().strip().splitlines()
if not lines:
    sys.exit("no result from the driver")
result = json.loads(lines[-1])
problems = []
def need(ok, what):
    if not ok:
        problems.append(what)
for failed in result.get("failed", []):
    problems.append("{step}: {message}".format(**failed))
info = result.get("info", {})
need(info.get("discoverAll", {}).get("status") == "SUCCESS", "Discover Versions succeeds")
need(version in info.get("discoverAll", {}).get("versions", []), "Discover Versions lists " + version)
need(info.get("query", {}).get("status") == "SUCCESS", "Query succeeds")
keys = result.get("keys", [])
need(len(keys) == 1, "one key record")
for key in keys:
    if "error" in key:
        problems.append("{label}: {step} failed: {message}".format(label=key["label"], **key["error"]))
        continue
    need(key.get("publicKey", {}).get("format") == "PKCS_1", "Get returns the RSA public key as PKCS_1")
    need(key.get("publicKey", {}).get("length") == 2048, "Get returns a 2048-bit key")
    signatures = key.get("signatures", [])
    need(len(signatures) == 1 and signatures[0].get("verified") == "pkcs1v15",
         "the signature verifies (PKCS#1 v1.5, SHA-256) under the public key from Get")
    need(key.get("renamed", {}).get("uid") == key.get("privateUid"),
         "Modify Attribute (Name) answers with the private key's UID")
    need(key.get("activated") and key.get("revoked") and key.get("destroyed"),
         "Activate, Revoke and Destroy succeed")
    need(key.get("getAfterDestroy", {}).get("reason") == "ITEM_NOT_FOUND",
         "Get after Destroy fails with Item Not Found")
if problems:
    sys.exit("\n".join("  - " + p for p in problems))
EOF
step "session OK: Discover Versions, Query, Create Key Pair, Get, Activate, Modify Attribute, Sign (verified), Revoke, Destroy"

# 4. Stop with SIGTERM while a second PyKMIP session sits idle on an open connection (as a
#    long-lived client would); expect a clean exit, well before that client would give up.
count_discover() { grep -c '"operation":"DiscoverVersions"' "$work/stderr" || true; }
before=$(count_discover)
hold=$(sed -e 's/"scenarios": \["info", "keys"\]/"scenarios": ["hold"], "holdSeconds": HOLD/' \
  -e "s/HOLD/$((STOP_TIMEOUT_S + 15))/" <<<"$instruction")
timeout --kill-after=5 $((STOP_TIMEOUT_S + 30)) env PYTHONDONTWRITEBYTECODE=1 \
  "$PYTHON" test/interop/pykmip_driver.py <<<"$hold" >"$work/hold.out" 2>"$work/hold.err" &
hold_pid=$!
deadline=$((SECONDS + SESSION_TIMEOUT_S))
until (($(count_discover) > before)); do
  kill -0 "$hold_pid" 2>/dev/null || fail "the idle PyKMIP session ended before it was served"
  ((SECONDS < deadline)) || fail "the idle PyKMIP session was not served within ${SESSION_TIMEOUT_S}s"
  sleep 0.2
done
step "an idle PyKMIP session is connected; sending SIGTERM"

kill -TERM "$relay_pid"
deadline=$((SECONDS + STOP_TIMEOUT_S))
while kill -0 "$relay_pid" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "the relay did not exit within ${STOP_TIMEOUT_S}s of SIGTERM"
  sleep 0.2
done
relay_status=0
wait "$relay_pid" || relay_status=$?
relay_pid=""
((relay_status == 0)) || fail "the relay exited with status $relay_status after SIGTERM"
hold_status=0
wait "$hold_pid" || hold_status=$?
hold_pid=""
grep -q '"closedByServer": true' "$work/hold.out" ||
  fail "the idle PyKMIP session was not closed by the stopping relay (exit $hold_status): $(cat "$work/hold.out")"

head -n 1 "$pin_file" >"$work/pin.pattern"
[[ -s "$work/pin.pattern" ]] || fail "the PIN file is empty"
if grep -qF -f "$work/pin.pattern" "$work/stdout" "$work/stderr"; then
  fail "the PIN appears in the relay's output"
fi
step "relay stopped cleanly (exit 0), the idle session closed; PASS"
