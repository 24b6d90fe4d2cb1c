/**
 * A token public key read through PKCS#11 and turned into a node:crypto KeyObject, from
 * which every KMIP key format is exported (DER built by node:crypto, not by hand).
 *
 * RSA: CKA_MODULUS, CKA_PUBLIC_EXPONENT. EC: CKA_EC_PARAMS (the curve's OID), CKA_EC_POINT
 * (the uncompressed point 04||X||Y, DER-wrapped in an OCTET STRING as PKCS#11 v2.40 section
 * 2.3.3 prescribes, bare from some libraries). Ed25519: CKA_EC_POINT holds the 32-byte key.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { CryptographicAlgorithm, ResultReason } from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA } from "../pkcs11/constants.js";
import type { AttrValues, ObjectRef, TokenSelector } from "../pkcs11/types.js";
import { type CurveSpec, curveByParams, ED25519_BITS, isEd25519Params } from "./algorithms.js";
import { unwrapOctetString } from "./der.js";
import { attrBytes, bitLength, type KeyKind, keyKindOf, readKeyKind, ulongOf } from "./keys.js";

/** A public key's material, by kind. */
export type PublicKeyInfo =
  | { readonly kind: "RSA"; readonly modulus: Uint8Array; readonly exponent: Uint8Array }
  | { readonly kind: "EC"; readonly curve: CurveSpec; readonly point: Uint8Array }
  | { readonly kind: "Ed25519"; readonly point: Uint8Array };

/**
 * The attributes read for a public key of each kind, in one C_GetAttributeValue with
 * CKA_KEY_TYPE. Only the kind's own: asking an EC key for CKA_MODULUS fails the whole read
 * (CKR_ATTRIBUTE_TYPE_INVALID) and the worker then reads one attribute at a time, about ten
 * times slower (docs/performance.md).
 */
export const PUBLIC_KEY_ATTRIBUTES: Readonly<Record<KeyKind, readonly number[]>> = {
  RSA: [CKA.KEY_TYPE, CKA.MODULUS, CKA.PUBLIC_EXPONENT],
  EC: [CKA.KEY_TYPE, CKA.EC_PARAMS, CKA.EC_POINT],
  Ed25519: [CKA.KEY_TYPE, CKA.EC_PARAMS, CKA.EC_POINT],
};

/** First byte of an uncompressed EC point (SEC 1 section 2.3.3). */
const UNCOMPRESSED_POINT = 0x04;

function malformed(what: string): KmipError {
  return new KmipError(ResultReason.GeneralFailure, `the token returned a malformed ${what}`);
}

/** The point of CKA_EC_POINT: unwrapped from its OCTET STRING, or bare when of `length`. */
function pointOf(bytes: Uint8Array, length: number): Uint8Array {
  const inner = unwrapOctetString(bytes, length);
  if (inner !== undefined) return inner;
  if (bytes.length === length) return bytes;
  throw malformed("CKA_EC_POINT");
}

/** Decodes the values of {@link PUBLIC_KEY_ATTRIBUTES}. */
export function publicKeyFromAttributes(values: AttrValues): PublicKeyInfo {
  const kind = keyKindOf(ulongOf(attrBytes(values, CKA.KEY_TYPE)));
  if (kind === "RSA") {
    return {
      kind,
      modulus: attrBytes(values, CKA.MODULUS),
      exponent: attrBytes(values, CKA.PUBLIC_EXPONENT),
    };
  }
  const params = attrBytes(values, CKA.EC_PARAMS);
  const rawPoint = attrBytes(values, CKA.EC_POINT);
  if (kind === "Ed25519") {
    if (!isEd25519Params(params)) throw malformed("CKA_EC_PARAMS of an Edwards key");
    return { kind, point: pointOf(rawPoint, 32) };
  }
  const curve = curveByParams(params);
  if (curve === undefined) {
    throw new KmipError(
      ResultReason.FeatureNotSupported,
      `the key's curve (CKA_EC_PARAMS ${Buffer.from(params).toString("hex")}) is not supported`,
    );
  }
  const point = pointOf(rawPoint, 1 + 2 * curve.coordinateBytes);
  if (point[0] !== UNCOMPRESSED_POINT) throw malformed("CKA_EC_POINT (not an uncompressed point)");
  return { kind, curve, point };
}

/** A public key as last read: its decoded form and the attribute bytes it came from. */
interface CachedPublicKey {
  readonly info: PublicKeyInfo;
  readonly values: AttrValues;
}

/** Most public keys remembered; the least recently read goes first. */
const MAX_CACHED_PUBLIC_KEYS = 1024;
const publicKeys = new Map<string, CachedPublicKey>();

function cacheKey(token: TokenSelector, ref: ObjectRef): string {
  return `${token}\u0000${ref.cls}\u0000${Buffer.from(ref.id).toString("hex")}`;
}

function cachedPublicKey(token: TokenSelector, ref: ObjectRef): CachedPublicKey | undefined {
  const key = cacheKey(token, ref);
  const entry = publicKeys.get(key);
  if (entry !== undefined) {
    publicKeys.delete(key); // re-insert: the Map's order is then least recently read first
    publicKeys.set(key, entry);
  }
  return entry;
}

function rememberPublicKey(token: TokenSelector, ref: ObjectRef, entry: CachedPublicKey): void {
  publicKeys.set(cacheKey(token, ref), entry);
  if (publicKeys.size > MAX_CACHED_PUBLIC_KEYS) {
    const oldest = publicKeys.keys().next().value;
    if (oldest !== undefined) publicKeys.delete(oldest);
  }
}

/**
 * Forgets what readPublicKey remembers of `ref` (Destroy, Modify, Re-key may call it to
 * free the memory at once). Not needed for correctness: every read compares the token's
 * bytes with the remembered ones.
 */
export function forgetPublicKey(token: TokenSelector, ref: ObjectRef): void {
  publicKeys.delete(cacheKey(token, ref));
}

/**
 * Reads the public key `ref` (Item Not Found when it does not exist). Every call reads the
 * key from the token; when the bytes are those of the last read, the
 * same PublicKeyInfo object is returned, so its KeyObject is not built again.
 */
export async function readPublicKey(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<PublicKeyInfo> {
  const cached = cachedPublicKey(token, ref);
  if (cached !== undefined) {
    const types = PUBLIC_KEY_ATTRIBUTES[cached.info.kind];
    const values = await client.getAttributes(token, ref, types).catch((err: unknown) => {
      forgetPublicKey(token, ref);
      throw err;
    });
    if (sameValues(values, cached.values, types)) return cached.info;
  }
  // First read (or the object changed): its kind first, then the kind's attributes.
  const kind = await readKeyKind(client, token, ref);
  const values = await client.getAttributes(token, ref, PUBLIC_KEY_ATTRIBUTES[kind]);
  const info = publicKeyFromAttributes(values);
  rememberPublicKey(token, ref, { info, values });
  return info;
}

function sameValues(a: AttrValues, b: AttrValues, types: readonly number[]): boolean {
  return types.every((type) => {
    const x = a.get(type);
    const y = b.get(type);
    return x != null && y != null && Buffer.from(x).equals(y);
  });
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");

/** KeyObjects already built, by PublicKeyInfo object (readPublicKey reuses those). */
const keyObjects = new WeakMap<PublicKeyInfo, KeyObject>();

/** The key as a node:crypto KeyObject (validates it: an EC point must lie on its curve). */
export function keyObjectOf(info: PublicKeyInfo): KeyObject {
  let key = keyObjects.get(info);
  if (key === undefined) {
    key = buildKeyObject(info);
    keyObjects.set(info, key);
  }
  return key;
}

function buildKeyObject(info: PublicKeyInfo): KeyObject {
  try {
    if (info.kind === "RSA") {
      return createPublicKey({
        key: { kty: "RSA", n: b64url(info.modulus), e: b64url(info.exponent) },
        format: "jwk",
      });
    }
    if (info.kind === "Ed25519") {
      return createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: b64url(info.point) },
        format: "jwk",
      });
    }
    const n = info.curve.coordinateBytes;
    const x = info.point.subarray(1, 1 + n);
    const y = info.point.subarray(1 + n);
    return createPublicKey({
      key: { kty: "EC", crv: info.curve.jwk, x: b64url(x), y: b64url(y) },
      format: "jwk",
    });
  } catch {
    throw malformed(`${info.kind} public key`);
  }
}

/** Cryptographic Length: modulus bits (RSA), field bits (EC), 256 (Ed25519). */
export function lengthOf(info: PublicKeyInfo): number {
  if (info.kind === "EC") return info.curve.bits;
  if (info.kind === "Ed25519") return ED25519_BITS;
  return bitLength(info.modulus);
}

/** Cryptographic Algorithm: RSA, ECDSA (EC keys), Ed25519. */
export function algorithmOf(info: PublicKeyInfo): number {
  if (info.kind === "RSA") return CryptographicAlgorithm.RSA;
  if (info.kind === "EC") return CryptographicAlgorithm.ECDSA;
  return CryptographicAlgorithm.Ed25519;
}
