/**
 * Signature Verify with parameters other than the ones a key was registered with. KMIP 1.4
 * section 3.6: a key's Cryptographic Parameters attribute is the default of operations that
 * name none, not a ban on others. The relay keeps it as CKA_ALLOWED_MECHANISMS
 * (sign-key-parameters.ts), which makes the token refuse any other mechanism at
 * C_VerifyInit (CKR_MECHANISM_INVALID). Checking a signature needs no secret: for such a
 * public key the relay reads the key's public material from the token (public-key.ts) and
 * checks the signature with node:crypto under the parameters asked for (e.g. the OASIS
 * CS-AC-M-3 cases: a key registered for RSA-PSS with SHA-256, checked with SHA-1: Invalid).
 *
 * Covered: messages (not Digested Data) signed with RSA PKCS#1 v1.5, RSA-PSS with MGF1 of the
 * same hash (any salt length when the request names none: RFC 8017 section 9.1.2 recovers
 * it), ECDSA (DER SEQUENCE{r, s}). Anything else: the token's refusal stands.
 */
import { constants, verify } from "node:crypto";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA, CKR } from "../pkcs11/constants.js";
import { Pkcs11Error } from "../pkcs11/errors.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import { keyObjectOf, readPublicKey } from "./public-key.js";
import { mechanismsOf } from "./secret-key.js";
import type { SignInput } from "./sign.js";
import type { SignPlan } from "./sign-plan.js";

/** The token refused the mechanism at C_VerifyInit. */
export function isMechanismRefused(err: unknown): err is Pkcs11Error {
  return (
    err instanceof Pkcs11Error && err.fn === "C_VerifyInit" && err.ckr === CKR.MECHANISM_INVALID
  );
}

/** Whether the key is kept to a list of mechanisms without `ckm` (its recorded parameters). */
export async function keptToOthers(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
  ckm: number,
): Promise<boolean> {
  const values = await client.getAttributes(token, ref, [CKA.ALLOWED_MECHANISMS]);
  const list = mechanismsOf(values.get(CKA.ALLOWED_MECHANISMS));
  return list.length > 0 && !list.includes(ckm);
}

/** node:crypto's verify options for the plan, or undefined when it cannot check it. */
function optionsFor(plan: SignPlan, saltGiven: boolean) {
  if (plan.kind === "RSA" && plan.padding === "PKCS1") {
    return { hash: plan.hash.node, padding: constants.RSA_PKCS1_PADDING };
  }
  if (plan.kind === "RSA" && plan.mgfHash.kmip === plan.hash.kmip) {
    return {
      hash: plan.hash.node,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: saltGiven ? plan.saltLength : constants.RSA_PSS_SALTLEN_AUTO,
    };
  }
  if (plan.kind === "EC") return { hash: plan.hash.node, dsaEncoding: "der" as const };
  return undefined;
}

/**
 * The signature checked with the key's public material, or undefined when this plan or input
 * is not covered (the caller then reports the token's refusal).
 */
export async function verifyWithPublicMaterial(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
  plan: SignPlan,
  saltGiven: boolean,
  input: SignInput,
  signature: Uint8Array,
): Promise<boolean | undefined> {
  const options = optionsFor(plan, saltGiven);
  if (options === undefined || input.digested) return undefined;
  const key = keyObjectOf(await readPublicKey(client, token, ref));
  const { hash, ...rest } = options;
  return verify(hash, input.data, { key, ...rest }, signature);
}
