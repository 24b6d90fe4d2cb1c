/**
 * Create (KMIP 1.4 section 4.1, KMIP 2.1 section 6.1.9): C_GenerateKey of a token secret key
 * with a fresh random 20-byte CKA_ID, named `<HEX>_sec` (uid.ts).
 *
 * Request: Object Type (Symmetric Key), Template-Attribute (1.x) or Attributes (2.x) (see
 * secret-key-spec.ts). Response: Object Type, Unique Identifier (the same in 1.x and 2.x).
 *
 * AES keys: CKM_AES_KEY_GEN, CKK_AES. HMAC keys: CKM_GENERIC_SECRET_KEY_GEN,
 * CKK_GENERIC_SECRET (SoftHSM2 makes no CKK_SHA*_HMAC keys), with CKA_ALLOWED_MECHANISMS =
 * the one CKM_SHA*_HMAC, which records the algorithm (MAC and Get read it back) and keeps the
 * key to it. AES keys with a Cryptographic Parameters attribute naming a Block Cipher Mode
 * get the one CKM_AES_* it implies the same way (key-parameters.ts): Encrypt and Decrypt
 * without parameters use it (KMIP 1.4 section 4.29). Always CKA_TOKEN, CKA_PRIVATE; CKA_SENSITIVE true and CKA_EXTRACTABLE false
 * unless the request's Sensitive / Extractable say otherwise.
 *
 * Usage: CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP, CKA_UNWRAP, CKA_DERIVE are
 * set true or false from the Cryptographic Usage Mask (default: Encrypt|Decrypt for AES, MAC
 * Generate|MAC Verify for HMAC), so that the mask read back is the one asked for (SoftHSM2
 * defaults CKA_WRAP / CKA_UNWRAP to true). An HSM that refuses the explicit false of
 * CKA_WRAP / CKA_UNWRAP / CKA_DERIVE gets the template once more without them
 * (usage-template.ts).
 */
import { ObjectType, Operation } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import { CryptographicUsageMask } from "../kmip/masks.js";
import { Tag } from "../kmip/tags.js";
import { CKA, CKK, CKM, CKO } from "../pkcs11/constants.js";
import type { Attr, Mechanism } from "../pkcs11/types.js";
import { requireToken } from "./keys.js";
import { readSecretKeySpec, type SecretKeySpec } from "./secret-key-spec.js";
import type { OperationHandler } from "./types.js";
import { newKeyId, uidOf } from "./uid.js";
import { createWithUsageFallback, secretKeyUsage } from "./usage-template.js";

/** The PKCS#11 side of a secret key generation. */
export interface SecretKeyCall {
  readonly mechanism: Mechanism;
  readonly template: Attr[];
}

const M = CryptographicUsageMask;

/** A CK_MECHANISM_TYPE array (CKA_ALLOWED_MECHANISMS): CK_ULONGs, little-endian as keys.ts reads. */
export function mechanismList(types: readonly number[]): Uint8Array {
  const bytes = Buffer.alloc(8 * types.length);
  types.forEach((t, i) => {
    bytes.writeBigUInt64LE(BigInt(t), 8 * i);
  });
  return new Uint8Array(bytes);
}

/** Cryptographic Usage Mask -> the key's usage attributes. */
function usageAttributes(spec: SecretKeySpec): Attr[] {
  const defaults =
    spec.algorithm.kind === "AES" ? M.Encrypt | M.Decrypt : M.MACGenerate | M.MACVerify;
  // CKA_WRAP / CKA_UNWRAP / CKA_DERIVE false may be refused: createWithUsageFallback retries.
  return secretKeyUsage(spec.usage ?? defaults);
}

/** The mechanism and template for a request, with `id` as CKA_ID. */
export function secretKeyCall(spec: SecretKeySpec, id: Uint8Array): SecretKeyCall {
  const { algorithm } = spec;
  const aes = algorithm.kind === "AES";
  const template: Attr[] = [
    { type: CKA.CLASS, value: CKO.SECRET_KEY },
    { type: CKA.KEY_TYPE, value: aes ? CKK.AES : CKK.GENERIC_SECRET },
    { type: CKA.ID, value: id },
    { type: CKA.TOKEN, value: true },
    { type: CKA.PRIVATE, value: true },
    { type: CKA.SENSITIVE, value: spec.sensitive },
    { type: CKA.EXTRACTABLE, value: spec.extractable },
    { type: CKA.VALUE_LEN, value: algorithm.bytes },
    ...(spec.label === undefined ? [] : [{ type: CKA.LABEL, value: spec.label }]),
    ...usageAttributes(spec),
  ];
  const kept = algorithm.kind === "HMAC" ? algorithm.hmac.ckm : spec.mechanism;
  if (kept !== undefined) {
    template.push({ type: CKA.ALLOWED_MECHANISMS, value: mechanismList([kept]) });
  }
  const mechanism = { type: aes ? CKM.AES_KEY_GEN : CKM.GENERIC_SECRET_KEY_GEN };
  return { mechanism, template };
}

/** The Create handler. */
export const create: OperationHandler = {
  operation: Operation.Create,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Create");
    const spec = readSecretKeySpec(payload);
    const id = newKeyId();
    const call = secretKeyCall(spec, id);
    await createWithUsageFallback([call.template], async ([template]) => {
      await ctx.client.generateKey(token, call.mechanism, template ?? call.template);
    });
    const uid = uidOf(id, "secret");
    return {
      uid,
      payload: [
        build.enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
        build.textString(Tag.UniqueIdentifier, uid),
      ],
    };
  },
};
