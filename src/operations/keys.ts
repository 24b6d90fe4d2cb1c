/**
 * Shared steps of the key operations: the token of the request, the key a Unique Identifier
 * names, and PKCS#11 attribute values decoded from the bytes the worker returns.
 */
import { enumForTag, hex32, ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { type ItemOf, required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA, CKK, ckaName, ckkName } from "../pkcs11/constants.js";
import type { AttrValues, ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { OperationContext } from "./types.js";
import { refOf } from "./uid.js";

/** The token of the request; Authentication Not Successful when none was selected. */
export function requireToken(ctx: OperationContext, operation: string): TokenSelector {
  if (ctx.token === undefined) {
    throw kmipErrors.authentication(
      `${operation}: a Username (the token) and Password (its PIN) are required`,
    );
  }
  return ctx.token;
}

/** The payload's Unique Identifier and the token object it names. */
export function requireKey(payload: ItemOf<"Structure">): { uid: string; ref: ObjectRef } {
  const uid = required(payload, Tag.UniqueIdentifier, "TextString");
  return { uid, ref: refOf(uid) };
}

/** A CK_ULONG value as the library returned it (native byte order: little-endian here). */
export function ulongOf(bytes: Uint8Array): number {
  if (bytes.length === 0 || bytes.length > 8) {
    throw new KmipError(ResultReason.GeneralFailure, `CK_ULONG of ${bytes.length} bytes`);
  }
  let value = 0;
  for (let i = bytes.length - 1; i >= 0; i--) value = value * 256 + bytes[i]!;
  return value;
}

/** Bits of a big-endian unsigned integer (an RSA modulus): leading zero bytes and bits excluded. */
export function bitLength(bigEndian: Uint8Array): number {
  const first = bigEndian.findIndex((b) => b !== 0);
  if (first < 0) return 0;
  return (bigEndian.length - first - 1) * 8 + (32 - Math.clz32(bigEndian[first]!));
}

/** The bytes of attribute `type`; General Failure when the token did not return it. */
export function attrBytes(values: AttrValues, type: number): Uint8Array {
  const value = values.get(type);
  if (value === undefined || value === null) {
    throw new KmipError(
      ResultReason.GeneralFailure,
      `the token did not return ${ckaName(type)} of the key`,
    );
  }
  return value;
}

/** The kinds of key the relay handles. */
export type KeyKind = "RSA" | "EC" | "Ed25519";

/** CKK_* -> key kind. */
export function keyKindOf(keyType: number): KeyKind {
  if (keyType === CKK.RSA) return "RSA";
  if (keyType === CKK.EC) return "EC";
  if (keyType === CKK.EC_EDWARDS) return "Ed25519";
  throw kmipErrors.notSupported(`key type ${ckkName(keyType)} is not supported`);
}

/** Reads CKA_KEY_TYPE: the key exists (else Item Not Found) and is of a kind the relay handles. */
export async function readKeyKind(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<KeyKind> {
  const values = await client.getAttributes(token, ref, [CKA.KEY_TYPE]);
  return keyKindOf(ulongOf(attrBytes(values, CKA.KEY_TYPE)));
}

/** An Enumeration value for messages: its name in the enumeration of `tag`, else hex. */
export function enumText(tag: number, value: number): string {
  return enumForTag(tag)?.byValue.get(value) ?? hex32(value);
}

/** CKA_MODULUS of an RSA key (public on private keys too), big-endian. */
export async function readModulus(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<Uint8Array> {
  const values = await client.getAttributes(token, ref, [CKA.MODULUS]);
  return attrBytes(values, CKA.MODULUS);
}

/** Looks the object up (Item Not Found when it does not exist), whatever its key type. */
export async function requireExisting(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<void> {
  await client.getAttributes(token, ref, [CKA.KEY_TYPE]);
}
