"""The scenarios the driver runs. Each takes the instruction dict and the (empty) result it
fills in place, so that a failure keeps what was done; the vitest test judges the result."""

import select
import time
import traceback

from kmip.core import enums
from kmip.core.messages.contents import ProtocolVersion

from pykmip_keys import get_public_key_as, key_life_cycle, rename
from pykmip_session import enum_name, failure_of, open_client

U = enums.CryptographicUsageMask

# An identifier in the relay's format (hex CKA_ID + suffix) that no key has.
UNKNOWN_UID = "00112233445566778899AABBCCDDEEFF_pub"
UNKNOWN_PRIV_UID = "00112233445566778899AABBCCDDEEFF_priv"


def error_record(step, err):
    """What went wrong, with the KMIP Result Reason when PyKMIP reports one."""
    return {
        "step": step,
        "type": type(err).__name__,
        "reason": enum_name(getattr(err, "reason", None)),
        "message": str(err),
        "trace": traceback.format_exc(limit=6),
    }


def checked(result, step):
    """A KMIPProxy result (not raised on failure) as data, with its Result Status."""
    status = result.result_status.value
    out = {"status": enum_name(status)}
    if status != enums.ResultStatus.SUCCESS:
        out["reason"] = enum_name(result.result_reason.value)
        out["message"] = str(result.result_message.value) if result.result_message else None
        out["step"] = step
    return out


def versions_of(result):
    return ["{}.{}".format(v.major or 0, v.minor or 0) for v in result.protocol_versions or []]


def run_info(spec, out):
    """Discover Versions (all, then a client list) and Query (operations, objects, server
    information). PyKMIP's ProxyKmipClient has neither: its KMIPProxy does."""
    client = open_client(spec)
    try:
        proxy = client.proxy
        out["tls"] = proxy.socket.version()
        every = proxy.discover_versions()
        out["discoverAll"] = dict(checked(every, "discover all"), versions=versions_of(every))
        offered = [ProtocolVersion(1, 4), ProtocolVersion(9, 9), ProtocolVersion(1, 2)]
        some = proxy.discover_versions(protocol_versions=offered)
        out["discoverOffered"] = dict(checked(some, "discover offered"), versions=versions_of(some))
        functions = [
            enums.QueryFunction.QUERY_OPERATIONS,
            enums.QueryFunction.QUERY_OBJECTS,
            enums.QueryFunction.QUERY_SERVER_INFORMATION,
        ]
        query = proxy.query(query_functions=functions)
        out["query"] = checked(query, "query")
        out["query"].update(
            {
                "operations": [enum_name(o) for o in query.operations or []],
                "objectTypes": [enum_name(t) for t in query.object_types or []],
                "vendor": query.vendor_identification,
                "serverInformation": query.server_information.data.buffer.hex()
                if query.server_information
                else None,
            }
        )
    finally:
        client.close()


def revoke_and_destroy(client, uid):
    """An Active key is revoked before it is destroyed (KMIP 1.4 section 3.22)."""
    client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
    client.destroy(uid)


def _cleanup(client, record):
    """Best effort after a failed life cycle: the token should not fill up with test keys."""
    for field in ("privateUid", "publicUid"):
        if field in record and not record.get("destroyed"):
            try:
                revoke_and_destroy(client, record[field])
            except Exception:  # noqa: BLE001 - cleanup only; the first error is what matters
                pass


def run_keys(spec, records):
    client = open_client(spec)
    try:
        for key_spec in spec.get("keys", []):
            record = {"label": key_spec["label"]}
            records.append(record)
            try:
                key_life_cycle(client, spec["version"], key_spec, spec.get("verify", False), record)
            except Exception as err:  # noqa: BLE001 - reported to the test, which fails on it
                record["error"] = error_record(key_spec["label"], err)
                _cleanup(client, record)
    finally:
        client.close()


def run_errors(spec, out):
    """Expected failures: wrong PIN (twice, below the relay's lock-out threshold), then the right
    PIN works again; unknown UID; Get of a private key; then requests the relay refuses, whose
    failed responses PyKMIP must still parse (`refusals`)."""
    wrong = open_client(spec, password=spec["password"] + "-wrong")
    try:
        out["wrongPinGet"] = failure_of(wrong.get, UNKNOWN_UID)
        out["wrongPinCreate"] = failure_of(create_p256, wrong)
    finally:
        wrong.close()
    client = open_client(spec)
    try:
        pub_uid, priv_uid = create_p256(client)
        out["rightPinAfterwards"] = {"publicUid": pub_uid, "privateUid": priv_uid}
        out["getUnknown"] = failure_of(client.get, UNKNOWN_UID)
        out["getPrivate"] = failure_of(client.get, priv_uid)
        out["refusals"] = refusals(client, pub_uid, priv_uid)
        out["unknownUid"] = unknown_uid_failures(client, client.kmip_version)
        revoke_and_destroy(client, priv_uid)
        revoke_and_destroy(client, pub_uid)
        out["destroyed"] = True
    finally:
        client.close()


def refusals(client, pub_uid, priv_uid):
    """Requests outside what the relay does, each answered with a failed batch item."""
    ecdsa_sha1 = {
        "cryptographic_algorithm": enums.CryptographicAlgorithm.ECDSA,
        "hashing_algorithm": enums.HashingAlgorithm.SHA_1,
    }
    rsa_1024 = (enums.CryptographicAlgorithm.RSA, 1024)
    return {
        "rekey": failure_of(client.rekey, uid=priv_uid),
        "createRsa1024": failure_of(client.create_key_pair, *rsa_1024),
        "signWithPublicKey": failure_of(client.sign, b"data", uid=pub_uid),
        "signEcdsaSha1": failure_of(
            client.sign, b"data", uid=priv_uid, cryptographic_parameters=ecdsa_sha1
        ),
        "getEcAsPkcs1": get_public_key_as(client, pub_uid, "PKCS_1"),
    }


def unknown_uid_failures(client, version):
    """Every key operation on a UID that names nothing (Activate and Revoke too: they change
    nothing on the token, but they look the key up)."""
    return {
        "activate": failure_of(client.activate, UNKNOWN_PRIV_UID),
        "modifyAttribute": failure_of(rename, client, version, UNKNOWN_PRIV_UID, "old", "new"),
        "sign": failure_of(client.sign, b"data", uid=UNKNOWN_PRIV_UID),
        "revoke": failure_of(
            client.revoke, enums.RevocationReasonCode.CESSATION_OF_OPERATION, UNKNOWN_PRIV_UID
        ),
        "destroy": failure_of(client.destroy, UNKNOWN_PRIV_UID),
    }


def run_names(spec, out):
    """A P-256 pair named and with usage masks at creation, its private key renamed, and KEPT,
    so that the test can look on the token itself (CKA_LABEL, CKA_SIGN, ...) for what Name,
    Cryptographic Usage Mask and Modify Attribute did."""
    prefix = "interop-{}-kept".format(spec["version"])
    client = open_client(spec)
    try:
        # Masks beyond the relay's defaults (sign / verify only), to be seen on the token.
        pub_uid, priv_uid = client.create_key_pair(
            enums.CryptographicAlgorithm.EC,
            256,
            public_name=prefix + "-pub",
            public_usage_mask=[U.VERIFY, U.ENCRYPT],
            private_name=prefix + "-priv",
            private_usage_mask=[U.SIGN, U.DECRYPT],
        )
        out.update({"publicUid": pub_uid, "privateUid": priv_uid})
        out["renamed"] = rename(client, client.kmip_version, priv_uid, prefix + "-priv", prefix + "-renamed")
    finally:
        client.close()


def run_hold(spec, out):
    """Opens a session (one Discover Versions), then holds it idle for up to holdSeconds,
    watching whether the server closes it: what a relay stopping with a client connected
    must do (the smoke test sends SIGTERM meanwhile)."""
    client = open_client(spec)
    try:
        out["before"] = checked(client.proxy.discover_versions(), "hold")["status"]
        sock = client.proxy.socket
        started = time.monotonic()
        out["closedByServer"] = False
        while time.monotonic() - started < float(spec.get("holdSeconds", 20)):
            readable, _, _ = select.select([sock], [], [], 0.2)
            if readable:
                data = sock.recv(1)  # b"" once the server has closed (close_notify or FIN)
                out["closedByServer"] = data == b""
                if data:
                    out["unexpectedData"] = data.hex()
                break
        out["heldSeconds"] = round(time.monotonic() - started, 2)
    finally:
        client.close()


def create_p256(client):
    return client.create_key_pair(
        enums.CryptographicAlgorithm.EC,
        256,
        public_usage_mask=[enums.CryptographicUsageMask.VERIFY],
        private_usage_mask=[enums.CryptographicUsageMask.SIGN],
    )


# name -> (function filling its result in place, empty result): a failure keeps what was done.
SCENARIOS = {
    "info": (run_info, dict),
    "keys": (run_keys, list),
    "errors": (run_errors, dict),
    "names": (run_names, dict),
    "hold": (run_hold, dict),
}
