/**
 * A secret key's cipher when the request does not name it. Encrypt and Decrypt take a secret
 * key to be AES unless the Cryptographic Parameters name DES3 or the key is kept to a DES3
 * mode (cipher-plan.ts): reading the key type before every AES call would cost a PKCS#11 round
 * trip. A DES3 key asked for a mode without an algorithm (the OASIS CS-BC-M-4-12-3DES case:
 * Block Cipher Mode ECB only) then fails at C_EncryptInit / C_DecryptInit with
 * CKR_KEY_TYPE_INCONSISTENT; {@link planForKeyType} reads the key type once and gives the plan
 * to try again with, so that only that refused call pays for the read.
 */
import { CryptographicAlgorithm } from "../kmip/enums.js";
import { build, optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA, CKK, CKR } from "../pkcs11/constants.js";
import { Pkcs11Error } from "../pkcs11/errors.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { type CipherOperation, type CipherPlan, cipherPlan } from "./cipher-plan.js";
import { attrBytes, ulongOf } from "./keys.js";

/** The request's parameters with Cryptographic Algorithm `algorithm` added. */
function naming(params: TtlvItem | undefined, algorithm: number): TtlvItem {
  const items = params?.type === "Structure" ? params.value : [];
  return build.structure(Tag.CryptographicParameters, [
    ...items,
    build.enumeration(Tag.CryptographicAlgorithm, algorithm),
  ]);
}

/**
 * After `err` from the first call of an AES ECB/CBC `plan` for a secret key whose request named
 * no Cryptographic Algorithm: the plan for the key's real cipher (DES3) when the token refused
 * the key's type; undefined when this does not apply (the caller then explains `err`).
 */
export async function planForKeyType(
  err: unknown,
  op: CipherOperation,
  plan: CipherPlan,
  params: TtlvItem | undefined,
  keyMechanism: number | undefined,
  key: { client: Pkcs11Client; token: TokenSelector; ref: ObjectRef },
  version?: { readonly major: number },
): Promise<CipherPlan | undefined> {
  const refused =
    err instanceof Pkcs11Error && err.fn.endsWith("Init") && err.ckr === CKR.KEY_TYPE_INCONSISTENT;
  if (!refused || (plan.kind !== "ECB" && plan.kind !== "CBC") || plan.cipher.name !== "AES") {
    return undefined;
  }
  if (
    params !== undefined &&
    optional(params, Tag.CryptographicAlgorithm, "Enumeration") !== undefined
  ) {
    return undefined;
  }
  const values = await key.client.getAttributes(key.token, key.ref, [CKA.KEY_TYPE]);
  if (ulongOf(attrBytes(values, CKA.KEY_TYPE)) !== CKK.DES3) return undefined;
  const des3 = naming(params, CryptographicAlgorithm.DES3);
  return cipherPlan(op, "secret", des3, keyMechanism, version);
}
