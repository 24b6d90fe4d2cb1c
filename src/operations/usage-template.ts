/**
 * Usage attributes the client did not ask for, set explicitly false, with a fallback for
 * HSMs that refuse them.
 *
 * Tokens have defaults for the usage attributes a template leaves out: SoftHSM2 makes keys
 * CKA_WRAP / CKA_UNWRAP true, so Get Attributes would report Wrap Key / Unwrap Key in the
 * Cryptographic Usage Mask (KMIP 1.4 section 3.19) although the client never asked for it.
 * Create Key Pair and Register therefore put CKA_WRAP / CKA_UNWRAP / CKA_DERIVE false in the
 * template when the mask does not name them. Some HSMs refuse such an explicit false
 * (YubiHSM: CKA_UNWRAP false is a device error): when the creating call fails with
 * CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID or CKR_TEMPLATE_INCONSISTENT,
 * it is retried once without those false values (the token's defaults then apply). The
 * mask -> attribute mapping of each key class is here too, so every creating call agrees.
 */
import { hasAnyBit, CryptographicUsageMask as M } from "../kmip/masks.js";
import { CKA, CKR } from "../pkcs11/constants.js";
import { Pkcs11Error } from "../pkcs11/errors.js";
import type { Attr } from "../pkcs11/types.js";

/**
 * Cryptographic Usage Mask -> a secret key's usage attributes (KMIP 1.4 section 3.19): the
 * MAC bits (and Sign / Verify) are CKA_SIGN / CKA_VERIFY.
 */
export function secretKeyUsage(mask: number): Attr[] {
  return [
    { type: CKA.ENCRYPT, value: hasAnyBit(mask, M.Encrypt) },
    { type: CKA.DECRYPT, value: hasAnyBit(mask, M.Decrypt) },
    { type: CKA.SIGN, value: hasAnyBit(mask, M.MACGenerate | M.Sign) },
    { type: CKA.VERIFY, value: hasAnyBit(mask, M.MACVerify | M.Verify) },
    { type: CKA.WRAP, value: hasAnyBit(mask, M.WrapKey) },
    { type: CKA.UNWRAP, value: hasAnyBit(mask, M.UnwrapKey) },
    { type: CKA.DERIVE, value: hasAnyBit(mask, M.DeriveKey) },
  ];
}

/** Cryptographic Usage Mask -> a private key's usage attributes (Key Agreement: CKA_DERIVE). */
export function privateKeyUsage(mask: number): Attr[] {
  return [
    { type: CKA.SIGN, value: hasAnyBit(mask, M.Sign) },
    { type: CKA.DECRYPT, value: hasAnyBit(mask, M.Decrypt) },
    { type: CKA.UNWRAP, value: hasAnyBit(mask, M.UnwrapKey) },
    { type: CKA.DERIVE, value: hasAnyBit(mask, M.DeriveKey | M.KeyAgreement) },
  ];
}

/** Cryptographic Usage Mask -> a public key's usage attributes. */
export function publicKeyUsage(mask: number): Attr[] {
  return [
    { type: CKA.VERIFY, value: hasAnyBit(mask, M.Verify) },
    { type: CKA.ENCRYPT, value: hasAnyBit(mask, M.Encrypt) },
    { type: CKA.WRAP, value: hasAnyBit(mask, M.WrapKey) },
  ];
}

/** Usage attributes that are only set false when not asked for (see the module comment). */
const OPTIONAL_FALSE = new Set<number>([CKA.WRAP, CKA.UNWRAP, CKA.DERIVE]);

/** CKR_* values that mean "the token does not take this template": retry without the falses. */
const TEMPLATE_REFUSED = new Set<number>([
  CKR.ATTRIBUTE_TYPE_INVALID,
  CKR.ATTRIBUTE_VALUE_INVALID,
  CKR.TEMPLATE_INCONSISTENT,
]);

/** `template` without the CKA_WRAP / CKA_UNWRAP / CKA_DERIVE attributes set false. */
export function withoutOptionalFalse(template: readonly Attr[]): Attr[] {
  return template.filter((a) => !(OPTIONAL_FALSE.has(a.type) && a.value === false));
}

/** Whether `template` holds an explicit false that {@link withoutOptionalFalse} would drop. */
function hasOptionalFalse(template: readonly Attr[]): boolean {
  return withoutOptionalFalse(template).length !== template.length;
}

/**
 * Runs `create` with the templates as given; when the token refuses them (see the module
 * comment) and they hold explicit false usage values, runs it once more without those.
 */
export async function createWithUsageFallback(
  templates: readonly (readonly Attr[])[],
  create: (templates: readonly Attr[][]) => Promise<void>,
): Promise<void> {
  try {
    await create(templates.map((t) => [...t]));
  } catch (err) {
    const refused = err instanceof Pkcs11Error && TEMPLATE_REFUSED.has(err.ckr);
    if (!refused || !templates.some(hasOptionalFalse)) throw err;
    await create(templates.map(withoutOptionalFalse));
  }
}
