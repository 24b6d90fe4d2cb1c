/**
 * The key material of a Register request (KMIP 1.4 section 2.1.7, Key Block and Key Value),
 * parsed with node:crypto: public keys in PKCS_1 (DER RSAPublicKey), X_509 or Raw (DER
 * SubjectPublicKeyInfo, the form Get returns as Raw), Transparent RSA Public Key
 * {Modulus, Public Exponent} and Transparent EC(DSA) Public Key {Recommended Curve, Q String};
 * secret keys in Raw or Transparent Symmetric Key {Key}.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { KeyFormatType, ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { findChild, type ItemOf, optional, required, requiredStruct } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { TtlvItem } from "../ttlv/types.js";
import { CURVE_KMIP_NAMES, CURVES, type CurveSpec } from "./algorithms.js";
import { enumText } from "./keys.js";

/** A Key Block's fields. */
export interface KeyBlockFields {
  readonly format: number;
  readonly material: TtlvItem;
  readonly algorithm: number | undefined;
  readonly length: number | undefined;
}

/** Reads the Key Block of a Public Key / Symmetric Key object structure. */
export function readKeyBlock(object: TtlvItem): KeyBlockFields {
  const block = requiredStruct(object, Tag.KeyBlock);
  if (findChild(block, Tag.KeyWrappingData) !== undefined) {
    throw kmipErrors.notSupported(
      "Register: wrapped key material (Key Wrapping Data) is not supported",
    );
  }
  const value = findChild(block, Tag.KeyValue);
  if (value === undefined) throw kmipErrors.missingData("Key Block: Key Value is required");
  if (value.type !== "Structure") {
    throw kmipErrors.invalidField(`Key Value: expected Structure, got ${value.type}`);
  }
  const material = findChild(value, Tag.KeyMaterial);
  if (material === undefined) throw kmipErrors.missingData("Key Value: Key Material is required");
  return {
    format: required(block, Tag.KeyFormatType, "Enumeration"),
    material,
    algorithm: optional(block, Tag.CryptographicAlgorithm, "Enumeration"),
    length: optional(block, Tag.CryptographicLength, "Integer"),
  };
}

/** Key Format Type Not Supported for `what` (the kind of key and the formats it takes). */
export function formatNotSupported(format: number, what: string): KmipError {
  return new KmipError(
    ResultReason.KeyFormatTypeNotSupported,
    `Register: Key Format Type ${enumText(Tag.KeyFormatType, format)} is not supported for ${what}`,
  );
}

/** Key Material that a `format` key holds as a Byte String (DER, Raw). */
export function bytesOf(material: TtlvItem, format: number): Buffer {
  if (material.type !== "ByteString") {
    throw kmipErrors.invalidField(
      `Key Material: a ${enumText(Tag.KeyFormatType, format)} key is a Byte String, got ${material.type}`,
    );
  }
  return Buffer.from(material.value);
}

/** base64url, the byte encoding of JWK fields. */
export const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");

/** A Big Integer as unsigned big-endian bytes, `width` long when given (left-padded). */
export function unsignedBytes(value: bigint, width?: number): Uint8Array {
  if (value <= 0n) throw kmipErrors.invalidField("Key Material: a Big Integer must be positive");
  const hex = value.toString(16);
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex");
  if (width === undefined || bytes.length >= width) return new Uint8Array(bytes);
  const padded = new Uint8Array(width);
  padded.set(bytes, width - bytes.length);
  return padded;
}

/** The curve a Transparent EC(DSA) key's Recommended Curve names (Not Supported otherwise). */
export function recommendedCurve(material: ItemOf<"Structure">): CurveSpec {
  const curveValue = required(material, Tag.RecommendedCurve, "Enumeration");
  const curve = CURVES.find((c) => c.kmip === curveValue);
  if (curve === undefined) {
    throw kmipErrors.notSupported(
      `Register: Recommended Curve ${enumText(Tag.RecommendedCurve, curveValue)} is not supported (${CURVE_KMIP_NAMES})`,
    );
  }
  return curve;
}

function transparentRsa(material: ItemOf<"Structure">): KeyObject {
  const n = unsignedBytes(required(material, Tag.Modulus, "BigInteger"));
  const e = unsignedBytes(required(material, Tag.PublicExponent, "BigInteger"));
  return createPublicKey({ key: { kty: "RSA", n: b64url(n), e: b64url(e) }, format: "jwk" });
}

function transparentEc(material: ItemOf<"Structure">): KeyObject {
  const curve = recommendedCurve(material);
  const q = required(material, Tag.QString, "ByteString");
  const n = curve.coordinateBytes;
  if (q.length !== 1 + 2 * n || q[0] !== 0x04) {
    throw kmipErrors.invalidField(
      `Q String: an uncompressed ${curve.name} point is 04||X||Y of ${1 + 2 * n} bytes`,
    );
  }
  const key = {
    kty: "EC",
    crv: curve.jwk,
    x: b64url(q.subarray(1, 1 + n)),
    y: b64url(q.subarray(1 + n)),
  };
  return createPublicKey({ key, format: "jwk" });
}

/** Key Material that a `format` key holds as a Structure (the Transparent formats). */
export function structureOf(material: TtlvItem, format: number): ItemOf<"Structure"> {
  if (material.type !== "Structure") {
    throw kmipErrors.invalidField(
      `Key Material: a ${enumText(Tag.KeyFormatType, format)} key is a Structure, got ${material.type}`,
    );
  }
  return material;
}

/** The public key of a Key Block as a KeyObject; Invalid Field when it does not parse. */
export function publicKeyOf(block: KeyBlockFields): KeyObject {
  const F = KeyFormatType;
  const { format, material } = block;
  const parse = (make: () => KeyObject): KeyObject => {
    try {
      return make();
    } catch (err) {
      if (err instanceof KmipError) throw err;
      throw kmipErrors.invalidField(
        `Key Material is not a valid ${enumText(Tag.KeyFormatType, format)} public key`,
      );
    }
  };
  switch (format) {
    case F.PKCS_1:
      return parse(() =>
        createPublicKey({ key: bytesOf(material, format), format: "der", type: "pkcs1" }),
      );
    case F.X_509:
    case F.Raw:
      return parse(() =>
        createPublicKey({ key: bytesOf(material, format), format: "der", type: "spki" }),
      );
    case F.TransparentRSAPublicKey:
      return parse(() => transparentRsa(structureOf(material, format)));
    case F.TransparentECPublicKey:
    case F.TransparentECDSAPublicKey:
      return parse(() => transparentEc(structureOf(material, format)));
    default:
      throw formatNotSupported(
        format,
        "public keys (PKCS_1, X_509, Raw, Transparent RSA/EC Public Key)",
      );
  }
}

/** The bytes of a secret key's Key Block (Raw, Transparent Symmetric Key). */
export function secretBytesOf(block: KeyBlockFields): Uint8Array {
  const { format, material } = block;
  if (format === KeyFormatType.Raw) return new Uint8Array(bytesOf(material, format));
  if (format === KeyFormatType.TransparentSymmetricKey) {
    return required(structureOf(material, format), Tag.Key, "ByteString");
  }
  throw formatNotSupported(format, "symmetric keys (Raw, Transparent Symmetric Key)");
}
