/**
 * KMIP Unique Identifiers of token keys, compatible with the incumbent relay: the upper-case
 * hex of the key's CKA_ID, then `_pub` (public key) or `_priv` (private key). Both halves of
 * a pair share one CKA_ID. A UID without a suffix is taken whole as the hex CKA_ID of a public
 * key. Secret (symmetric) keys, which the incumbent does not create, take `_sec` in the same
 * style. Anything else names no object: Item Not Found.
 */
import { randomBytes } from "node:crypto";
import { kmipErrors } from "../kmip/errors.js";
import { CKO } from "../pkcs11/constants.js";
import type { ObjectRef } from "../pkcs11/types.js";

/** Which key a UID names: one half of a key pair, or a secret key. */
export type KeyHalf = "public" | "private" | "secret";

const SUFFIX: Readonly<Record<KeyHalf, string>> = {
  public: "_pub",
  private: "_priv",
  secret: "_sec",
};

/** Length of the CKA_ID that Create Key Pair generates (160 bits, as the incumbent). */
export const KEY_ID_BYTES = 20;

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

/** A fresh random CKA_ID for a new key pair or secret key. */
export function newKeyId(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_ID_BYTES));
}

/** The UID of the key (`half` of a pair, or the secret key) whose CKA_ID is `id`. */
export function uidOf(id: Uint8Array, half: KeyHalf): string {
  return `${Buffer.from(id).toString("hex").toUpperCase()}${SUFFIX[half]}`;
}

/** A UID for messages: quoted, cut at 80 characters. */
export function shown(uid: string): string {
  return JSON.stringify(uid.length > 80 ? `${uid.slice(0, 80)}...` : uid);
}

/** UIDs whose ObjectRef is kept (the keys a relay signs with are few; oldest out first). */
const REF_CACHE_ENTRIES = 4096;
const refCache = new Map<string, ObjectRef>();

/**
 * The token object a UID names; Item Not Found when `uid` is not of this scheme. The result
 * is shared between callers (cached per UID: every Sign parses its key's UID twice, in the
 * lifecycle check and in the handler): never modify it or its `id`.
 */
export function refOf(uid: string): ObjectRef {
  const cached = refCache.get(uid);
  if (cached !== undefined) return cached;
  const ref = parseRef(uid);
  if (refCache.size >= REF_CACHE_ENTRIES) {
    const oldest = refCache.keys().next().value;
    if (oldest !== undefined) refCache.delete(oldest);
  }
  refCache.set(uid, ref);
  return ref;
}

function parseRef(uid: string): ObjectRef {
  let hex = uid;
  let cls: number = CKO.PUBLIC_KEY;
  if (uid.endsWith(SUFFIX.private)) {
    hex = uid.slice(0, -SUFFIX.private.length);
    cls = CKO.PRIVATE_KEY;
  } else if (uid.endsWith(SUFFIX.public)) {
    hex = uid.slice(0, -SUFFIX.public.length);
  } else if (uid.endsWith(SUFFIX.secret)) {
    hex = uid.slice(0, -SUFFIX.secret.length);
    cls = CKO.SECRET_KEY;
  }
  if (!HEX.test(hex)) {
    throw kmipErrors.notFound(`Unique Identifier ${shown(uid)}: no such object`);
  }
  return Object.freeze({ id: new Uint8Array(Buffer.from(hex, "hex")), cls });
}

/** The key an ObjectRef names. */
export function halfOf(ref: ObjectRef): KeyHalf {
  if (ref.cls === CKO.PRIVATE_KEY) return "private";
  return ref.cls === CKO.SECRET_KEY ? "secret" : "public";
}
