/**
 * KMIP Unique Identifiers of token keys, compatible with the incumbent relay: the upper-case
 * hex of the key's CKA_ID, then `_pub` (public key) or `_priv` (private key). Both halves of
 * a pair share one CKA_ID. A UID without a suffix is taken whole as the hex CKA_ID of a public
 * key. Anything else names no object: Item Not Found.
 */
import { randomBytes } from "node:crypto";
import { kmipErrors } from "../kmip/errors.js";
import { CKO } from "../pkcs11/constants.js";
import type { ObjectRef } from "../pkcs11/types.js";

/** Which half of a key pair a UID names. */
export type KeyHalf = "public" | "private";

const SUFFIX: Readonly<Record<KeyHalf, string>> = { public: "_pub", private: "_priv" };

/** Length of the CKA_ID that Create Key Pair generates (160 bits, as the incumbent). */
export const KEY_ID_BYTES = 20;

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/** A fresh random CKA_ID for a new key pair. */
export function newKeyId(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_ID_BYTES));
}

/** The UID of one half of the key pair whose CKA_ID is `id`. */
export function uidOf(id: Uint8Array, half: KeyHalf): string {
  return `${Buffer.from(id).toString("hex").toUpperCase()}${SUFFIX[half]}`;
}

/** A UID for messages: quoted, cut at 80 characters. */
export function shown(uid: string): string {
  return JSON.stringify(uid.length > 80 ? `${uid.slice(0, 80)}...` : uid);
}

/** The token object a UID names; Item Not Found when `uid` is not of this scheme. */
export function refOf(uid: string): ObjectRef {
  let hex = uid;
  let cls: number = CKO.PUBLIC_KEY;
  if (uid.endsWith(SUFFIX.private)) {
    hex = uid.slice(0, -SUFFIX.private.length);
    cls = CKO.PRIVATE_KEY;
  } else if (uid.endsWith(SUFFIX.public)) {
    hex = uid.slice(0, -SUFFIX.public.length);
  }
  if (!HEX.test(hex)) {
    throw kmipErrors.notFound(`Unique Identifier ${shown(uid)}: no such object`);
  }
  return { id: new Uint8Array(Buffer.from(hex, "hex")), cls };
}

/** The half of a pair an ObjectRef names. */
export function halfOf(ref: ObjectRef): KeyHalf {
  return ref.cls === CKO.PRIVATE_KEY ? "private" : "public";
}
