"""PyKMIP 0.10 against the relay: Get Attributes, Get Attribute List, Locate, Signature Verify.

Run with /usr/bin/python3. Reads ONE JSON instruction on stdin ({"host", "port", "ca",
"username", "password", "version"}, as pykmip_driver.py) and prints ONE JSON line:
{"version", "steps": {name: result}, "failed": [{step, type, message}]}. Each step runs on its
own; one that raises is recorded in "failed" and the others still run.
"""


from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from kmip.core import enums
from kmip.core.factories import attributes as attribute_factories
from kmip.pie import objects
from pykmip_session import open_client, run_steps_main

ATTRIBUTES = attribute_factories.AttributeFactory()


def value_of(attribute):
    """A JSON-friendly rendering of one decoded attribute value."""
    value = attribute.attribute_value
    if hasattr(value, "name_value"):
        return value.name_value.value
    inner = getattr(value, "value", None)
    if inner is None:
        return repr(value)
    return getattr(inner, "name", inner)


def decoded(attributes):
    return {a.attribute_name.value: value_of(a) for a in attributes}


def name_attribute(label):
    return ATTRIBUTES.create_attribute(enums.AttributeType.NAME, label)


def run(spec, steps, failed):
    client = open_client(spec)

    def step(name, fn):
        try:
            steps[name] = fn()
        except Exception as err:  # noqa: BLE001 - reported as data, the test judges it
            failed.append({"step": name, "type": type(err).__name__, "message": str(err)})

    label = "pykmip-attrs-" + spec["version"]
    try:
        public_uid, private_uid = client.create_key_pair(
            enums.CryptographicAlgorithm.EC, 256, public_name=label, private_name=label
        )
        steps["uids"] = {"public": public_uid, "private": private_uid}
        for which, uid in (("public", public_uid), ("private", private_uid)):
            step("get_attributes_" + which, lambda uid=uid: decoded(client.get_attributes(uid)[1]))
            step("get_attribute_list_" + which, lambda uid=uid: client.get_attribute_list(uid))
        step(
            "get_attributes_named",
            lambda: decoded(
                client.get_attributes(private_uid, ["Cryptographic Length", "Object Type"])[1]
            ),
        )
        step("locate_by_name", lambda: sorted(client.locate(attributes=[name_attribute(label)])))
        signature = client.sign(b"pykmip verify", uid=private_uid)
        step(
            "signature_verify",
            lambda: client.signature_verify(b"pykmip verify", signature, uid=public_uid).name,
        )
        step(
            "signature_verify_other",
            lambda: client.signature_verify(b"pykmip verifY", signature, uid=public_uid).name,
        )
        step("register", lambda: register_and_verify(client, label))
    finally:
        client.close()


def register_and_verify(client, label):
    """Registers a P-256 public key and an AES key made here; verifies a signature made here."""
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public = objects.PublicKey(
        enums.CryptographicAlgorithm.ECDSA,
        256,
        der,
        enums.KeyFormatType.X_509,
        masks=[enums.CryptographicUsageMask.VERIFY],
        name=label + "-registered",
    )
    public_uid = client.register(public)
    message = b"signed by python"
    signature = private.sign(message, ec.ECDSA(hashes.SHA256()))
    secret = objects.SymmetricKey(
        enums.CryptographicAlgorithm.AES,
        256,
        bytes(range(32)),
        masks=[enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT],
        name=label + "-aes",
    )
    secret_uid = client.register(secret)
    return {
        "public_uid": public_uid,
        "verify": client.signature_verify(message, signature, uid=public_uid).name,
        "verify_other": client.signature_verify(b"other", signature, uid=public_uid).name,
        "secret_uid": secret_uid,
        "secret_attributes": decoded(client.get_attributes(secret_uid)[1]),
    }


if __name__ == "__main__":
    run_steps_main(run)
