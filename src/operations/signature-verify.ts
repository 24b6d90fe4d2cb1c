/**
 * Signature Verify (KMIP 1.4 section 4.32, KMIP 2.1 section 6.1.52): C_VerifyInit + C_Verify
 * with the public key, for every signature Sign makes (sign.ts, sign-plan.ts: the same
 * Cryptographic Parameters, defaults and mechanisms).
 *
 * Request: Unique Identifier, Cryptographic Parameters?, Data or Digested Data, Signature
 * Data. Response: Unique Identifier (as requested), Validity Indicator Valid or Invalid.
 *
 * The Unique Identifier may name the public key (`_pub`, or bare hex) or the private key
 * (`_priv`): then the public key of the same pair (same CKA_ID) verifies, since PKCS#11
 * verifies with public keys; without it on the token: Item Not Found. Secret keys: Permission
 * Denied (HMACs are checked by MAC Verify).
 *
 * RSA-PSS without a Salt Length in the request: the hash length, as Sign, then the largest salt
 * the key allows (verifyWithMaxSalt).
 *
 * Hashing Algorithm SHA-1 is accepted here (not by Sign). Parameters other than the ones the
 * key was registered with, which the token refuses for it, are checked with the key's public
 * material (verify-public.ts).
 *
 * DSA (parameters naming it, a key Register made from Transparent DSA Public Key):
 * verify-dsa.ts.
 *
 * ECDSA: Signature Data is the DER SEQUENCE{r, s} that Sign returns; it becomes PKCS#11's
 * r||s for the key's curve (CKA_EC_PARAMS), and a message is hashed here as for Sign. A
 * signature that is not such a DER value is Invalid.
 */
import { Operation, ValidityIndicator } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { build, optional, optionalStruct } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA, CKO } from "../pkcs11/constants.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import { curveByParams, DEFAULT_HASH } from "./algorithms.js";
import { ecdsaDerToRaw } from "./der.js";
import {
  attrBytes,
  type KeyKind,
  readKeyKind,
  readModulus,
  requireKey,
  requireToken,
} from "./keys.js";
import {
  maxPssSaltLength,
  readSignInput,
  type SignCall,
  type SignInput,
  signCall,
} from "./sign.js";
import { keySignParameters, namesAnyParameter } from "./sign-key-parameters.js";
import { planFor, readSignParameters, type SignParameters, type SignPlan } from "./sign-plan.js";
import { refuseMultiPart } from "./single-part.js";
import type { OperationHandler } from "./types.js";
import { halfOf, shown } from "./uid.js";
import { namesDsa, verifyDsa } from "./verify-dsa.js";
import { isMechanismRefused, keptToOthers, verifyWithPublicMaterial } from "./verify-public.js";

const OP = "Signature Verify";

/** The public key that verifies for the key a UID names. */
function verifyingKey(uid: string, ref: ObjectRef): ObjectRef {
  const half = halfOf(ref);
  if (half === "secret") {
    throw kmipErrors.permissionDenied(
      `${OP}: ${shown(uid)} is a secret key; verify a MAC with MAC Verify`,
    );
  }
  return half === "private" ? { id: ref.id, cls: CKO.PUBLIC_KEY } : ref;
}

/** The curve's coordinate size of an EC key (CKA_EC_PARAMS). */
async function coordinateBytes(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<number> {
  const params = attrBytes(await client.getAttributes(token, ref, [CKA.EC_PARAMS]), CKA.EC_PARAMS);
  const curve = curveByParams(params);
  if (curve === undefined) {
    throw kmipErrors.notSupported(
      `${OP}: the key's curve (CKA_EC_PARAMS ${Buffer.from(params).toString("hex")}) is not supported`,
    );
  }
  return curve.coordinateBytes;
}

/**
 * A signature found invalid under parameters that named an algorithm: when the key is of
 * another kind (SoftHSM2 then just reports an invalid signature), the request is at fault.
 */
async function checkKind(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
  asked: KeyKind,
): Promise<void> {
  const actual = await readKeyKind(client, token, ref).catch(() => asked);
  if (actual !== asked) {
    throw kmipErrors.invalidField(
      `${OP}: Cryptographic Parameters ask for ${asked} but the key is ${actual}`,
    );
  }
}

/**
 * RSA-PSS without a Salt Length: Sign uses the hash length, but many signers (e.g. Python's
 * cryptography with PSS.MAX_LENGTH, as in the OASIS test cases) use the largest salt the key
 * allows, emLen - hLen - 2 (RFC 8017 section 9.1.1). PKCS#11 cannot recover the salt length,
 * so a signature that failed with the hash length is tried once more with the largest.
 */
async function verifyWithMaxSalt(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
  params: SignParameters,
  input: SignInput,
  signature: Uint8Array,
): Promise<boolean> {
  // A modulus the token does not give: no second try (the first answer stands).
  const modulus = await readModulus(client, token, ref).catch(() => undefined);
  if (modulus === undefined) return false;
  const hashLength = (params.hash ?? DEFAULT_HASH).length;
  const saltLength = maxPssSaltLength(modulus, hashLength);
  if (saltLength <= hashLength) return false;
  const call = signCall(planFor({ ...params, saltLength }, "RSA"), input, OP);
  return client.verify(token, ref, call.mechanism, call.data, signature);
}

/**
 * C_VerifyInit + C_Verify; a mechanism the key's recorded Cryptographic Parameters keep it
 * from is checked with its public material instead (verify-public.ts). `checked` says which.
 */
async function verifyOnToken(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
  plan: SignPlan,
  call: SignCall,
  request: { saltGiven: boolean; input: SignInput; signature: Uint8Array },
  tokenSignature: Uint8Array,
): Promise<{ valid: boolean; checked: "token" | "material" }> {
  try {
    const valid = await client.verify(token, ref, call.mechanism, call.data, tokenSignature);
    return { valid, checked: "token" };
  } catch (err) {
    if (
      !isMechanismRefused(err) ||
      !(await keptToOthers(client, token, ref, call.mechanism.type))
    ) {
      throw err;
    }
    const { saltGiven, input, signature } = request;
    const valid = await verifyWithPublicMaterial(
      client,
      token,
      ref,
      plan,
      saltGiven,
      input,
      signature,
    );
    if (valid === undefined) throw err;
    return { valid, checked: "material" };
  }
}

function response(uid: string, valid: boolean) {
  return {
    uid,
    payload: [
      build.textString(Tag.UniqueIdentifier, uid),
      build.enumeration(
        Tag.ValidityIndicator,
        valid ? ValidityIndicator.Valid : ValidityIndicator.Invalid,
      ),
    ],
  };
}

/** The Signature Verify handler. */
export const signatureVerify: OperationHandler = {
  operation: Operation.SignatureVerify,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, OP);
    const { uid, ref: named } = requireKey(payload);
    const ref = verifyingKey(uid, named);
    refuseMultiPart(payload, OP, "verification");
    const input = readSignInput(payload, OP);
    const signature = optional(payload, Tag.SignatureData, "ByteString");
    if (signature === undefined) throw kmipErrors.missingData(`${OP}: Signature Data is required`);
    const given = optionalStruct(payload, Tag.CryptographicParameters);
    if (given !== undefined && namesDsa(given)) {
      return response(uid, await verifyDsa(ctx.client, token, ref, given, input, signature));
    }
    const requested = readSignParameters(given, "verify");
    const params = namesAnyParameter(requested)
      ? requested
      : await keySignParameters(ctx.client, token, ref);
    const kind = params.kind ?? (await readKeyKind(ctx.client, token, ref));
    const plan = planFor(params, kind);
    const call = signCall(plan, input, OP);
    let tokenSignature: Uint8Array | undefined = signature;
    if (call.derEncode) {
      tokenSignature = ecdsaDerToRaw(signature, await coordinateBytes(ctx.client, token, ref));
    }
    const request = { saltGiven: params.saltLength !== undefined, input, signature };
    const outcome =
      tokenSignature === undefined
        ? { valid: false, checked: "token" }
        : await verifyOnToken(ctx.client, token, ref, plan, call, request, tokenSignature);
    let valid = outcome.valid;
    if (
      !valid &&
      outcome.checked === "token" &&
      plan.kind === "RSA" &&
      plan.padding === "PSS" &&
      params.saltLength === undefined
    ) {
      valid = await verifyWithMaxSalt(
        ctx.client,
        token,
        ref,
        { ...params, kind },
        input,
        signature,
      );
    }
    if (!valid && params.kind !== undefined) await checkKind(ctx.client, token, ref, params.kind);
    return response(uid, valid);
  },
};
