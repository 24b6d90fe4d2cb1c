/**
 * Which HMAC a MAC or MAC Verify request means (KMIP 1.4 sections 4.33-4.34): the
 * Cryptographic Parameters' Cryptographic Algorithm (HMAC_SHA256/384/512) or Hashing
 * Algorithm (SHA_256/384/512), which must agree when both are given; without either, the
 * key's own (its CKK_SHA*_HMAC type, or the one HMAC mechanism in CKA_ALLOWED_MECHANISMS,
 * as Create records it). AES keys MAC with CMAC (NIST SP 800-38B, CKM_AES_CMAC: a 16-byte
 * MAC): Cryptographic Algorithm AES in the parameters, or none and an AES key.
 */
import { CryptographicAlgorithm, ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import { CKK, CKM, CKR, ckrName } from "../pkcs11/constants.js";
import { ObjectNotFoundError, Pkcs11Error } from "../pkcs11/errors.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { hmacByAlgorithm, hmacByHash } from "./cipher-algorithms.js";
import { enumText } from "./keys.js";
import { readSecretKey } from "./secret-key.js";
import { halfOf, shown } from "./uid.js";

/** A MAC mechanism: an HMAC or AES CMAC. */
export interface MacMechanism {
  readonly name: string;
  readonly ckm: number;
}

/** AES CMAC (CKM_AES_CMAC, full 16-byte MAC). */
export const AES_CMAC: MacMechanism = { name: "AES_CMAC", ckm: CKM.AES_CMAC };

/** The MAC the Cryptographic Parameters name, if they name one. */
export function hmacOfParameters(
  op: string,
  params: TtlvItem | undefined,
): MacMechanism | undefined {
  if (params === undefined) return undefined;
  const algorithm = optional(params, Tag.CryptographicAlgorithm, "Enumeration");
  const hash = optional(params, Tag.HashingAlgorithm, "Enumeration");
  if (algorithm === CryptographicAlgorithm.AES) {
    if (hash !== undefined) {
      throw kmipErrors.invalidField(
        `${op}: Cryptographic Parameters: Hashing Algorithm does not apply to AES CMAC`,
      );
    }
    return AES_CMAC;
  }
  const byAlgorithm = algorithm === undefined ? undefined : hmacByAlgorithm(algorithm);
  if (algorithm !== undefined && byAlgorithm === undefined) {
    throw kmipErrors.notSupported(
      `${op}: Cryptographic Parameters: Cryptographic Algorithm ${enumText(Tag.CryptographicAlgorithm, algorithm)} is not supported (AES, HMAC_SHA256, HMAC_SHA384, HMAC_SHA512)`,
    );
  }
  const byHash = hash === undefined ? undefined : hmacByHash(hash);
  if (hash !== undefined && byHash === undefined) {
    throw kmipErrors.notSupported(
      `${op}: Cryptographic Parameters: Hashing Algorithm ${enumText(Tag.HashingAlgorithm, hash)} is not supported for HMAC (SHA_256, SHA_384, SHA_512)`,
    );
  }
  if (byAlgorithm !== undefined && byHash !== undefined && byAlgorithm !== byHash) {
    throw kmipErrors.invalidField(
      `${op}: Cryptographic Parameters: Hashing Algorithm contradicts Cryptographic Algorithm`,
    );
  }
  return byAlgorithm ?? byHash;
}

/** MAC keys are secret keys: a key pair half is Illegal Operation. */
export function requireSecretKey(op: string, uid: string, ref: ObjectRef): void {
  if (halfOf(ref) !== "secret") {
    throw new KmipError(
      ResultReason.IllegalOperation,
      `${op}: ${shown(uid)} is not a secret key; MAC takes an HMAC key (<HEX>_sec)`,
    );
  }
}

/** The MAC of the request, else of the key (its HMAC, or CMAC for an AES key). */
export async function resolveHmac(
  op: string,
  params: TtlvItem | undefined,
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<MacMechanism> {
  const asked = hmacOfParameters(op, params);
  if (asked !== undefined) return asked;
  const key = await readSecretKey(client, token, ref, false);
  if (key.hmac !== undefined) return key.hmac;
  if (key.keyType === CKK.AES) return AES_CMAC;
  throw kmipErrors.missingData(
    `${op}: Cryptographic Parameters: Cryptographic Algorithm is required (the key does not record its HMAC)`,
  );
}

/**
 * A token refusing the mechanism for this key (CKR_MECHANISM_INVALID when the key allows
 * another HMAC, CKR_KEY_TYPE_INCONSISTENT for an AES key): say what the key is.
 */
export async function explainMacFailure(
  err: unknown,
  op: string,
  hmac: MacMechanism,
  client: Pkcs11Client,
  token: TokenSelector,
  ref: ObjectRef,
): Promise<never> {
  const refused = err instanceof Pkcs11Error && !(err instanceof ObjectNotFoundError);
  if (refused && (err.ckr === CKR.MECHANISM_INVALID || err.ckr === CKR.KEY_TYPE_INCONSISTENT)) {
    const key = await readSecretKey(client, token, ref, false).catch(() => undefined);
    const actual =
      key === undefined ? undefined : key.keyType === CKK.AES ? AES_CMAC.name : key.hmac?.name;
    if (actual !== undefined && actual !== hmac.name) {
      throw kmipErrors.invalidField(
        `${op}: ${hmac.name} asked for, but the key is for ${actual} (${err.fn}: ${ckrName(err.ckr)})`,
      );
    }
  }
  throw err;
}
