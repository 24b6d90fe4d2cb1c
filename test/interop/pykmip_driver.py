"""Drives PyKMIP 0.10 (Debian's python3-pykmip) against a kmip2pkcs11 relay.

Run with /usr/bin/python3 (the interpreter PyKMIP is installed for). Reads ONE JSON instruction
on stdin (stdin, not argv: it holds the PIN) and prints ONE JSON line on stdout:

  in:  {"host", "port", "ca", "username", "password" (or "passwordFile"),
        "version": "1.2"|"1.4"|"2.0", "tls"?: "negotiate" (default)|"1.2",
        "scenarios": ["info", "keys", "errors", "names", "hold"], "keys": [key spec, ...],
        "verify": bool, "holdSeconds": number}
  out: {"version", "info": {...}, "keys": [...], "errors": {...}, "names": {...},
        "hold": {...}, "failed"?: [{...}]}

A scenario that fails unexpectedly keeps what it did and adds {step, type, reason, message,
trace} to "failed" (a key whose life cycle fails gets its own "error"); the others still run.
The exit status is 1 then, 2 for a bad instruction ({"failed": [...]} only), 0 otherwise.
Key specs and the result shapes are described in pykmip_keys.py and pykmip_scenarios.py.
"""

import json
import logging
import sys

from pykmip_scenarios import SCENARIOS, error_record
from pykmip_session import remove_config_file


def read_password(path):
    """The first line of a PIN file (the quick start's DIR/user-pin)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().strip()
    except OSError as err:
        raise ValueError("cannot read passwordFile: {}".format(err)) from err


def has_errors(results):
    if results.get("failed"):
        return True
    return any("error" in record for record in results.get("keys", []))


def run(spec):
    results = {"version": spec["version"]}
    for name in spec.get("scenarios", []):
        function, empty = SCENARIOS[name]
        results[name] = empty()
        try:
            function(spec, results[name])
        except Exception as err:  # noqa: BLE001 - reported as data, the test fails on it
            results.setdefault("failed", []).append(error_record(name, err))
    return results


def main():
    # PyKMIP logs at WARNING for a missing config file and at ERROR for connection problems:
    # keep those on stderr, never on stdout (stdout is the one JSON line).
    logging.basicConfig(stream=sys.stderr, level=logging.ERROR)
    try:
        spec = json.loads(sys.stdin.read())
        if "passwordFile" in spec and "password" not in spec:
            spec["password"] = read_password(spec["passwordFile"])
        for field in ("host", "port", "ca", "username", "password", "version"):
            if field not in spec:
                raise ValueError("instruction lacks {!r}".format(field))
        for name in spec.get("scenarios", []):
            if name not in SCENARIOS:
                raise ValueError("unknown scenario {!r}".format(name))
    except ValueError as err:
        print(json.dumps({"failed": [{"step": "instruction", "message": str(err)}]}))
        return 2
    try:
        results = run(spec)
    finally:
        remove_config_file()
    print(json.dumps(results))
    return 1 if has_errors(results) else 0


if __name__ == "__main__":
    sys.exit(main())
