/**
 * Sign (KMIP 1.4 section 4.31, KMIP 2.1 section 6.1.51): C_SignInit + C_Sign with the
 * private key the Unique Identifier names.
 *
 * Request: Unique Identifier, Cryptographic Parameters?, Data (the unhashed message) or
 * Digested Data (already hashed). Response: Unique Identifier, Signature Data.
 *
 * Mechanisms (hash H of SHA-256/384/512; SHA-256 when none is named):
 * - RSA PKCS#1 v1.5: CKM_SHA<H>_RSA_PKCS over Data; CKM_RSA_PKCS over DigestInfo(digest);
 * - RSA PSS: CKM_SHA<H>_RSA_PKCS_PSS over Data; CKM_RSA_PKCS_PSS over the digest;
 *   CK_RSA_PKCS_PSS_PARAMS{H, MGF1 of H (or the Mask Generator Hashing Algorithm), salt =
 *   Salt Length or H's length};
 * - ECDSA: CKM_ECDSA over H(Data) hashed here (SoftHSM2 has no CKM_ECDSA_SHA*) or over the
 *   digest; PKCS#11's r||s is returned as DER SEQUENCE{r, s} (what Cascade's client parses);
 * - Ed25519: CKM_EDDSA (pure) over Data; Digested Data is refused.
 * Without Cryptographic Algorithm (or a Digital Signature Algorithm implying one) the key's
 * type is read from the token (CKA_KEY_TYPE).
 */
import { hash } from "node:crypto";
import { Operation, ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { build, type ItemOf, optional, optionalStruct } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKM } from "../pkcs11/constants.js";
import { ObjectNotFoundError, Pkcs11Error } from "../pkcs11/errors.js";
import type { Mechanism, ObjectRef, TokenSelector } from "../pkcs11/types.js";
import { ecdsaSignatureToDer } from "./der.js";
import { bitLength, readKeyKind, readModulus, requireKey, requireToken } from "./keys.js";
import { keySignParameters, namesAnyParameter } from "./sign-key-parameters.js";
import { planFor, readSignParameters, type SignPlan } from "./sign-plan.js";
import { refuseMultiPart } from "./single-part.js";
import type { OperationHandler } from "./types.js";
import { halfOf, shown } from "./uid.js";

/** What is signed: the message itself, or its digest. */
export interface SignInput {
  readonly digested: boolean;
  readonly data: Uint8Array;
}

/** The PKCS#11 call for a plan and input. */
export interface SignCall {
  readonly mechanism: Mechanism;
  readonly data: Uint8Array;
  /** Whether the token's r||s output becomes DER. */
  readonly derEncode: boolean;
}

/** The request's Data or Digested Data (exactly one), for `op` (Sign, Signature Verify). */
export function readSignInput(payload: ItemOf<"Structure">, op: string): SignInput {
  const data = optional(payload, Tag.Data, "ByteString");
  const digest = optional(payload, Tag.DigestedData, "ByteString");
  if (data !== undefined && digest !== undefined) {
    throw kmipErrors.invalidField(`${op}: give Data or Digested Data, not both`);
  }
  if (digest !== undefined) return { digested: true, data: digest };
  if (data === undefined) throw kmipErrors.missingData(`${op}: Data or Digested Data is required`);
  return { digested: false, data };
}

/** Sizes of the digests ECDSA signs when the request names no hash (SHA-224 to SHA-512). */
const EC_DIGEST_LENGTHS: ReadonlySet<number> = new Set([28, 32, 48, 64]);

function checkDigestLength(input: SignInput, expected: number, hashName: string, op: string): void {
  if (input.data.length !== expected) {
    throw kmipErrors.invalidField(
      `${op}: Digested Data is ${input.data.length} bytes, a ${hashName} digest is ${expected}`,
    );
  }
}

/** The mechanism and bytes handed to C_Sign (or C_Verify: `op` names the operation). */
export function signCall(plan: SignPlan, input: SignInput, op = "Sign"): SignCall {
  switch (plan.kind) {
    case "RSA": {
      const { hash } = plan;
      if (input.digested) checkDigestLength(input, hash.length, hash.name, op);
      if (plan.padding === "PSS") {
        const parameter = { hashAlg: hash.ckm, mgf: plan.mgfHash.mgf, saltLen: plan.saltLength };
        const type = input.digested ? CKM.RSA_PKCS_PSS : hash.rsaPss;
        return { mechanism: { type, parameter }, data: input.data, derEncode: false };
      }
      if (!input.digested)
        return { mechanism: { type: hash.rsaPkcs }, data: input.data, derEncode: false };
      const digestInfo = new Uint8Array([...hash.digestInfoPrefix, ...input.data]);
      return { mechanism: { type: CKM.RSA_PKCS }, data: digestInfo, derEncode: false };
    }
    case "EC": {
      if (input.digested && plan.hashGiven)
        checkDigestLength(input, plan.hash.length, plan.hash.name, op);
      if (input.digested && !EC_DIGEST_LENGTHS.has(input.data.length)) {
        throw kmipErrors.invalidField(
          `${op}: Digested Data is ${input.data.length} bytes, not a SHA-224/256/384/512 digest`,
        );
      }
      const digest = input.digested ? input.data : digestOf(plan.hash.node, input.data);
      return { mechanism: { type: CKM.ECDSA }, data: digest, derEncode: true };
    }
    case "Ed25519":
      if (input.digested) {
        throw kmipErrors.notSupported(`${op}: Ed25519 (pure EdDSA) cannot sign Digested Data`);
      }
      return { mechanism: { type: CKM.EDDSA }, data: input.data, derEncode: false };
  }
}

/** The digest ECDSA signs (one-shot `hash`: about 0.5 µs less than createHash per call). */
function digestOf(algorithm: string, data: Uint8Array): Uint8Array {
  const digest = hash(algorithm, data, "buffer");
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
}

/**
 * A failed C_Sign whose algorithm came from the request rather than the key: when the key
 * is of another kind (some libraries then answer just CKR_GENERAL_ERROR), say so.
 */
async function explainFailure(
  err: unknown,
  plan: SignPlan,
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<never> {
  if (err instanceof Pkcs11Error && !(err instanceof ObjectNotFoundError)) {
    const actual = await readKeyKind(client, token, ref).catch(() => plan.kind);
    if (actual !== plan.kind) {
      throw kmipErrors.invalidField(
        `Sign: Cryptographic Parameters ask for ${plan.kind} but the key is ${actual}`,
      );
    }
    if (plan.kind === "RSA" && plan.padding === "PSS") {
      await explainPssSaltLength(plan.saltLength, plan.hash.length, client, token, ref);
    }
  }
  throw err;
}

/**
 * RSASSA-PSS (RFC 8017 section 9.1.1) needs emLen >= hLen + sLen + 2 with
 * emLen = ceil((modBits - 1) / 8): a longer Salt Length is the request's mistake, which a
 * library reports only as an invalid mechanism.
 */
async function explainPssSaltLength(
  saltLength: number,
  hashLength: number,
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<void> {
  const modulus = await readModulus(client, token, ref).catch(() => undefined);
  if (modulus === undefined) return;
  const modulusBits = bitLength(modulus);
  const maxSalt = maxPssSaltLength(modulus, hashLength);
  if (saltLength > maxSalt) {
    throw kmipErrors.invalidField(
      `Sign: Salt Length ${saltLength} exceeds ${maxSalt}, the most a ${modulusBits}-bit key allows with a ${hashLength}-byte hash`,
    );
  }
}

/** The largest RSA-PSS salt for a key of `modulus` and a hash of `hashLength` bytes (RFC 8017 9.1.1). */
export function maxPssSaltLength(modulus: Uint8Array, hashLength: number): number {
  return Math.ceil((bitLength(modulus) - 1) / 8) - hashLength - 2;
}

/** The Sign handler. */
export const sign: OperationHandler = {
  operation: Operation.Sign,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Sign");
    const { uid, ref } = requireKey(payload);
    if (halfOf(ref) !== "private") {
      throw new KmipError(
        ResultReason.IllegalOperation,
        halfOf(ref) === "secret"
          ? `Sign: ${shown(uid)} is a secret key; use MAC with it, or sign with a private key`
          : `Sign: ${shown(uid)} is a public key; sign with the private key's Unique Identifier`,
      );
    }
    refuseMultiPart(payload, "Sign", "signing");
    const input = readSignInput(payload, "Sign");
    const given = readSignParameters(optionalStruct(payload, Tag.CryptographicParameters));
    const params = namesAnyParameter(given)
      ? given
      : await keySignParameters(ctx.client, token, ref);
    const kind = params.kind ?? (await readKeyKind(ctx.client, token, ref));
    const plan = planFor(params, kind);
    const call = signCall(plan, input);
    let raw: Uint8Array;
    try {
      raw = await ctx.client.sign(token, ref, call.mechanism, call.data);
    } catch (err) {
      return explainFailure(err, plan, ctx.client, token, ref);
    }
    const signature = call.derEncode ? ecdsaSignatureToDer(raw) : raw;
    return {
      uid,
      payload: [
        build.textString(Tag.UniqueIdentifier, uid),
        build.byteString(Tag.SignatureData, signature),
      ],
    };
  },
};
