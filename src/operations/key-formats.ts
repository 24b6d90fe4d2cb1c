/**
 * Public keys in the Key Format Types of Get (KMIP 1.4 section 9.1.3.2.3, key material per
 * section 2.1.7): the formats a client may ask for, and which one it gets by default.
 */
import { KeyFormatType, ResultReason } from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import { build } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { TtlvItem } from "../ttlv/types.js";
import { enumText } from "./keys.js";
import { keyObjectOf, type PublicKeyInfo } from "./public-key.js";

/**
 * The format when the request names none: PKCS_1 for RSA; Raw holding the DER
 * SubjectPublicKeyInfo for EC and Ed25519 (the only EC form Cascade's client accepts).
 */
export function defaultFormat(info: PublicKeyInfo): number {
  return info.kind === "RSA" ? KeyFormatType.PKCS_1 : KeyFormatType.Raw;
}

function spki(info: PublicKeyInfo): Uint8Array {
  return new Uint8Array(keyObjectOf(info).export({ type: "spki", format: "der" }));
}

function unsigned(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
}

function unsupported(format: number, info: PublicKeyInfo): KmipError {
  return new KmipError(
    ResultReason.KeyFormatTypeNotSupported,
    `Key Format Type ${enumText(Tag.KeyFormatType, format)} is not supported for ${info.kind} public keys`,
  );
}

/**
 * The Key Material item of `info` in `format`:
 * - Raw, X_509: Byte String, DER SubjectPublicKeyInfo (RFC 5280 section 4.1);
 * - PKCS_1 (RSA): Byte String, DER RSAPublicKey (RFC 8017 appendix A.1.1);
 * - Transparent RSA Public Key: Structure{Modulus, Public Exponent} (Big Integers);
 * - Transparent EC(DSA) Public Key (EC): Structure{Recommended Curve, Q String}.
 */
export function keyMaterial(info: PublicKeyInfo, format: number): TtlvItem {
  switch (format) {
    case KeyFormatType.Raw:
    case KeyFormatType.X_509:
      return build.byteString(Tag.KeyMaterial, spki(info));
    case KeyFormatType.PKCS_1:
      if (info.kind !== "RSA") throw unsupported(format, info);
      return build.byteString(
        Tag.KeyMaterial,
        new Uint8Array(keyObjectOf(info).export({ type: "pkcs1", format: "der" })),
      );
    case KeyFormatType.TransparentRSAPublicKey:
      if (info.kind !== "RSA") throw unsupported(format, info);
      return build.structure(Tag.KeyMaterial, [
        build.bigInteger(Tag.Modulus, unsigned(info.modulus)),
        build.bigInteger(Tag.PublicExponent, unsigned(info.exponent)),
      ]);
    case KeyFormatType.TransparentECPublicKey:
    case KeyFormatType.TransparentECDSAPublicKey:
      if (info.kind !== "EC") throw unsupported(format, info);
      keyObjectOf(info); // rejects a point that is not on the curve
      return build.structure(Tag.KeyMaterial, [
        build.enumeration(Tag.RecommendedCurve, info.curve.kmip),
        build.byteString(Tag.QString, info.point),
      ]);
    default:
      throw unsupported(format, info);
  }
}
