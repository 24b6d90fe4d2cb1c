/**
 * The lifecycle attributes of a key as Get Attributes reports them (KMIP 1.4 sections 3.22
 * State, 3.23 Initial Date, 3.24 Activation Date, 3.25 Process Start Date, 3.26 Protect Stop
 * Date, 3.27 Deactivation Date, 3.28 Destroy Date, 3.29 Compromise Occurrence Date, 3.30
 * Compromise Date, 3.31 Revocation Reason, 3.38 Last Change Date, 3.44 Original Creation
 * Date), in that order. A key without a record is Active and reports no date (nothing is
 * invented). Every one is read-only to clients (attribute-edit.ts), except a Pre-Active
 * key's Activation Date (modify-attribute.ts).
 */
import { State } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import { type ProtocolVersion, versionAtLeast } from "../kmip/messages.js";
import { Tag } from "../kmip/tags.js";
import { attributeOf, type KmipAttribute } from "../kmip/template.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import { objectTypeOfClass } from "./attribute-values.js";
import { requireExisting } from "./keys.js";
import { DATE_FIELDS, type LifecycleRecord, revocationReasonItem } from "./lifecycle-record.js";
import { effectiveState, isDestroyed } from "./lifecycle-rules.js";
import { UNRECORDED } from "./lifecycle-store.js";
import type { OperationContext } from "./types.js";

/** The record's attributes reported after State, in the order of KMIP 1.4 section 3. */
const REPORTED: readonly number[] = [
  Tag.InitialDate,
  Tag.ActivationDate,
  Tag.ProcessStartDate,
  Tag.ProtectStopDate,
  Tag.DeactivationDate,
  Tag.DestroyDate,
  Tag.CompromiseOccurrenceDate,
  Tag.CompromiseDate,
  Tag.RevocationReason,
  Tag.LastChangeDate,
  Tag.OriginalCreationDate,
];

/** Date tag -> the record field holding it (lifecycle-record.ts). */
const DATE_FIELD_BY_TAG: ReadonlyMap<number, (typeof DATE_FIELDS)[number][0]> = new Map(
  DATE_FIELDS.map(([field, tag]) => [tag, field]),
);

/** Every lifecycle attribute tag the relay may report (read-only to clients). */
export const LIFECYCLE_TAGS: ReadonlySet<number> = new Set([Tag.State, ...REPORTED]);

/** The key's own attributes a record keeps past Destroy (see lifecycle-record.ts). */
export const RETAINED_TAGS: ReadonlySet<number> = new Set([
  Tag.Name,
  Tag.ObjectType,
  Tag.CryptographicAlgorithm,
  Tag.CryptographicLength,
  Tag.CryptographicUsageMask,
]);

/**
 * Original Creation Date is not reported to KMIP 1.0-1.2 clients (the OASIS test cases
 * expect it from 1.3 on, e.g. AKLC-M-1-13).
 */
function knownTo(tag: number, version: ProtocolVersion): boolean {
  return tag !== Tag.OriginalCreationDate || versionAtLeast(version, 1, 3);
}

/** State (as of `now`) and the known dates of a record; State Active alone without one. */
export function lifecycleAttributes(
  record: LifecycleRecord | undefined,
  now: bigint,
  version: ProtocolVersion,
): KmipAttribute[] {
  if (record === undefined) return [attributeOf(build.enumeration(Tag.State, State.Active))];
  const out = [attributeOf(build.enumeration(Tag.State, effectiveState(record, now)))];
  for (const tag of REPORTED) {
    if (!knownTo(tag, version)) continue;
    if (tag === Tag.RevocationReason) {
      if (record.revocationReason !== undefined) {
        out.push(attributeOf(revocationReasonItem(record.revocationReason)));
      }
      continue;
    }
    const field = DATE_FIELD_BY_TAG.get(tag);
    const value = field === undefined ? undefined : record[field];
    if (value !== undefined) out.push(attributeOf(build.dateTime(tag, value)));
  }
  return out;
}

/** The record of `uid` (undefined without a store or without a record). */
export async function lifecycleOf(
  ctx: OperationContext,
  token: TokenSelector,
  uid: string,
): Promise<LifecycleRecord | undefined> {
  return ctx.lifecycle === undefined ? undefined : ctx.lifecycle.read(token, uid);
}

/** Whether the record says the key is destroyed (its PKCS#11 object is gone). */
export function isDestroyedRecord(record: LifecycleRecord | undefined): boolean {
  return record !== undefined && isDestroyed(record.state);
}

/**
 * What is left to tell of a destroyed key: its Unique Identifier, the attributes read just
 * before it was destroyed (else its Object Type, from the UID), and its lifecycle (KMIP 1.4
 * AKLC-O-1 and 2.1 BL-M-8 read State and the dates of a destroyed object).
 */
export function destroyedAttributes(
  uid: string,
  ref: ObjectRef,
  record: LifecycleRecord,
  now: bigint,
  version: ProtocolVersion,
): KmipAttribute[] {
  const out = [attributeOf(build.textString(Tag.UniqueIdentifier, uid))];
  if (record.retained !== undefined) {
    out.push(...record.retained.filter((i) => RETAINED_TAGS.has(i.tag)).map(attributeOf));
  } else {
    const objectType = objectTypeOfClass(ref.cls);
    if (objectType !== undefined) {
      out.push(attributeOf(build.enumeration(Tag.ObjectType, objectType)));
    }
  }
  return [...out, ...lifecycleAttributes(record, now, version)];
}

/**
 * Moves the record of the key `uid` on by `next` (Activate, Revoke), after checking that the
 * key is still on the token unless its record says it was destroyed (the rules refuse or
 * allow that). Without a store only the key's existence is checked.
 */
export async function changeState(
  ctx: OperationContext,
  token: TokenSelector,
  key: { uid: string; ref: ObjectRef },
  next: (current: LifecycleRecord, now: bigint) => LifecycleRecord,
): Promise<void> {
  const store = ctx.lifecycle;
  if (store === undefined) {
    await requireExisting(ctx.client, token, key.ref);
    return;
  }
  await store.update(token, key.uid, async (current) => {
    if (!isDestroyedRecord(current)) await requireExisting(ctx.client, token, key.ref);
    return next(current ?? UNRECORDED, store.now());
  });
}
