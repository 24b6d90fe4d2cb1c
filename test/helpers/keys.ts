/**
 * Independent checks of what the relay returns, with node:crypto only: public keys parsed
 * from a Get response's Key Block (KMIP 1.4 section 2.1.3, key material per 2.1.7), and
 * signatures verified against them. Nothing here uses the relay's own key code.
 */
import { constants, createPublicKey, type KeyObject, verify } from "node:crypto";
import { KeyFormatType, RecommendedCurve } from "../../src/kmip/enums.js";
import { findChild } from "../../src/kmip/item.js";
import { Tag } from "../../src/kmip/tags.js";
import type { TtlvItem } from "../../src/ttlv/types.js";

/** A public key as Get returned it. */
export interface ReturnedPublicKey {
  readonly key: KeyObject;
  readonly format: number;
  readonly algorithm: number | undefined;
  readonly length: number | undefined;
  /** The Key Material item as sent. */
  readonly material: TtlvItem;
}

/** JWK `crv` and coordinate size of each Recommended Curve a relay may return. */
const JWK_CURVES: ReadonlyMap<number, { crv: string; bytes: number }> = new Map([
  [RecommendedCurve.P_256, { crv: "P-256", bytes: 32 }],
  [RecommendedCurve.P_384, { crv: "P-384", bytes: 48 }],
  [RecommendedCurve.P_521, { crv: "P-521", bytes: 66 }],
]);

function child(parent: TtlvItem, tag: number, what: string): TtlvItem {
  const found = findChild(parent, tag);
  if (found === undefined) throw new Error(`${what}: missing child 0x${tag.toString(16)}`);
  return found;
}

function bytesOf(item: TtlvItem): Buffer {
  if (item.type !== "ByteString") throw new Error(`expected a Byte String, got ${item.type}`);
  return Buffer.from(item.value);
}

/** Unsigned big-endian bytes of a Big Integer, minimal (as JWK wants). */
function unsignedBytes(item: TtlvItem): Buffer {
  if (item.type !== "BigInteger") throw new Error(`expected a Big Integer, got ${item.type}`);
  if (item.value < 0n) throw new Error("negative Big Integer in a public key");
  const hex = item.value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, "hex");
}

/** Transparent RSA Public Key: Structure{Modulus, Public Exponent} (2.1.7.5). */
function transparentRsa(material: TtlvItem): KeyObject {
  const n = unsignedBytes(child(material, Tag.Modulus, "Transparent RSA Public Key"));
  const e = unsignedBytes(child(material, Tag.PublicExponent, "Transparent RSA Public Key"));
  return createPublicKey({
    key: { kty: "RSA", n: n.toString("base64url"), e: e.toString("base64url") },
    format: "jwk",
  });
}

/** Transparent EC Public Key: Structure{Recommended Curve, Q String = 04||X||Y} (2.1.7.13). */
function transparentEc(material: TtlvItem): KeyObject {
  const curveItem = child(material, Tag.RecommendedCurve, "Transparent EC Public Key");
  const curve = curveItem.type === "Enumeration" ? JWK_CURVES.get(curveItem.value) : undefined;
  if (curve === undefined) throw new Error("Transparent EC Public Key: unknown curve");
  const q = bytesOf(child(material, Tag.QString, "Transparent EC Public Key"));
  if (q.length !== 1 + 2 * curve.bytes || q[0] !== 0x04) {
    throw new Error(`Q String is not an uncompressed ${curve.crv} point (${q.length} bytes)`);
  }
  const x = q.subarray(1, 1 + curve.bytes).toString("base64url");
  const y = q.subarray(1 + curve.bytes).toString("base64url");
  return createPublicKey({ key: { kty: "EC", crv: curve.crv, x, y }, format: "jwk" });
}

/** The KeyObject in a Key Material of `format`. */
function keyOf(format: number, material: TtlvItem): KeyObject {
  switch (format) {
    case KeyFormatType.PKCS_1:
      return createPublicKey({ key: bytesOf(material), format: "der", type: "pkcs1" });
    case KeyFormatType.X_509:
    case KeyFormatType.Raw:
      return createPublicKey({ key: bytesOf(material), format: "der", type: "spki" });
    case KeyFormatType.TransparentRSAPublicKey:
      return transparentRsa(material);
    case KeyFormatType.TransparentECPublicKey:
    case KeyFormatType.TransparentECDSAPublicKey:
      return transparentEc(material);
    default:
      throw new Error(`Key Format Type 0x${format.toString(16)} is not parsed by the tests`);
  }
}

/** Parses a Key Block: Key Format Type, Key Value{Key Material}, Algorithm?, Length?. */
export function publicKeyFromKeyBlock(keyBlock: TtlvItem): ReturnedPublicKey {
  const formatItem = child(keyBlock, Tag.KeyFormatType, "Key Block");
  if (formatItem.type !== "Enumeration") throw new Error("Key Format Type is not an Enumeration");
  const material = child(child(keyBlock, Tag.KeyValue, "Key Block"), Tag.KeyMaterial, "Key Value");
  const algorithm = findChild(keyBlock, Tag.CryptographicAlgorithm);
  const length = findChild(keyBlock, Tag.CryptographicLength);
  return {
    key: keyOf(formatItem.value, material),
    format: formatItem.value,
    algorithm: algorithm?.type === "Enumeration" ? algorithm.value : undefined,
    length: length?.type === "Integer" ? length.value : undefined,
    material,
  };
}

/** Parses a Get Response Payload: Object Type, Unique Identifier, Public Key{Key Block}. */
export function publicKeyFromGet(payload: TtlvItem): ReturnedPublicKey {
  const publicKey = child(payload, Tag.PublicKey, "Get Response Payload");
  return publicKeyFromKeyBlock(child(publicKey, Tag.KeyBlock, "Public Key"));
}

/** How a signature was made. */
export type SignatureScheme =
  | { readonly kind: "rsa-pkcs1"; readonly hash: string }
  | { readonly kind: "rsa-pss"; readonly hash: string; readonly saltLength?: number }
  | { readonly kind: "ecdsa"; readonly hash: string }
  | { readonly kind: "ed25519" };

/**
 * Whether `signature` signs `message` under `key` by `scheme`. ECDSA signatures must be an
 * X9.62 DER SEQUENCE{r, s} (what KMIP clients such as Cascade's parse); RSA-PSS uses MGF1
 * with the same hash and, unless given, a salt as long as the digest.
 */
export function signatureVerifies(
  key: KeyObject,
  scheme: SignatureScheme,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  switch (scheme.kind) {
    case "rsa-pkcs1":
      return verify(scheme.hash, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    case "rsa-pss":
      return verify(
        scheme.hash,
        message,
        {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: scheme.saltLength ?? constants.RSA_PSS_SALTLEN_DIGEST,
        },
        signature,
      );
    case "ecdsa":
      return verify(scheme.hash, message, { key, dsaEncoding: "der" }, signature);
    case "ed25519":
      return verify(null, message, key, signature);
  }
}

/** One DER TLV (ITU-T X.690): tag, content, and where the next one starts. */
export interface DerTlv {
  readonly tag: number;
  readonly content: Buffer;
  readonly end: number;
}

/** Reads the DER TLV at `offset`, checking minimal length octets. */
export function readDer(bytes: Buffer, offset = 0): DerTlv {
  const tag = bytes[offset];
  let lengthByte = bytes[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error("DER: truncated header");
  let start = offset + 2;
  let length = lengthByte;
  if (lengthByte >= 0x80) {
    const count = lengthByte & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[start + i];
      if (lengthByte === undefined) throw new Error("DER: truncated length");
      length = length * 256 + lengthByte;
    }
    if (count === 0 || length < 0x80 || bytes[start] === 0) throw new Error("DER: long length");
    start += count;
  }
  if (start + length > bytes.length) throw new Error("DER: content runs past the end");
  return { tag, content: bytes.subarray(start, start + length), end: start + length };
}

/** The TLVs inside a constructed DER value, in order. */
export function derChildren(content: Buffer): DerTlv[] {
  const out: DerTlv[] = [];
  for (let at = 0; at < content.length; at = out[out.length - 1]!.end) {
    out.push(readDer(content, at));
  }
  return out;
}

/**
 * An ECDSA DER SEQUENCE{INTEGER r, INTEGER s} as fixed-size r||s, strictly: positive
 * minimal INTEGERs (at most one leading zero, only before a high bit) of at most
 * `coordinateBytes` bytes each, nothing trailing. Throws otherwise.
 */
export function ecdsaDerToRaw(signature: Uint8Array, coordinateBytes: number): Buffer {
  const bytes = Buffer.from(signature);
  const sequence = readDer(bytes);
  if (sequence.tag !== 0x30 || sequence.end !== bytes.length) throw new Error("not one SEQUENCE");
  const parts = derChildren(sequence.content);
  if (parts.length !== 2 || parts.some((p) => p.tag !== 0x02)) throw new Error("not {r, s}");
  const out = Buffer.alloc(2 * coordinateBytes);
  parts.forEach((part, i) => {
    let value = part.content;
    if (value.length === 0 || (value[0]! & 0x80) !== 0) throw new Error("negative INTEGER");
    if (value[0] === 0 && value.length > 1) {
      if ((value[1]! & 0x80) === 0) throw new Error("INTEGER with a needless leading zero");
      value = value.subarray(1);
    }
    if (value.length > coordinateBytes) throw new Error("INTEGER longer than the curve");
    value.copy(out, (i + 1) * coordinateBytes - value.length);
  });
  return out;
}
