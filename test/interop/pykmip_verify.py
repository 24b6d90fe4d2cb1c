"""Checks a signature against the public key PyKMIP's Get returned, with the `cryptography`
package (a PyKMIP dependency): independent of the relay and of PyKMIP's own code.

Returns how the signature verified: "pkcs1v15", "pss" (salt length = digest length), "der"
(ECDSA, X9.62 DER SEQUENCE of r and s), "raw" (ECDSA as r||s, PKCS#11's format), "eddsa"; or
False when it does not verify.
"""

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

HASHES = {"SHA_256": hashes.SHA256, "SHA_384": hashes.SHA384, "SHA_512": hashes.SHA512}

# Digital Signature Algorithm (KMIP 1.4 section 9.1.3.2.7) -> (scheme, hash).
SIGNATURE_ALGORITHMS = {
    "SHA256_WITH_RSA_ENCRYPTION": ("pkcs1v15", "SHA_256"),
    "SHA384_WITH_RSA_ENCRYPTION": ("pkcs1v15", "SHA_384"),
    "SHA512_WITH_RSA_ENCRYPTION": ("pkcs1v15", "SHA_512"),
    "RSASSA_PSS": ("pss", None),
    "ECDSA_WITH_SHA256": ("ecdsa", "SHA_256"),
    "ECDSA_WITH_SHA384": ("ecdsa", "SHA_384"),
    "ECDSA_WITH_SHA512": ("ecdsa", "SHA_512"),
}


def load_public_key(key):
    """A `cryptography` public key from PyKMIP's PublicKey (PKCS_1 RSAPublicKey DER, or X_509 /
    Raw holding a DER SubjectPublicKeyInfo)."""
    der = bytes(key.value)
    if key.key_format_type.name == "PKCS_1":
        return serialization.load_der_public_key(_spki_from_pkcs1(der))
    return serialization.load_der_public_key(der)


def _der_length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _spki_from_pkcs1(der):
    """Wraps an RSAPublicKey in a SubjectPublicKeyInfo (RFC 8017 A.1.1, RFC 5280 4.1)."""
    rsa_algorithm = bytes.fromhex("300d06092a864886f70d0101010500")
    bit_string = b"\x03" + _der_length(len(der) + 1) + b"\x00" + der
    body = rsa_algorithm + bit_string
    return b"\x30" + _der_length(len(body)) + body


def _scheme_and_hash(params):
    params = params or {}
    scheme, hash_name = None, params.get("hashing_algorithm")
    if "digital_signature_algorithm" in params:
        scheme, implied = SIGNATURE_ALGORITHMS[params["digital_signature_algorithm"]]
        hash_name = hash_name or implied
    if params.get("padding_method") == "PSS":
        scheme = "pss"
    elif params.get("padding_method") == "PKCS1v15":
        scheme = "pkcs1v15"
    return scheme, HASHES[hash_name or "SHA_256"]()


def _verify_rsa(public, scheme, hash_algorithm, data, signature):
    if scheme == "pss":
        pad = padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=hash_algorithm.digest_size)
    else:
        scheme, pad = "pkcs1v15", padding.PKCS1v15()
    public.verify(signature, data, pad, hash_algorithm)
    return scheme


def _verify_ecdsa(public, hash_algorithm, data, signature):
    try:
        public.verify(signature, data, ec.ECDSA(hash_algorithm))
        return "der"
    except (InvalidSignature, ValueError):
        size = (public.curve.key_size + 7) // 8
        if len(signature) != 2 * size:
            raise InvalidSignature()
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        public.verify(encode_dss_signature(r, s), data, ec.ECDSA(hash_algorithm))
        return "raw"


def verify_signature(key, sign_spec, data, signature):
    public = load_public_key(key)
    scheme, hash_algorithm = _scheme_and_hash(sign_spec.get("params"))
    try:
        if isinstance(public, rsa.RSAPublicKey):
            return _verify_rsa(public, scheme, hash_algorithm, data, signature)
        if isinstance(public, ec.EllipticCurvePublicKey):
            return _verify_ecdsa(public, hash_algorithm, data, signature)
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, data)
            return "eddsa"
    except InvalidSignature:
        return False
    raise ValueError("unexpected public key type {}".format(type(public).__name__))
