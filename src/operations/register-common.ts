/**
 * Helpers shared by the Register templates (register.ts, register-private.ts): reading one
 * attribute of the request, checking the stated algorithm and length against the key
 * material, the RSA size and curve a key may have, the label, and JWK bytes.
 */
import { KmipError, kmipErrors } from "../kmip/errors.js";
import type { ValueOf } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { type KmipAttribute, valuesOf } from "../kmip/template.js";
import { CKA } from "../pkcs11/constants.js";
import type { Attr } from "../pkcs11/types.js";
import type { TtlvTypeName } from "../ttlv/types.js";
import { CURVE_NAMES, CURVES, type CurveSpec, RSA_MIN_BITS } from "./algorithms.js";
import { nameText } from "./attribute-edit.js";
import { fieldText } from "./attribute-refs.js";
import { mechanismList } from "./create.js";
import { enumText, type KeyKind } from "./keys.js";
import type { KeyBlockFields } from "./register-material.js";
import { signMechanismsFor } from "./sign-key-parameters.js";
import { readSignParameters } from "./sign-plan.js";
import type { OperationOptions } from "./types.js";

const OP = "Register";

/** The first value of `tag` among `attrs`, of TTLV type `type` (Invalid Field otherwise). */
export function single<T extends TtlvTypeName>(
  attrs: readonly KmipAttribute[],
  tag: number,
  type: T,
): ValueOf<T> | undefined {
  const first = valuesOf(attrs, tag)[0];
  if (first === undefined) return undefined;
  if (first.type !== type) {
    throw kmipErrors.invalidField(`${fieldText(tag)}: expected ${type}, got ${first.type}`);
  }
  const value: unknown = first.value;
  return value as ValueOf<T>;
}

/** What a key really is: the algorithms it may be stated as, its length, a name. */
export interface KeyFacts {
  readonly algorithms: readonly number[];
  readonly bits: number;
  readonly name: string;
}

/** Algorithm and length stated in the attributes and the Key Block must agree with the key. */
export function checkStated(
  attrs: readonly KmipAttribute[],
  block: KeyBlockFields,
  actual: KeyFacts,
): void {
  for (const algorithm of [
    single(attrs, Tag.CryptographicAlgorithm, "Enumeration"),
    block.algorithm,
  ]) {
    if (algorithm !== undefined && !actual.algorithms.includes(algorithm)) {
      throw kmipErrors.invalidField(
        `${OP}: Cryptographic Algorithm ${enumText(Tag.CryptographicAlgorithm, algorithm)} does not match the ${actual.name} key material`,
      );
    }
  }
  for (const length of [single(attrs, Tag.CryptographicLength, "Integer"), block.length]) {
    if (length !== undefined && length !== actual.bits) {
      throw kmipErrors.invalidField(
        `${OP}: Cryptographic Length ${length} does not match the key material (${actual.bits} bits)`,
      );
    }
  }
}

/** Bytes of a JWK base64url field. */
export const fromB64 = (s: string | undefined): Uint8Array =>
  new Uint8Array(Buffer.from(s ?? "", "base64url"));

/** CKA_LABEL from the request's Name, if any. */
export function labelAttr(attrs: readonly KmipAttribute[]): Attr[] {
  const name = valuesOf(attrs, Tag.Name)[0];
  return name === undefined ? [] : [{ type: CKA.LABEL, value: nameText(OP, name) }];
}

/** The largest RSA modulus Register accepts (bits). */
const RSA_REGISTER_MAX_BITS = 16384;

/** The modulus size of an RSA key Register accepts: RSA_MIN_BITS (1024 when allowed) to 16384. */
export function checkRsaBits(bits: number, options: OperationOptions | undefined): void {
  const minimum = options?.allowRsa1024 === true ? 1024 : RSA_MIN_BITS;
  if (bits < minimum || bits > RSA_REGISTER_MAX_BITS) {
    throw kmipErrors.invalidField(
      `${OP}: an RSA key of ${bits} bits is not accepted (${minimum}-${RSA_REGISTER_MAX_BITS})`,
    );
  }
}

/** The curve of a JWK `crv` (Not Supported for curves the relay does not know). */
export function curveOfJwk(crv: string | undefined): CurveSpec {
  const curve = CURVES.find((c) => c.jwk === crv);
  if (curve === undefined) {
    throw kmipErrors.notSupported(
      `${OP}: the curve ${crv ?? "?"} is not supported (${CURVE_NAMES})`,
    );
  }
  return curve;
}

/**
 * CKA_ALLOWED_MECHANISMS recording a signing key's Cryptographic Parameters attribute (padding,
 * hash), which Sign and Signature Verify use when a request names none (sign-key-parameters.ts).
 * Parameters that say nothing of signing, or that signing cannot use (e.g. OAEP for a key also
 * meant for encryption), record nothing.
 */
export function signMechanismsAttr(attrs: readonly KmipAttribute[], kind: KeyKind): Attr[] {
  const params = valuesOf(attrs, Tag.CryptographicParameters)[0];
  if (params === undefined) return [];
  let list: number[] | undefined;
  try {
    list = signMechanismsFor(readSignParameters(params), kind);
  } catch (err) {
    if (err instanceof KmipError) return [];
    throw err;
  }
  return list === undefined ? [] : [{ type: CKA.ALLOWED_MECHANISMS, value: mechanismList(list) }];
}
