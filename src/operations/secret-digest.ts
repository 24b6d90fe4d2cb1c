/**
 * The Digest attribute of a secret key (KMIP 1.4 section 3.17: the hash of the key material
 * in its Raw Key Format Type), computed inside the token with C_DigestKey, so a sensitive
 * key's value never leaves it. A token that will not digest the key (CKR_KEY_INDIGESTIBLE,
 * or any other refusal) gives no Digest: nothing is invented.
 */
import { HashingAlgorithm, KeyFormatType } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKM } from "../pkcs11/constants.js";
import { Pkcs11Error } from "../pkcs11/errors.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";

/** Digest{SHA-256, C_DigestKey of the key, Raw}, or undefined when the token refuses. */
export async function secretKeyDigest(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<TtlvItem | undefined> {
  const value = await client.digestKey(token, ref, { type: CKM.SHA256 }).catch((err: unknown) => {
    if (err instanceof Pkcs11Error) return undefined;
    throw err;
  });
  if (value === undefined) return undefined;
  return build.structure(Tag.Digest, [
    build.enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
    build.byteString(Tag.DigestValue, value),
    build.enumeration(Tag.KeyFormatType, KeyFormatType.Raw),
  ]);
}
