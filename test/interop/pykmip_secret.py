"""PyKMIP 0.10 against the relay: secret keys (Create, Register), Encrypt, Decrypt, MAC,
Check, Delete Attribute, Revoke and Destroy.

Run with /usr/bin/python3. Reads ONE JSON instruction on stdin ({"host", "port", "ca",
"username", "password", "version"}, as pykmip_driver.py) and prints ONE JSON line:
{"version", "steps": {name: result}, "failed": [{step, type, message}]}. Byte strings are
hex. Each step runs on its own; one that raises is recorded in "failed" and the others still
run. The vitest side (test/integration/pykmip-secret.test.ts) recomputes every ciphertext and
MAC with node:crypto from the key bytes registered here.
"""


from kmip.core import enums
from kmip.pie import objects
from pykmip_session import failure_of, open_client, run_steps_main

# Key bytes registered through PyKMIP; the test recomputes the crypto with them.
AES_KEY = bytes(range(32))
HMAC_KEY = bytes(range(100, 132))
IV = bytes(range(16))
PLAINTEXT = b"kmip2pkcs11 over PyKMIP, a secret-key round trip"
MAC_DATA = b"kmip2pkcs11 MAC over PyKMIP"

CBC_PKCS5 = {
    "block_cipher_mode": enums.BlockCipherMode.CBC,
    "padding_method": enums.PaddingMethod.PKCS5,
    "cryptographic_algorithm": enums.CryptographicAlgorithm.AES,
}


def hexed(value):
    return value.hex() if isinstance(value, (bytes, bytearray)) else value


def register_secret(client, algorithm, material, masks, name):
    """Registers a 256-bit symmetric key the test knows, so results can be checked."""
    return client.register(objects.SymmetricKey(algorithm, 256, material, masks=masks, name=name))


def registered_aes(client, label):
    masks = [enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT]
    return register_secret(client, enums.CryptographicAlgorithm.AES, AES_KEY, masks,
                           label + "-aes-registered")


def registered_hmac(client, label):
    masks = [enums.CryptographicUsageMask.MAC_GENERATE, enums.CryptographicUsageMask.MAC_VERIFY]
    return register_secret(client, enums.CryptographicAlgorithm.HMAC_SHA256, HMAC_KEY, masks,
                           label + "-hmac-registered")


def encrypt_known(client, uid):
    """CBC/PKCS5 with the client's IV, then Decrypt of what came back."""
    data, iv = client.encrypt(PLAINTEXT, uid=uid, cryptographic_parameters=CBC_PKCS5,
                              iv_counter_nonce=IV)
    plain = client.decrypt(data, uid=uid, cryptographic_parameters=CBC_PKCS5,
                           iv_counter_nonce=IV)
    return {"ciphertext": hexed(data), "iv": hexed(iv), "decrypted": hexed(plain)}


def encrypt_server_iv(client, uid):
    """CBC/PKCS5 with Random IV: the relay picks the IV and returns it."""
    params = dict(CBC_PKCS5, random_iv=True)
    data, iv = client.encrypt(PLAINTEXT, uid=uid, cryptographic_parameters=params)
    plain = client.decrypt(data, uid=uid, cryptographic_parameters=CBC_PKCS5,
                           iv_counter_nonce=iv)
    return {"ciphertext": hexed(data), "iv": hexed(iv), "decrypted": hexed(plain)}


def delete_name(client, version, uid, label):
    """Deletes the key's Name (1.x: by attribute name; 2.0: by Attribute Reference)."""
    if version == "2.0":
        from kmip.core.objects import AttributeReference  # noqa: PLC0415 - 2.0 only

        reference = AttributeReference(vendor_identification="", attribute_name="Name")
        return list(client.delete_attribute(uid, attribute_reference=reference))[0]
    return list(client.delete_attribute(uid, attribute_name="Name", attribute_index=0))[0]


def run(spec, steps, failed):
    client = open_client(spec)
    version = spec["version"]

    def step(name, fn):
        try:
            steps[name] = fn()
        except Exception as err:  # noqa: BLE001 - reported as data, the test judges it
            failed.append({"step": name, "type": type(err).__name__, "message": str(err)})

    label = "pykmip-secret-" + version
    try:
        created = client.create(
            enums.CryptographicAlgorithm.AES,
            256,
            name=label,
            cryptographic_usage_mask=[
                enums.CryptographicUsageMask.ENCRYPT,
                enums.CryptographicUsageMask.DECRYPT,
            ],
        )
        steps["created"] = created
        step("created_round_trip", lambda: encrypt_known(client, created))
        aes = registered_aes(client, label)
        steps["registered_aes"] = aes
        step("registered_cbc", lambda: encrypt_known(client, aes))
        step("registered_cbc_server_iv", lambda: encrypt_server_iv(client, aes))
        hmac_uid = registered_hmac(client, label)
        step("registered_mac", lambda: hexed(client.mac(
            MAC_DATA, uid=hmac_uid, algorithm=enums.CryptographicAlgorithm.HMAC_SHA256)[1]))
        # PyKMIP adds Encrypt|Decrypt to every mask it sends for Create (its default).
        made_hmac = client.create(enums.CryptographicAlgorithm.HMAC_SHA256, 256,
                                  name=label + "-hmac", cryptographic_usage_mask=[
                                      enums.CryptographicUsageMask.MAC_GENERATE,
                                      enums.CryptographicUsageMask.MAC_VERIFY])
        step("created_mac", lambda: hexed(client.mac(
            MAC_DATA, uid=made_hmac, algorithm=enums.CryptographicAlgorithm.HMAC_SHA256)[1]))
        step("check_allowed", lambda: client.check(created, cryptographic_usage_mask=[
            enums.CryptographicUsageMask.ENCRYPT]))
        step("check_refused", lambda: failure_of(client.check, created, cryptographic_usage_mask=[
            enums.CryptographicUsageMask.SIGN]))
        step("delete_name", lambda: delete_name(client, version, created, label))
        step("get_of_secret_key", lambda: failure_of(client.get, created))
        for uid in (created, aes, hmac_uid, made_hmac):
            client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid)
            client.destroy(uid)
        step("encrypt_after_destroy", lambda: failure_of(
            client.encrypt, PLAINTEXT, uid=aes, cryptographic_parameters=CBC_PKCS5,
            iv_counter_nonce=IV))
    finally:
        client.close()


if __name__ == "__main__":
    run_steps_main(run)
