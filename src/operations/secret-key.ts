/**
 * Secret keys on the token, read back: which algorithm a key serves (AES, or which HMAC) and
 * its value when the token lets it out. Used by Get and by MAC without Cryptographic
 * Parameters.
 */
import { CryptographicAlgorithm } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA, CKK, ckkName } from "../pkcs11/constants.js";
import type { AttrValues, ObjectRef, TokenSelector } from "../pkcs11/types.js";
import { type HmacSpec, hmacByKeyType, hmacByMechanism } from "./cipher-algorithms.js";
import { attrBytes, ulongOf } from "./keys.js";

/** CK_MECHANISM_TYPE[] (CKA_ALLOWED_MECHANISMS) as numbers; empty when unavailable. */
export function mechanismsOf(bytes: Uint8Array | null | undefined): number[] {
  if (bytes === null || bytes === undefined || bytes.length % 8 !== 0) return [];
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 8) out.push(ulongOf(bytes.subarray(i, i + 8)));
  return out;
}

/**
 * The HMAC a key serves: its CKK_SHA*_HMAC type, or for CKK_GENERIC_SECRET the one HMAC
 * mechanism in CKA_ALLOWED_MECHANISMS (as Create records it); undefined otherwise.
 */
export function hmacOfKey(
  keyType: number,
  allowed: Uint8Array | null | undefined,
): HmacSpec | undefined {
  const byType = hmacByKeyType(keyType);
  if (byType !== undefined || keyType !== CKK.GENERIC_SECRET) return byType;
  const hmacs = mechanismsOf(allowed)
    .map((m) => hmacByMechanism(m))
    .filter((h): h is HmacSpec => h !== undefined);
  return hmacs.length === 1 ? hmacs[0] : undefined;
}

/** What a secret key is, as KMIP describes it. */
export interface SecretKeyInfo {
  readonly keyType: number;
  /** Cryptographic Algorithm: AES, HMAC_SHA*, or undefined for an unknown generic secret. */
  readonly algorithm: number | undefined;
  readonly hmac: HmacSpec | undefined;
  /** CKA_VALUE_LEN. */
  readonly bytes: number | undefined;
  readonly sensitive: boolean;
  readonly extractable: boolean;
  /** CKA_VALUE; null when the token keeps it (sensitive or not extractable). */
  readonly value: Uint8Array | null;
}

const READ = [
  CKA.KEY_TYPE,
  CKA.VALUE_LEN,
  CKA.SENSITIVE,
  CKA.EXTRACTABLE,
  CKA.ALLOWED_MECHANISMS,
] as const;

function flag(values: AttrValues, type: number, fallback: boolean): boolean {
  const bytes = values.get(type);
  return bytes === null || bytes === undefined || bytes.length === 0 ? fallback : bytes[0] !== 0;
}

/**
 * Reads a secret key (Item Not Found when there is none). CKA_VALUE is asked for only when
 * `withValue` (C_GetAttributeValue reports it unavailable for sensitive keys anyway).
 */
export async function readSecretKey(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
  withValue: boolean,
): Promise<SecretKeyInfo> {
  const types = withValue ? [...READ, CKA.VALUE] : [...READ];
  const values = await client.getAttributes(token, ref, types);
  const keyType = ulongOf(attrBytes(values, CKA.KEY_TYPE));
  const hmac = hmacOfKey(keyType, values.get(CKA.ALLOWED_MECHANISMS));
  const length = values.get(CKA.VALUE_LEN);
  const algorithm = keyType === CKK.AES ? CryptographicAlgorithm.AES : hmac?.kmip;
  if (keyType !== CKK.AES && keyType !== CKK.GENERIC_SECRET && hmac === undefined) {
    throw kmipErrors.notSupported(`secret key type ${ckkName(keyType)} is not supported`);
  }
  return {
    keyType,
    algorithm,
    hmac,
    bytes: length === null || length === undefined ? undefined : ulongOf(length),
    // A token that does not say is taken at its safest.
    sensitive: flag(values, CKA.SENSITIVE, true),
    extractable: flag(values, CKA.EXTRACTABLE, false),
    value: values.get(CKA.VALUE) ?? null,
  };
}
