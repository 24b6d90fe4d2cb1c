/**
 * Locate (KMIP 1.4 section 4.9, KMIP 2.1 section 6.1.27): the keys on the token matching
 * every given attribute, found with C_FindObjects.
 *
 * Request 1.x: Maximum Items?, Offset Items? (1.3+), Storage Status Mask?, Object Group
 * Member?, Attribute*. 2.x: the same with Attributes{items}. Response: Located Items?
 * (1.3+), Unique Identifier*.
 *
 * Search attributes -> PKCS#11 template (locate-search.ts): Name -> CKA_LABEL; Object Type
 * -> CKA_CLASS; Cryptographic Algorithm -> CKA_KEY_TYPE (HMAC_SHA256/384/512:
 * CKK_GENERIC_SECRET and CKA_ALLOWED_MECHANISMS, as Create makes them); Cryptographic Length
 * -> CKA_EC_PARAMS (EC, by curve), CKA_VALUE_LEN (AES/HMAC, bytes), or the modulus size read
 * from each candidate (RSA: CKA_MODULUS_BITS exists on public keys only); Recommended Curve
 * (in Cryptographic Domain Parameters or bare) -> CKA_EC_PARAMS; Cryptographic Usage Mask ->
 * the usage attributes (CKA_SIGN, ...) true; State -> each match's State from the lifecycle
 * store (lifecycle-store.ts; a key without a record is Active; destroyed keys are no longer
 * on the token, so State Destroyed matches nothing). A value no key of the relay can have
 * (Object Type Certificate, an algorithm or curve the relay does not handle) matches nothing.
 *
 * Keys without a CKA_ID cannot be named by a UID and are skipped, as are objects of other
 * classes. UIDs are answered sorted, so that Offset Items pages the same way whichever worker
 * serves the request. At most {@link SCAN_LIMIT} objects are looked at; beyond that the
 * result is cut and Located Items is left out (the total is unknown).
 */
import { Operation, State } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { childrenOf, findChild, findChildren, type ItemOf, optional } from "../kmip/item.js";
import { versionAtLeast } from "../kmip/messages.js";
import { Tag } from "../kmip/tags.js";
import { type KmipAttribute, readAttributes, readV1Attribute } from "../kmip/template.js";
import { CKA, CKO } from "../pkcs11/constants.js";
import type { AttrValues, TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import { fieldText } from "./attribute-refs.js";
import { bitLength, requireToken, ulongOf } from "./keys.js";
import { effectiveState } from "./lifecycle-rules.js";
import { UNRECORDED } from "./lifecycle-store.js";
import { searchOf } from "./locate-search.js";
import type { OperationContext, OperationHandler } from "./types.js";
import { halfOf, uidOf } from "./uid.js";

/** Most objects one Locate looks at. */
export const SCAN_LIMIT = 5000;

/** The search attributes of either form: 1.x Attribute* in the payload, 2.x Attributes. */
function searchAttributes(payload: ItemOf<"Structure">): KmipAttribute[] {
  const v2 = findChild(payload, Tag.Attributes);
  const v1 = findChildren(payload, Tag.Attribute).map(readV1Attribute);
  return v2 === undefined ? v1 : [...v1, ...readAttributes(v2)];
}

/** The UID of a found object, or undefined when it cannot have one. */
export function uidOfFound(values: AttrValues, modulusBits?: number): string | undefined {
  const id = values.get(CKA.ID);
  const clsBytes = values.get(CKA.CLASS);
  if (!id || id.length === 0 || !clsBytes) return undefined;
  const cls = ulongOf(clsBytes);
  if (cls !== CKO.PUBLIC_KEY && cls !== CKO.PRIVATE_KEY && cls !== CKO.SECRET_KEY) return undefined;
  if (modulusBits !== undefined) {
    const modulus = values.get(CKA.MODULUS);
    if (!modulus || bitLength(modulus) !== modulusBits) return undefined;
  }
  return uidOf(id, halfOf({ id, cls }));
}

function nonNegative(payload: ItemOf<"Structure">, tag: number): number | undefined {
  const value = optional(payload, tag, "Integer");
  if (value !== undefined && value < 0) {
    throw kmipErrors.invalidField(`Locate: ${fieldText(tag)} must not be negative`);
  }
  return value;
}

/** Storage Status Mask: the token is online storage (bit 1); archival only finds nothing. */
function onlineWanted(payload: ItemOf<"Structure">): boolean {
  const mask = optional(payload, Tag.StorageStatusMask, "Integer");
  return mask === undefined || mask === 0 || (mask & 1) !== 0;
}

/** The UIDs whose key is in `state` (without a store: every key is Active). */
async function inState(
  ctx: OperationContext,
  token: TokenSelector,
  uids: readonly string[],
  state: number,
): Promise<string[]> {
  const store = ctx.lifecycle;
  if (store === undefined) return state === State.Active ? [...uids] : [];
  const now = store.now();
  const states: number[] = [];
  // Records not cached are token reads: at most STATE_READS at a time, not one per match.
  for (let i = 0; i < uids.length; i += STATE_READS) {
    const chunk = uids.slice(i, i + STATE_READS);
    const read = chunk.map(async (uid) => (await store.read(token, uid)) ?? UNRECORDED);
    for (const record of await Promise.all(read)) states.push(effectiveState(record, now));
  }
  return uids.filter((_, i) => states[i] === state);
}

/** Lifecycle records one Locate by State reads at once (up to SCAN_LIMIT matches). */
const STATE_READS = 32;

/** The Locate handler. */
export const locate: OperationHandler = {
  operation: Operation.Locate,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Locate");
    childrenOf(payload);
    const maximum = nonNegative(payload, Tag.MaximumItems);
    const offset = nonNegative(payload, Tag.OffsetItems) ?? 0;
    const search = searchOf(searchAttributes(payload));
    let uids: string[] = [];
    let complete = true;
    if (!search.nothing && onlineWanted(payload)) {
      const attributes: number[] = [CKA.ID, CKA.CLASS];
      if (search.modulusBits !== undefined) attributes.push(CKA.MODULUS);
      const found = await ctx.client.findObjects(token, search.template, {
        max: SCAN_LIMIT + 1,
        attributes,
      });
      complete = found.length <= SCAN_LIMIT;
      // Sorted: the token's order differs between worker processes, paging must not.
      uids = found
        .slice(0, SCAN_LIMIT)
        .flatMap((values) => uidOfFound(values, search.modulusBits) ?? [])
        .sort();
      if (search.state !== undefined) uids = await inState(ctx, token, uids, search.state);
    }
    const total = uids.length;
    const page = uids.slice(offset, maximum === undefined ? undefined : offset + maximum);
    const fields: TtlvItem[] = [];
    const withCount = versionAtLeast(ctx.version, 1, 3);
    if (withCount && complete)
      fields.push({ tag: Tag.LocatedItems, type: "Integer", value: total });
    fields.push(
      ...page.map(
        (uid): TtlvItem => ({ tag: Tag.UniqueIdentifier, type: "TextString", value: uid }),
      ),
    );
    return { payload: fields };
  },
};
