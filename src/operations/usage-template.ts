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
 * it is retried once without those false values (the token's defaults then apply).
 */
import { CKA, CKR } from "../pkcs11/constants.js";
import { Pkcs11Error } from "../pkcs11/errors.js";
import type { Attr } from "../pkcs11/types.js";

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
