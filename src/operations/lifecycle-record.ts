/**
 * The lifecycle metadata of one KMIP object (KMIP 1.4 sections 3.22 State, 3.23-3.30 dates,
 * 3.31 Revocation Reason, 3.44 Original Creation Date) and its encoding in the CKA_VALUE of
 * the object's PKCS#11 data object (see lifecycle-store.ts).
 *
 * The value is one TTLV Structure (tag Attributes), a small versioned record:
 *
 *   Attributes {
 *     Protocol Version { Major = 1, Minor = 1 }   -- the record format, not a KMIP version
 *     State                       Enumeration
 *     Initial Date                DateTime?
 *     Activation Date             DateTime?
 *     Deactivation Date           DateTime?
 *     Compromise Occurrence Date  DateTime?
 *     Compromise Date             DateTime?
 *     Destroy Date                DateTime?
 *     Last Change Date            DateTime?
 *     Original Creation Date      DateTime?
 *     Process Start Date          DateTime?   -- format 1.1 on
 *     Protect Stop Date           DateTime?   -- format 1.1 on
 *     Revocation Reason { Revocation Reason Code, Revocation Message? }?
 *     Attributes { the key's attributes, 2.x form }?   -- kept when the key is destroyed
 *   }
 *
 * A reader refuses a record of another format major version (General Failure): a newer
 * relay's record is never half-read. A minor version only adds optional fields (1.1: Process
 * Start Date, Protect Stop Date), so a 1.0 record reads as one without them, and a 1.0 reader
 * skips the fields it does not know.
 */
import { ResultReason } from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import { build, optional, optionalStruct, required, requiredStruct } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { decodeTtlv } from "../ttlv/decode.js";
import { encodeTtlv } from "../ttlv/encode.js";
import type { TtlvItem } from "../ttlv/types.js";

/** The format version written into every record. */
export const RECORD_FORMAT = { major: 1, minor: 1 } as const;

/** A Revocation Reason (KMIP 1.4 section 3.31). */
export interface RevocationReasonValue {
  readonly code: number;
  readonly message?: string;
}

/** Dates are KMIP Date-Time values: seconds since the Unix epoch. */
export interface LifecycleRecord {
  /** The State as last written; the reported State also follows the dates (lifecycle-rules.ts). */
  readonly state: number;
  readonly initialDate?: bigint;
  readonly activationDate?: bigint;
  readonly deactivationDate?: bigint;
  readonly compromiseOccurrenceDate?: bigint;
  readonly compromiseDate?: bigint;
  readonly revocationReason?: RevocationReasonValue;
  readonly destroyDate?: bigint;
  readonly lastChangeDate?: bigint;
  readonly originalCreationDate?: bigint;
  /** KMIP 1.4 section 3.25: before it the key processes no protected data (Decrypt, Verify). */
  readonly processStartDate?: bigint;
  /** KMIP 1.4 section 3.26: after it the key applies no protection (Encrypt, Sign, MAC). */
  readonly protectStopDate?: bigint;
  /**
   * What the key's own attributes were (Name, Object Type, Cryptographic Algorithm, Length,
   * Usage Mask), read just before Destroy: Get Attributes still tells them afterwards.
   */
  readonly retained?: readonly TtlvItem[];
}

/** The date fields of a record with their tags, in the record's order. */
export const DATE_FIELDS = [
  ["initialDate", Tag.InitialDate],
  ["activationDate", Tag.ActivationDate],
  ["deactivationDate", Tag.DeactivationDate],
  ["compromiseOccurrenceDate", Tag.CompromiseOccurrenceDate],
  ["compromiseDate", Tag.CompromiseDate],
  ["destroyDate", Tag.DestroyDate],
  ["lastChangeDate", Tag.LastChangeDate],
  ["originalCreationDate", Tag.OriginalCreationDate],
  ["processStartDate", Tag.ProcessStartDate],
  ["protectStopDate", Tag.ProtectStopDate],
] as const satisfies readonly (readonly [keyof LifecycleRecord, number])[];

/** The Revocation Reason structure. */
export function revocationReasonItem(reason: RevocationReasonValue): TtlvItem {
  const fields = [build.enumeration(Tag.RevocationReasonCode, reason.code)];
  if (reason.message !== undefined) {
    fields.push(build.textString(Tag.RevocationMessage, reason.message));
  }
  return build.structure(Tag.RevocationReason, fields);
}

/** The CKA_VALUE bytes of a record. */
export function encodeRecord(record: LifecycleRecord): Uint8Array {
  const fields: TtlvItem[] = [
    build.structure(Tag.ProtocolVersion, [
      build.integer(Tag.ProtocolVersionMajor, RECORD_FORMAT.major),
      build.integer(Tag.ProtocolVersionMinor, RECORD_FORMAT.minor),
    ]),
    build.enumeration(Tag.State, record.state),
  ];
  for (const [field, tag] of DATE_FIELDS) {
    const value = record[field];
    if (value !== undefined) fields.push(build.dateTime(tag, value));
  }
  if (record.revocationReason !== undefined) {
    fields.push(revocationReasonItem(record.revocationReason));
  }
  if (record.retained !== undefined) fields.push(build.structure(Tag.Attributes, record.retained));
  return new Uint8Array(encodeTtlv(build.structure(Tag.Attributes, fields)));
}

function corrupt(detail: string): KmipError {
  return new KmipError(ResultReason.GeneralFailure, `lifecycle record on the token: ${detail}`);
}

function readRecord(item: TtlvItem): LifecycleRecord {
  if (item.tag !== Tag.Attributes || item.type !== "Structure") throw corrupt("not a record");
  const format = requiredStruct(item, Tag.ProtocolVersion);
  const major = required(format, Tag.ProtocolVersionMajor, "Integer");
  if (major !== RECORD_FORMAT.major) throw corrupt(`format ${major} is not ${RECORD_FORMAT.major}`);
  const record: { -readonly [K in keyof LifecycleRecord]: LifecycleRecord[K] } = {
    state: required(item, Tag.State, "Enumeration"),
  };
  for (const [field, tag] of DATE_FIELDS) {
    const value = optional(item, tag, "DateTime");
    if (value !== undefined) record[field] = value;
  }
  const reason = optionalStruct(item, Tag.RevocationReason);
  if (reason !== undefined) {
    const code = required(reason, Tag.RevocationReasonCode, "Enumeration");
    const message = optional(reason, Tag.RevocationMessage, "TextString");
    record.revocationReason = message === undefined ? { code } : { code, message };
  }
  const retained = optionalStruct(item, Tag.Attributes);
  if (retained !== undefined) record.retained = retained.value;
  return record;
}

/** A record from CKA_VALUE bytes; General Failure when they are not one this relay writes. */
export function decodeRecord(bytes: Uint8Array): LifecycleRecord {
  try {
    return readRecord(decodeTtlv(bytes));
  } catch (err) {
    if (err instanceof KmipError && err.reason === ResultReason.GeneralFailure) throw err;
    throw corrupt(err instanceof Error ? err.message : String(err));
  }
}
