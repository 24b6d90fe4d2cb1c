/**
 * The Digest attribute of a secret key (KMIP 1.4 section 3.17: the hash of the key material
 * in its Raw Key Format Type), computed inside the token with C_DigestKey, so a sensitive
 * key's value never leaves it. A token that will not digest the key (CKR_KEY_INDIGESTIBLE,
 * the mechanism or function not supported) gives no Digest: nothing is invented. Any other
 * failure fails the request rather than silently dropping the attribute.
 */
import { HashingAlgorithm, KeyFormatType } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKM, CKR } from "../pkcs11/constants.js";
import { Pkcs11Error } from "../pkcs11/errors.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";

/** What a token answers when it will not digest a key. */
const REFUSALS: ReadonlySet<number> = new Set([
  CKR.KEY_INDIGESTIBLE,
  CKR.FUNCTION_NOT_SUPPORTED,
  CKR.MECHANISM_INVALID,
  CKR.KEY_FUNCTION_NOT_PERMITTED,
]);

/** Digest{SHA-256, C_DigestKey of the key, Raw}, or undefined when the token refuses. */
export async function secretKeyDigest(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<TtlvItem | undefined> {
  const value = await client.digestKey(token, ref, { type: CKM.SHA256 }).catch((err: unknown) => {
    if (err instanceof Pkcs11Error && REFUSALS.has(err.ckr)) return undefined;
    throw err;
  });
  if (value === undefined) return undefined;
  return build.structure(Tag.Digest, [
    build.enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
    build.byteString(Tag.DigestValue, value),
    build.enumeration(Tag.KeyFormatType, KeyFormatType.Raw),
  ]);
}
