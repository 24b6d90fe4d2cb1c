/**
 * The key material of a Register request for a Private Key (KMIP 1.4 section 2.1.7, Key
 * Block; section 9.1.3.2.x, Key Format Type), parsed with node:crypto into a KeyObject:
 * - PKCS_1: DER RSAPrivateKey (RFC 8017 A.1.2);
 * - PKCS_8: DER PrivateKeyInfo (RFC 5208) of an RSA, EC or Ed25519 key;
 * - EC Private Key: DER ECPrivateKey (SEC1, RFC 5915) with the curve's OID;
 * - Transparent RSA Private Key {Modulus, Private Exponent, Public Exponent, P, Q, Prime
 *   Exponent P, Prime Exponent Q, CRT Coefficient} (section 2.1.7.4): all eight, since the
 *   token keeps the CRT form;
 * - Transparent EC(DSA) Private Key {Recommended Curve, D} (sections 2.1.7.8, 2.1.7.13): the
 *   public point is computed from D.
 *
 * Private key bytes never appear in an error message: a key that does not parse is "not a
 * valid <format> private key", nothing more.
 */
import { createECDH, createPrivateKey, type KeyObject } from "node:crypto";
import { KeyFormatType } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { type ItemOf, required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { TtlvItem } from "../ttlv/types.js";
import { enumText } from "./keys.js";
import {
  b64url,
  bytesOf,
  formatNotSupported,
  type KeyBlockFields,
  recommendedCurve,
  structureOf,
  unsignedBytes,
} from "./register-material.js";

/** node:crypto (OpenSSL) names of the CURVES, by JWK `crv`. */
const ECDH_CURVE: Readonly<Record<string, string>> = {
  "P-256": "prime256v1",
  "P-384": "secp384r1",
  "P-521": "secp521r1",
  secp256k1: "secp256k1",
};

const RSA_FIELDS = [
  ["n", Tag.Modulus],
  ["e", Tag.PublicExponent],
  ["d", Tag.PrivateExponent],
  ["p", Tag.P],
  ["q", Tag.Q],
  ["dp", Tag.PrimeExponentP],
  ["dq", Tag.PrimeExponentQ],
  ["qi", Tag.CRTCoefficient],
] as const;

function transparentRsa(material: ItemOf<"Structure">): KeyObject {
  const jwk: Record<string, string> = { kty: "RSA" };
  for (const [name, tag] of RSA_FIELDS) {
    jwk[name] = b64url(unsignedBytes(required(material, tag, "BigInteger")));
  }
  return createPrivateKey({ key: jwk, format: "jwk" });
}

function transparentEc(material: ItemOf<"Structure">): KeyObject {
  const curve = recommendedCurve(material);
  const d = unsignedBytes(required(material, Tag.D, "BigInteger"), curve.coordinateBytes);
  const ecdh = createECDH(ECDH_CURVE[curve.jwk] ?? curve.jwk);
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const n = curve.coordinateBytes;
  const jwk = {
    kty: "EC",
    crv: curve.jwk,
    d: b64url(d),
    x: b64url(point.subarray(1, 1 + n)),
    y: b64url(point.subarray(1 + n)),
  };
  return createPrivateKey({ key: jwk, format: "jwk" });
}

function parser(format: number, material: TtlvItem): () => KeyObject {
  const F = KeyFormatType;
  switch (format) {
    case F.PKCS_1:
      return () =>
        createPrivateKey({ key: bytesOf(material, format), format: "der", type: "pkcs1" });
    case F.PKCS_8:
      return () =>
        createPrivateKey({ key: bytesOf(material, format), format: "der", type: "pkcs8" });
    case F.ECPrivateKey:
      return () =>
        createPrivateKey({ key: bytesOf(material, format), format: "der", type: "sec1" });
    case F.TransparentRSAPrivateKey:
      return () => transparentRsa(structureOf(material, format));
    case F.TransparentECPrivateKey:
    case F.TransparentECDSAPrivateKey:
      return () => transparentEc(structureOf(material, format));
    default:
      throw formatNotSupported(
        format,
        "private keys (PKCS_1, PKCS_8, EC Private Key, Transparent RSA/EC Private Key)",
      );
  }
}

/** The private key of a Key Block as a KeyObject; Invalid Field when it does not parse. */
export function privateKeyOf(block: KeyBlockFields): KeyObject {
  const parse = parser(block.format, block.material);
  try {
    return parse();
  } catch (err) {
    if (err instanceof KmipError) throw err;
    // The cause is not passed on: OpenSSL messages may quote the input.
    throw kmipErrors.invalidField(
      `Key Material is not a valid ${enumText(Tag.KeyFormatType, block.format)} private key`,
    );
  }
}
