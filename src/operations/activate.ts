/**
 * Activate (KMIP 1.4 section 4.19, KMIP 2.1 section 6.1.1). PKCS#11 keys have no lifecycle
 * state: the key is looked up (C_FindObjects) and, when it exists, reported activated.
 *
 * Request: Unique Identifier. Response: Unique Identifier.
 */
import { Operation } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { requireExisting, requireKey, requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";

/** The Activate handler. */
export const activate: OperationHandler = {
  operation: Operation.Activate,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Activate");
    const { uid, ref } = requireKey(payload);
    await requireExisting(ctx.client, token, ref);
    return { uid, payload: [build.textString(Tag.UniqueIdentifier, uid)] };
  },
};
