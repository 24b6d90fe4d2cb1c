/**
 * Destroy (KMIP 1.4 section 4.21, KMIP 2.1 section 6.1.16): C_DestroyObject on the key the
 * Unique Identifier names (one half of a pair). Allowed from Pre-Active, Deactivated and
 * Compromised; an Active key must be revoked first (Wrong Key Lifecycle State under 2.1,
 * Permission Denied under 1.x and 2.0, as the OASIS AKLC-M-2 vectors expect). The key's lifecycle
 * record stays on the token with State Destroyed (or Destroyed Compromised), its Destroy
 * Date and the key's Name, Object Type, Algorithm, Length and Usage Mask (read just before),
 * so Get Attributes still answers for it. A key that does not exist: Item Not Found.
 *
 * Request: Unique Identifier. Response: Unique Identifier.
 */
import { Operation } from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import { build } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { readObjectAttributes } from "./attribute-values.js";
import { requireExisting, requireKey, requireToken } from "./keys.js";
import { RETAINED_TAGS } from "./lifecycle-attributes.js";
import { destroyed } from "./lifecycle-rules.js";
import { UNRECORDED } from "./lifecycle-store.js";
import type { OperationContext, OperationHandler } from "./types.js";

/** The key's own attributes worth keeping in its record (Name, Object Type, Algorithm, ...). */
async function retainedAttributes(
  ctx: OperationContext,
  token: TokenSelector,
  uid: string,
  ref: ObjectRef,
): Promise<TtlvItem[] | undefined> {
  try {
    const all = await readObjectAttributes(ctx.client, token, uid, ref, {
      digest: false,
      link: false,
    });
    return all.filter((a) => RETAINED_TAGS.has(a.tag)).map((a) => a.value);
  } catch (err) {
    // A key the relay cannot describe is still destroyed; a missing key is Item Not Found.
    if (err instanceof KmipError) return undefined;
    throw err;
  }
}

/** The Destroy handler. */
export const destroy: OperationHandler = {
  operation: Operation.Destroy,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Destroy");
    const { uid, ref } = requireKey(payload);
    const store = ctx.lifecycle;
    if (store === undefined) {
      await ctx.client.destroyObject(token, ref);
    } else {
      await store.update(token, uid, async (current) => {
        // An unknown UID is Item Not Found, not "Active".
        if (current === undefined) await requireExisting(ctx.client, token, ref);
        const next = destroyed(current ?? UNRECORDED, store.now(), ctx.version);
        const retained = await retainedAttributes(ctx, token, uid, ref);
        await ctx.client.destroyObject(token, ref);
        return retained === undefined ? next : { ...next, retained };
      });
    }
    return { uid, payload: [build.textString(Tag.UniqueIdentifier, uid)] };
  },
};
