/**
 * Create Key Pair (KMIP 1.4 section 4.2, KMIP 2.1 section 6.1.10): C_GenerateKeyPair of a
 * token key pair sharing a fresh random 20-byte CKA_ID.
 *
 * Request: Common, Private Key and Public Key Template-Attribute (1.x) or Attributes (2.x)
 * (see key-pair-spec.ts). Response: Private Key Unique Identifier, Public Key Unique
 * Identifier (the UIDs of uid.ts).
 *
 * Both keys are token objects (CKA_TOKEN); the private key is CKA_PRIVATE, CKA_SENSITIVE
 * and not CKA_EXTRACTABLE. Without a Cryptographic Usage Mask the keys get CKA_SIGN /
 * CKA_VERIFY. Usage attributes not asked for (CKA_WRAP, CKA_UNWRAP, CKA_DERIVE) are set false,
 * so Get Attributes reports the mask the client asked for, not the token's defaults (SoftHSM2
 * allows wrap/unwrap); an HSM that refuses an explicit false (YubiHSM: CKA_UNWRAP false) gets
 * one retry without those values (usage-template.ts).
 */

import { Operation } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import { CryptographicUsageMask } from "../kmip/masks.js";
import { Tag } from "../kmip/tags.js";
import { CKA, CKK, CKM, CKO } from "../pkcs11/constants.js";
import type { Attr, Mechanism } from "../pkcs11/types.js";
import { ED25519_OID, RSA_PUBLIC_EXPONENT } from "./algorithms.js";
import { type KeyPairAlgorithm, type KeySettings, readKeyPairSpec } from "./key-pair-spec.js";
import { requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";
import { newKeyId, uidOf } from "./uid.js";
import { createWithUsageFallback, privateKeyUsage, publicKeyUsage } from "./usage-template.js";

/** The PKCS#11 side of a key pair generation. */
export interface KeyPairCall {
  readonly mechanism: Mechanism;
  readonly publicTemplate: Attr[];
  readonly privateTemplate: Attr[];
}

const M = CryptographicUsageMask;

/** Key type, generation mechanism and the public key's algorithm attributes. */
function algorithmAttributes(algorithm: KeyPairAlgorithm): {
  keyType: number;
  mechanism: Mechanism;
  publicExtra: Attr[];
} {
  switch (algorithm.kind) {
    case "RSA":
      return {
        keyType: CKK.RSA,
        mechanism: { type: CKM.RSA_PKCS_KEY_PAIR_GEN },
        publicExtra: [
          { type: CKA.MODULUS_BITS, value: algorithm.bits },
          { type: CKA.PUBLIC_EXPONENT, value: RSA_PUBLIC_EXPONENT },
        ],
      };
    case "EC":
      return {
        keyType: CKK.EC,
        mechanism: { type: CKM.EC_KEY_PAIR_GEN },
        publicExtra: [{ type: CKA.EC_PARAMS, value: algorithm.curve.oid }],
      };
    case "Ed25519":
      return {
        keyType: CKK.EC_EDWARDS,
        mechanism: { type: CKM.EC_EDWARDS_KEY_PAIR_GEN },
        publicExtra: [{ type: CKA.EC_PARAMS, value: ED25519_OID }],
      };
  }
}

function label(settings: KeySettings): Attr[] {
  return settings.label === undefined ? [] : [{ type: CKA.LABEL, value: settings.label }];
}

/** The mechanism and both templates for a request, with `id` as CKA_ID of both keys. */
export function keyPairCall(spec: ReturnType<typeof readKeyPairSpec>, id: Uint8Array): KeyPairCall {
  const { keyType, mechanism, publicExtra } = algorithmAttributes(spec.algorithm);
  const publicTemplate: Attr[] = [
    { type: CKA.CLASS, value: CKO.PUBLIC_KEY },
    { type: CKA.KEY_TYPE, value: keyType },
    { type: CKA.ID, value: id },
    { type: CKA.TOKEN, value: true },
    ...label(spec.public),
    ...publicKeyUsage(spec.public.usage ?? M.Verify),
    ...publicExtra,
  ];
  const privateTemplate: Attr[] = [
    { type: CKA.CLASS, value: CKO.PRIVATE_KEY },
    { type: CKA.KEY_TYPE, value: keyType },
    { type: CKA.ID, value: id },
    { type: CKA.TOKEN, value: true },
    { type: CKA.PRIVATE, value: true },
    { type: CKA.SENSITIVE, value: true },
    { type: CKA.EXTRACTABLE, value: false },
    ...label(spec.private),
    // CKA_UNWRAP / CKA_DERIVE false may be refused (YubiHSM): createWithUsageFallback retries.
    ...privateKeyUsage(spec.private.usage ?? M.Sign),
  ];
  return { mechanism, publicTemplate, privateTemplate };
}

/** The Create Key Pair handler. */
export const createKeyPair: OperationHandler = {
  operation: Operation.CreateKeyPair,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Create Key Pair");
    const spec = readKeyPairSpec(payload, ctx.options?.allowRsa1024 === true);
    const id = newKeyId();
    const call = keyPairCall(spec, id);
    await createWithUsageFallback(
      [call.publicTemplate, call.privateTemplate],
      async ([publicTemplate, privateTemplate]) => {
        await ctx.client.generateKeyPair(
          token,
          call.mechanism,
          publicTemplate ?? call.publicTemplate,
          privateTemplate ?? call.privateTemplate,
        );
      },
    );
    const privateUid = uidOf(id, "private");
    return {
      uid: privateUid,
      payload: [
        build.textString(Tag.PrivateKeyUniqueIdentifier, privateUid),
        build.textString(Tag.PublicKeyUniqueIdentifier, uidOf(id, "public")),
      ],
    };
  },
};
