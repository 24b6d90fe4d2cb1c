/**
 * RNG Retrieve (KMIP 1.4 section 4.35, KMIP 2.1 section 6.1.48): C_GenerateRandom on the
 * request's token.
 *
 * Request: Data Length (bytes). Response: Data. Data Length must be 1 to `[server]
 * max-rng-bytes` (default RNG_MAX_BYTES): a larger request is Invalid Field naming the limit,
 * so one request cannot make the relay and token produce and send arbitrarily much.
 */
import { Operation } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { build, required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";

/** The most random bytes one RNG Retrieve returns by default (64 KiB). */
export const RNG_MAX_BYTES = 65_536;

/** The RNG Retrieve handler. */
export const rngRetrieve: OperationHandler = {
  operation: Operation.RNGRetrieve,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "RNG Retrieve");
    const length = required(payload, Tag.DataLength, "Integer");
    const max = ctx.options?.maxRngBytes ?? RNG_MAX_BYTES;
    if (length < 1 || length > max) {
      throw kmipErrors.invalidField(
        `RNG Retrieve: Data Length ${length} is outside 1-${max} bytes (the relay's limit per request)`,
      );
    }
    const data = await ctx.client.generateRandom(token, length);
    return { payload: [build.byteString(Tag.Data, data)] };
  },
};
