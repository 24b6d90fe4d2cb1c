/**
 * A signing key's Cryptographic Parameters attribute (KMIP 1.4 section 3.6) kept on the
 * token as CKA_ALLOWED_MECHANISMS, and read back as the default of Sign and Signature Verify
 * requests without parameters (KMIP 1.4 sections 4.31-4.32). The list holds the mechanisms
 * sign.ts uses for the parameters, for a message and for Digested Data:
 *
 * | Cryptographic Parameters          | CKA_ALLOWED_MECHANISMS               |
 * |-----------------------------------|--------------------------------------|
 * | RSA, Padding PSS, Hashing SHA-x   | CKM_SHAx_RSA_PKCS_PSS, CKM_RSA_PKCS_PSS |
 * | RSA, Padding PKCS1 v1.5, SHA-x    | CKM_SHAx_RSA_PKCS, CKM_RSA_PKCS       |
 * | ECDSA with SHA-x                  | CKM_ECDSA, CKM_ECDSA_SHAx (the marker of the hash) |
 *
 * (SHA-x: SHA-256 unless the parameters name SHA-384 or SHA-512.) Register calls
 * {@link signMechanismsFor}; Sign and Signature Verify call {@link keySignParameters} when the
 * request names none ({@link namesAnyParameter}).
 */
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKA, CKM } from "../pkcs11/constants.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import { DEFAULT_HASH, HASHES, type HashSpec } from "./algorithms.js";
import { attrBytes, type KeyKind, keyKindOf, ulongOf } from "./keys.js";
import { mechanismsOf } from "./secret-key.js";
import type { SignParameters } from "./sign-plan.js";

/** CKM_ECDSA_SHA* by hash (KMIP Hashing Algorithm), as markers of an EC key's hash. */
const ECDSA_BY_HASH: ReadonlyMap<string, number> = new Map([
  ["SHA-256", CKM.ECDSA_SHA256],
  ["SHA-384", CKM.ECDSA_SHA384],
  ["SHA-512", CKM.ECDSA_SHA512],
]);

/**
 * The mechanisms to keep a key of `kind` to, for parameters that name a padding (RSA) or a
 * hash; undefined when they name neither (nothing to record).
 */
export function signMechanismsFor(params: SignParameters, kind: KeyKind): number[] | undefined {
  if (params.padding === undefined && params.hash === undefined) return undefined;
  const hash = params.hash ?? DEFAULT_HASH;
  if (kind === "RSA") {
    return params.padding === "PSS"
      ? [hash.rsaPss, CKM.RSA_PKCS_PSS]
      : [hash.rsaPkcs, CKM.RSA_PKCS];
  }
  if (kind === "EC") {
    const marker = ECDSA_BY_HASH.get(hash.name);
    return marker === undefined ? undefined : [CKM.ECDSA, marker];
  }
  return undefined;
}

/** What a CKA_ALLOWED_MECHANISMS list says of padding and hash (empty: nothing). */
export function signParametersOfMechanisms(list: readonly number[]): SignParameters {
  const has = (ckm: number) => list.includes(ckm);
  const pss = HASHES.find((h: HashSpec) => has(h.rsaPss));
  if (pss !== undefined) return { kind: "RSA", padding: "PSS", hash: pss };
  const pkcs = HASHES.find((h: HashSpec) => has(h.rsaPkcs));
  if (pkcs !== undefined) return { kind: "RSA", padding: "PKCS1", hash: pkcs };
  const ecdsa = HASHES.find((h) => {
    const marker = ECDSA_BY_HASH.get(h.name);
    return marker !== undefined && has(marker);
  });
  return ecdsa === undefined ? {} : { kind: "EC", hash: ecdsa };
}

/** Whether the request's parameters say anything (else the key's own apply). */
export function namesAnyParameter(given: SignParameters): boolean {
  return (
    given.kind !== undefined ||
    given.hash !== undefined ||
    given.padding !== undefined ||
    given.saltLength !== undefined ||
    given.mgfHash !== undefined
  );
}

/**
 * The key's sign parameters: its kind (CKA_KEY_TYPE, Item Not Found when there is no key) and
 * what its CKA_ALLOWED_MECHANISMS record, in one read.
 */
export async function keySignParameters(
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<SignParameters> {
  const values = await client.getAttributes(token, ref, [CKA.KEY_TYPE, CKA.ALLOWED_MECHANISMS]);
  const kind = keyKindOf(ulongOf(attrBytes(values, CKA.KEY_TYPE)));
  const recorded = signParametersOfMechanisms(mechanismsOf(values.get(CKA.ALLOWED_MECHANISMS)));
  return recorded.kind === kind ? recorded : { kind };
}
