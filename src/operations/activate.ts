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
import { requireKey, requireToken } from "./keys.js";
import { changeState } from "./lifecycle-attributes.js";
import { activated } from "./lifecycle-rules.js";
import type { OperationHandler } from "./types.js";

/** The Activate handler. */
export const activate: OperationHandler = {
  operation: Operation.Activate,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Activate");
    const key = requireKey(payload);
    const { uid } = key;
    const policy = ctx.options?.newKeyState ?? "active";
    await changeState(ctx, token, key, (current, now) =>
      activated(current, now, ctx.version, policy),
    );
    return { uid, payload: [build.textString(Tag.UniqueIdentifier, uid)] };
  },
};
