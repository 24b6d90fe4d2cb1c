/**
 * Destroy (KMIP 1.4 section 4.21, KMIP 2.1 section 6.1.17): C_DestroyObject on the key the
 * Unique Identifier names (one half of a pair; Cascade destroys the private key, then the
 * public one). A key that does not exist: Item Not Found.
 *
 * Request: Unique Identifier. Response: Unique Identifier.
 */
import { Operation } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { requireKey, requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";

/** The Destroy handler. */
export const destroy: OperationHandler = {
  operation: Operation.Destroy,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Destroy");
    const { uid, ref } = requireKey(payload);
    await ctx.client.destroyObject(token, ref);
    return { uid, payload: [build.textString(Tag.UniqueIdentifier, uid)] };
  },
};
