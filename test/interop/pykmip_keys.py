"""The key life cycle through PyKMIP: Create Key Pair, Get, Activate, Modify Attribute, Sign,
Revoke, Destroy, each as PyKMIP itself sends it for the session's KMIP version.

Key spec (JSON): {"label": "rsa2048", "algorithm": "RSA", "length": 2048,
"getFormats": ["X_509"], "signs": [{"id": "pkcs1-sha256", "params": {...} or null,
"size"?: bytes of data to sign}]}.
Sign parameters name PyKMIP enumeration members, e.g. {"padding_method": "PSS",
"hashing_algorithm": "SHA_384", "cryptographic_algorithm": "RSA"}.
"""

from kmip.core import enums, misc, objects
from kmip.core.factories.attribute_values import AttributeValueFactory
from kmip.pie.factory import ObjectFactory

from pykmip_session import enum_by_name, enum_name, failure_of
from pykmip_verify import verify_signature

# Cryptographic Parameters fields (KMIP 1.4 section 3.6) -> PyKMIP enumeration class.
PARAM_ENUMS = {
    "padding_method": "PaddingMethod",
    "hashing_algorithm": "HashingAlgorithm",
    "cryptographic_algorithm": "CryptographicAlgorithm",
    "digital_signature_algorithm": "DigitalSignatureAlgorithm",
}

_values = AttributeValueFactory()


def sign_parameters(params):
    if params is None:
        return None
    return {key: enum_by_name(PARAM_ENUMS[key], value) for key, value in params.items()}


def describe_public_key(key):
    """What PyKMIP made of a public key returned by Get."""
    return {
        "format": enum_name(key.key_format_type),
        "algorithm": enum_name(key.cryptographic_algorithm),
        "length": key.cryptographic_length,
        "der": bytes(key.value).hex(),
    }


def get_public_key_as(client, uid, format_name):
    """Get with a Key Format Type: ProxyKmipClient.get() cannot ask for one, its proxy can."""
    wanted = misc.KeyFormatType(enum_by_name("KeyFormatType", format_name))
    result = client.proxy.get(uid, key_format_type=wanted)
    if result.result_status.value != enums.ResultStatus.SUCCESS:
        return {"requested": format_name, "reason": enum_name(result.result_reason.value)}
    described = describe_public_key(ObjectFactory().convert(result.secret))
    described["requested"] = format_name
    return described


def new_name(text):
    return _values.create_attribute_value(enums.AttributeType.NAME, text)


def rename(client, version, uid, old, new):
    """Modify Attribute (Name): KMIP 1.x sends an Attribute (name, index 0, value); KMIP 2.0 a
    Current Attribute and a New Attribute (Name is multi-valued, so the current one is named)."""
    if version < enums.KMIPVersion.KMIP_2_0:
        attribute = objects.Attribute(
            attribute_name=objects.Attribute.AttributeName("Name"),
            attribute_index=objects.Attribute.AttributeIndex(0),
            attribute_value=new_name(new),
        )
        uid_back, attribute_back = client.modify_attribute(unique_identifier=uid, attribute=attribute)
        value = attribute_back.attribute_value.name_value.value
        return {"uid": uid_back, "name": value}
    uid_back, _ = client.modify_attribute(
        unique_identifier=uid,
        current_attribute=objects.CurrentAttribute(attribute=new_name(old)),
        new_attribute=objects.NewAttribute(attribute=new_name(new)),
    )
    return {"uid": uid_back, "name": None}


def sign_data(text, size=None):
    """The bytes to sign: `text`, padded to `size` bytes with a varied filler when given (large
    requests span many TLS records and TTLV buffers)."""
    data = text.encode()
    if size is None:
        return data
    filler = bytes(i % 251 for i in range(max(size - len(data), 0)))
    return data + filler


def sign_all(client, priv_uid, public_key, key_spec, prefix, verify):
    signatures = []
    for index, sign in enumerate(key_spec.get("signs", [])):
        data = sign_data("{} {} #{}".format(prefix, sign["id"], index), sign.get("size"))
        signature = client.sign(
            data, uid=priv_uid, cryptographic_parameters=sign_parameters(sign.get("params"))
        )
        entry = {"id": sign["id"], "data": data.hex(), "signature": bytes(signature).hex()}
        if verify:
            entry["verified"] = verify_signature(public_key, sign, data, bytes(signature))
        signatures.append(entry)
    return signatures


def key_life_cycle(client, version_name, key_spec, verify, record):
    """Runs one key through its life; fills `record` as it goes, so that a failure keeps the
    steps that worked (and the uids, for the caller's clean-up)."""
    version = client.kmip_version
    label = key_spec["label"]
    prefix = "interop-{}-{}".format(version_name, label)
    pub_uid, priv_uid = client.create_key_pair(
        enum_by_name("CryptographicAlgorithm", key_spec["algorithm"]),
        int(key_spec["length"]),
        public_name=prefix + "-pub",
        public_usage_mask=[enums.CryptographicUsageMask.VERIFY],
        private_name=prefix + "-priv",
        private_usage_mask=[enums.CryptographicUsageMask.SIGN],
    )
    record.update({"publicUid": pub_uid, "privateUid": priv_uid})
    public_key = client.get(pub_uid)
    record["publicKey"] = describe_public_key(public_key)
    record["formats"] = [get_public_key_as(client, pub_uid, f) for f in key_spec.get("getFormats", [])]
    client.activate(priv_uid)
    record["activated"] = True
    record["renamed"] = rename(client, version, priv_uid, prefix + "-priv", prefix + "-renamed")
    record["signatures"] = sign_all(client, priv_uid, public_key, key_spec, prefix, verify)
    # Both halves are Active: each is revoked before it is destroyed (KMIP 1.4 section 3.22).
    client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, priv_uid)
    client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, pub_uid)
    record["revoked"] = True
    client.destroy(priv_uid)
    client.destroy(pub_uid)
    record["destroyed"] = True
    record["getAfterDestroy"] = failure_of(client.get, pub_uid)
