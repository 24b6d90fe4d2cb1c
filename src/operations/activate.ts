/**
 * Activate (KMIP 1.4 section 4.19, KMIP 2.1 section 6.1.1): a Pre-Active key becomes Active,
 * its Activation Date now (lifecycle-rules.ts). Any other State: Wrong Key Lifecycle State
 * (2.1) / Permission Denied (1.x, 2.0), except that with `new-key-state = "active"` (the default)
 * an Active key stays as it is and the Activate succeeds, as with the incumbent relay: Cascade
 * activates every key it creates. The new State is written to the key's lifecycle record on
 * the token (lifecycle-store.ts). A key the relay has no record of is Active already.
 *
 * Request: Unique Identifier. Response: Unique Identifier.
 */
import { Operation } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { requireExisting, requireKey, requireToken } from "./keys.js";
import { activated, isDestroyed } from "./lifecycle-rules.js";
import { UNRECORDED } from "./lifecycle-store.js";
import type { OperationHandler } from "./types.js";

/** The Activate handler. */
export const activate: OperationHandler = {
  operation: Operation.Activate,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Activate");
    const { uid, ref } = requireKey(payload);
    const store = ctx.lifecycle;
    if (store === undefined) {
      await requireExisting(ctx.client, token, ref);
    } else {
      await store.update(token, uid, async (current) => {
        // The key must still be on the token (a destroyed one is refused by the rules).
        if (current === undefined || !isDestroyed(current.state)) {
          await requireExisting(ctx.client, token, ref);
        }
        const policy = ctx.options?.newKeyState ?? "active";
        return activated(current ?? UNRECORDED, store.now(), ctx.version, policy);
      });
    }
    return { uid, payload: [build.textString(Tag.UniqueIdentifier, uid)] };
  },
};
