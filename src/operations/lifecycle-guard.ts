/**
 * The lifecycle around the operation handlers, in one place (registry.ts wraps every
 * handler with {@link withLifecycle}):
 *
 * - Create, Create Key Pair, Register: after the handler made the key(s), each Unique
 *   Identifier of the response gets its record (lifecycle-rules.ts newRecord), with the
 *   Activation Date, Deactivation Date, Process Start Date and Protect Stop Date of the
 *   request's attributes if it has them (1.x
 *   Template-Attribute forms, 2.x Attributes forms; a key pair's specific attributes win over
 *   the common ones);
 * - Sign, MAC, Encrypt, Signature Verify, MAC Verify, Decrypt, Get: before the handler runs,
 *   the State of the key the request names must allow the use (lifecycle-rules.ts checkUse),
 *   and so must its Process Start Date and Protect Stop Date (checkDates).
 *   The batch runner has already put the ID Placeholder into the payload.
 *
 * Activate, Revoke, Destroy, Get Attributes, Get Attribute List and Locate use the store
 * themselves. Without a store in the context nothing is checked or recorded.
 */
import { Operation } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { findChild, type ItemOf, nameOf } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { type KmipAttribute, readAttributes, valuesOf } from "../kmip/template.js";
import type { TtlvItem } from "../ttlv/types.js";
import { enumText } from "./keys.js";
import type { LifecycleRecord } from "./lifecycle-record.js";
import {
  checkDates,
  checkUse,
  effectiveState,
  KEY_USES,
  type KeyUse,
  type LaterDates,
  type NewKeyState,
  newRecord,
} from "./lifecycle-rules.js";
import { type LifecycleStore, UNRECORDED } from "./lifecycle-store.js";
import type { OperationContext, OperationHandler, OperationResult } from "./types.js";
import { refOf } from "./uid.js";

/** Operations that make new objects. */
const CREATIONS: ReadonlySet<number> = new Set([
  Operation.Create,
  Operation.CreateKeyPair,
  Operation.Register,
]);

/** Attribute containers that apply to each response UID field (general ones first). */
const CONTAINERS: ReadonlyMap<number, readonly number[]> = new Map([
  [Tag.UniqueIdentifier, [Tag.TemplateAttribute, Tag.Attributes]],
  [
    Tag.PrivateKeyUniqueIdentifier,
    [
      Tag.CommonTemplateAttribute,
      Tag.CommonAttributes,
      Tag.PrivateKeyTemplateAttribute,
      Tag.PrivateKeyAttributes,
    ],
  ],
  [
    Tag.PublicKeyUniqueIdentifier,
    [
      Tag.CommonTemplateAttribute,
      Tag.CommonAttributes,
      Tag.PublicKeyTemplateAttribute,
      Tag.PublicKeyAttributes,
    ],
  ],
]);

/** The last date `tag` among `attributes` (the most specific container's), if any. */
function requestedDate(attributes: readonly KmipAttribute[], tag: number): bigint | undefined {
  let date: bigint | undefined;
  for (const value of valuesOf(attributes, tag)) {
    if (value.type !== "DateTime") {
      throw kmipErrors.invalidField(`${nameOf(tag)}: expected DateTime, got ${value.type}`);
    }
    date = value.value;
  }
  return date;
}

/** The lifecycle dates a request gives one new object. */
interface RequestedDates extends LaterDates {
  readonly activationDate: bigint | undefined;
}

/** The lifecycle dates the request gives each response UID field. */
function requestedDates(payload: TtlvItem): Map<number, RequestedDates> {
  return new Map(
    [...CONTAINERS].map(([uidTag, containerTags]) => {
      const attributes = containerTags.flatMap((containerTag) => {
        const container = findChild(payload, containerTag);
        return container === undefined ? [] : readAttributes(container);
      });
      const dates: RequestedDates = {
        activationDate: requestedDate(attributes, Tag.ActivationDate),
        deactivationDate: requestedDate(attributes, Tag.DeactivationDate),
        processStartDate: requestedDate(attributes, Tag.ProcessStartDate),
        protectStopDate: requestedDate(attributes, Tag.ProtectStopDate),
      };
      return [uidTag, dates];
    }),
  );
}

function recordFor(now: bigint, policy: NewKeyState, dates: RequestedDates | undefined) {
  return newRecord(now, policy, dates?.activationDate, dates ?? {});
}

/** A new key's UID holds a random CKA_ID: no older record can exist (lifecycle-store.ts). */
const FRESH = { fresh: true } as const;

/** Runs a creation, then records every object its response names. */
async function runCreation(
  handler: OperationHandler,
  payload: ItemOf<"Structure">,
  ctx: OperationContext,
): Promise<OperationResult> {
  // Read before the handler runs: a malformed date must not leave a key behind.
  const dates = requestedDates(payload);
  const result = await handler.run(payload, ctx);
  const store = ctx.lifecycle;
  const token = ctx.token;
  if (store === undefined || token === undefined) return result;
  const now = store.now();
  const policy = ctx.options?.newKeyState ?? "active";
  const uids = result.payload.flatMap((item) =>
    CONTAINERS.has(item.tag) && item.type === "TextString" ? [item] : [],
  );
  const writes = await Promise.allSettled(
    uids.map((item) =>
      store.write(token, item.value, recordFor(now, policy, dates.get(item.tag)), FRESH),
    ),
  );
  const failed = writes.find((w) => w.status === "rejected");
  if (failed === undefined) return result;
  // A key without its record would pass for Active: take the whole creation back.
  await discardCreation(
    ctx,
    token,
    uids.map((item) => item.value),
  );
  throw failed.reason;
}

/** Destroys the keys a creation made and their records; failures are logged, not thrown. */
async function discardCreation(ctx: OperationContext, token: string, uids: readonly string[]) {
  for (const uid of uids) {
    await ctx.client.destroyObject(token, refOf(uid)).catch((err: unknown) => {
      ctx.logger.error({ uid, err: String(err) }, "a key whose lifecycle record failed stays");
    });
    await ctx.lifecycle?.remove(token, uid).catch((err: unknown) => {
      ctx.logger.error({ uid, err: String(err) }, "a lifecycle record could not be removed");
    });
  }
}

/**
 * Refuses the use of the named key when its State or its use dates do not allow it. Without a
 * promise (undefined) when the store has the key's record cached: the usual case of a Sign.
 */
function checkKeyUse(
  name: string,
  use: KeyUse,
  payload: ItemOf<"Structure">,
  ctx: OperationContext,
): Promise<void> | undefined {
  const store = ctx.lifecycle;
  const token = ctx.token;
  if (store === undefined || token === undefined) return undefined;
  const uidItem = findChild(payload, Tag.UniqueIdentifier);
  const uid = uidItem?.type === "TextString" ? uidItem.value : undefined;
  if (uid === undefined || !namesKey(uid)) return undefined; // the handler answers for it
  const cached = store.cached(token, uid);
  if (cached !== undefined) {
    // The hot path (a Sign of a known key): no closure, no promise.
    checkRecord(cached ?? UNRECORDED, use, name, store, ctx);
    return undefined;
  }
  return store
    .read(token, uid)
    .then((record) => checkRecord(record ?? UNRECORDED, use, name, store, ctx));
}

/** Throws unless `record`'s State and dates allow `use` now. */
function checkRecord(
  record: LifecycleRecord,
  use: KeyUse,
  name: string,
  store: LifecycleStore,
  ctx: OperationContext,
): void {
  const now = store.now();
  checkUse(effectiveState(record, now), use, name, ctx.version);
  checkDates(record, use, now, name, ctx.version);
}

function namesKey(uid: string): boolean {
  try {
    refOf(uid);
    return true;
  } catch {
    return false;
  }
}

/** `handler` with the lifecycle's recording or checks added (the handler itself if none). */
export function withLifecycle(handler: OperationHandler): OperationHandler {
  if (CREATIONS.has(handler.operation)) {
    return { ...handler, run: (payload, ctx) => runCreation(handler, payload, ctx) };
  }
  const use = KEY_USES.get(handler.operation);
  if (use === undefined) return handler;
  const name = enumText(Tag.Operation, handler.operation);
  return {
    ...handler,
    run(payload, ctx) {
      let reading: Promise<void> | undefined;
      try {
        reading = checkKeyUse(name, use, payload, ctx);
      } catch (err) {
        return Promise.reject(err);
      }
      // A cached record (the usual case) adds no promise to the item's chain.
      if (reading === undefined) return handler.run(payload, ctx);
      return reading.then(() => handler.run(payload, ctx));
    },
  };
}
