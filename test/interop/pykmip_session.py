"""Opening PyKMIP 0.10 sessions against the relay, and turning KMIP failures into data.

PyKMIP reads a configuration file (~/.pykmip/pykmip.conf, /etc/pykmip/pykmip.conf, ...) for
every setting it is not given directly. A stray file on the machine could then change what this
driver sends, so every session gets an explicit, empty configuration file and every setting is
passed directly.
"""

import os
import tempfile

from kmip.core import enums
from kmip.core import exceptions as core_exceptions
from kmip.pie import exceptions as pie_exceptions
from kmip.pie.client import ProxyKmipClient

VERSIONS = {
    "1.2": enums.KMIPVersion.KMIP_1_2,
    "1.4": enums.KMIPVersion.KMIP_1_4,
    "2.0": enums.KMIPVersion.KMIP_2_0,
    "1.0": enums.KMIPVersion.KMIP_1_0,
    "1.1": enums.KMIPVersion.KMIP_1_1,
    "1.3": enums.KMIPVersion.KMIP_1_3,
}

# PyKMIP's ssl_version names: PROTOCOL_SSLv23 lets OpenSSL negotiate (TLS 1.3 against the
# relay), PROTOCOL_TLSv1_2 pins TLS 1.2 (as older PyKMIP deployments configure it).
SSL_VERSIONS = {"negotiate": "PROTOCOL_SSLv23", "1.2": "PROTOCOL_TLSv1_2"}

# Seconds PyKMIP waits on its socket before giving up on a response.
SOCKET_TIMEOUT = 20

_empty_config = None


def empty_config_file():
    """Path of an empty PyKMIP configuration file (created once per process)."""
    global _empty_config
    if _empty_config is None:
        fd, path = tempfile.mkstemp(prefix="pykmip-", suffix=".conf")
        os.close(fd)
        _empty_config = path
    return _empty_config


def remove_config_file():
    global _empty_config
    if _empty_config is not None:
        os.unlink(_empty_config)
        _empty_config = None


def kmip_version(name):
    if name not in VERSIONS:
        raise ValueError("unsupported KMIP version {!r}".format(name))
    return VERSIONS[name]


def open_client(spec, password=None):
    """A connected ProxyKmipClient for the instruction `spec`.

    `password` overrides spec["password"] (to send a wrong PIN on purpose). TLS: the relay's
    self-signed certificate is the CA; spec["tls"] picks the ssl_version (SSL_VERSIONS);
    spec["cert"] / spec["key"] optionally name a client certificate (mutual TLS).
    """
    client = ProxyKmipClient(
        hostname=spec["host"],
        port=int(spec["port"]),
        ca=spec["ca"],
        cert=spec.get("cert"),
        key=spec.get("key"),
        ssl_version=SSL_VERSIONS[spec.get("tls", "negotiate")],
        username=spec["username"],
        password=spec["password"] if password is None else password,
        config="client",
        config_file=empty_config_file(),
        kmip_version=kmip_version(spec["version"]),
    )
    client.proxy.timeout = SOCKET_TIMEOUT
    client.open()
    return client


def failure_of(fn, *args, **kwargs):
    """Runs fn expecting a KMIP failure; returns {"reason": name, "message": text}.

    Returns {"reason": None, "result": repr} when fn succeeded instead, so the caller (the
    vitest test) sees what came back.
    """
    try:
        result = fn(*args, **kwargs)
    except (pie_exceptions.KmipOperationFailure, core_exceptions.KmipError) as err:
        # pie's KmipOperationFailure has .message; core's KmipError only str().
        message = getattr(err, "message", None) or str(err)
        return {"reason": enum_name(err.reason), "message": str(message)}
    return {"reason": None, "result": repr(result)}


def enum_name(value):
    """The name of a PyKMIP enumeration member (None stays None)."""
    if value is None:
        return None
    return getattr(value, "name", str(value))


def enum_by_name(enum_class, name):
    """The member of a PyKMIP enumeration from its name, e.g. ("HashingAlgorithm", "SHA_256")."""
    return getattr(getattr(enums, enum_class), name)


def run_steps_main(run):
    """The main() of a step script (pykmip_attributes.py, pykmip_secret.py).

    Reads ONE JSON instruction on stdin, calls run(spec, steps, failed), prints ONE JSON line
    {"version", "steps", "failed"}; an exception outside a step is recorded as step "session".
    """
    import json  # noqa: PLC0415 - only the step scripts need it
    import logging  # noqa: PLC0415
    import sys  # noqa: PLC0415

    logging.basicConfig(stream=sys.stderr, level=logging.ERROR)
    spec = json.loads(sys.stdin.read())
    steps, failed = {}, []
    try:
        run(spec, steps, failed)
    except Exception as err:  # noqa: BLE001 - reported as data, the test judges it
        failed.append({"step": "session", "type": type(err).__name__, "message": str(err)})
    finally:
        remove_config_file()
    print(json.dumps({"version": spec["version"], "steps": steps, "failed": failed}, default=str))
