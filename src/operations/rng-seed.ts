/**
 * RNG Seed (KMIP 1.4 section 4.36, KMIP 2.1 section 6.1.47): C_SeedRandom on the request's
 * token.
 *
 * Request: Data (the seed). Response: Data Length (the seed bytes used).
 * - Data of 1 to RNG_SEED_MAX_BYTES bytes goes to C_SeedRandom; Data Length is its length.
 * - Empty Data: Data Length 0 without a token call (section 4.36: a server may use none).
 * - A token that does not accept seeding (CKR_RANDOM_SEED_NOT_SUPPORTED, CKR_RANDOM_NO_RNG,
 *   CKR_FUNCTION_NOT_SUPPORTED): Permission Denied, as the OASIS test case CS-RNG-O-4 shows a
 *   server refusing to be seeded. Other token failures map as any (errors.ts).
 */
import { Operation } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { build, required } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { CKR, ckrName } from "../pkcs11/constants.js";
import { Pkcs11Error } from "../pkcs11/errors.js";
import { requireToken } from "./keys.js";
import type { OperationHandler } from "./types.js";

const OP = "RNG Seed";

/** The most seed bytes one RNG Seed takes (64 KiB). */
export const RNG_SEED_MAX_BYTES = 65_536;

/** CKR_* values meaning the token's RNG takes no seed. */
const SEED_REFUSED = new Set<number>([
  CKR.RANDOM_SEED_NOT_SUPPORTED,
  CKR.RANDOM_NO_RNG,
  CKR.FUNCTION_NOT_SUPPORTED,
]);

/** A token refusing seeding becomes Permission Denied; other failures go on as they are. */
function seedFailure(err: unknown): unknown {
  if (!(err instanceof Pkcs11Error) || !SEED_REFUSED.has(err.ckr)) return err;
  return kmipErrors.permissionDenied(
    `${OP}: the token does not accept seeding (${err.fn}: ${ckrName(err.ckr)})`,
  );
}

/** The RNG Seed handler. */
export const rngSeed: OperationHandler = {
  operation: Operation.RNGSeed,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, OP);
    const data = required(payload, Tag.Data, "ByteString");
    if (data.length > RNG_SEED_MAX_BYTES) {
      throw kmipErrors.invalidField(
        `${OP}: Data of ${data.length} bytes is more than ${RNG_SEED_MAX_BYTES} (the relay's limit per request)`,
      );
    }
    let used = 0;
    if (data.length > 0) {
      try {
        used = await ctx.client.seedRandom(token, data);
      } catch (err) {
        throw seedFailure(err);
      }
    }
    return { payload: [build.integer(Tag.DataLength, used)] };
  },
};
