/**
 * The KMIP key lifecycle as pure functions of a record and the time (KMIP 1.4 section 3.22
 * State and its state diagram; 4.19 Activate, 4.20 Revoke, 4.21 Destroy; KMIP 2.1 sections
 * 4.57, 6.1.1, 6.1.45, 6.1.16). No I/O: lifecycle-store.ts keeps the records.
 *
 * The State is evaluated lazily: a Pre-Active record whose Activation Date has passed is
 * Active (transition 4, "the Activation Date is reached"), an Active one whose Deactivation
 * Date has passed is Deactivated (transition 6).
 *
 * A refused transition answers Wrong Key Lifecycle State under KMIP 2.1 and Permission
 * Denied under 1.x and 2.0, as the OASIS test cases expect (AKLC-M-2-21 vs AKLC-M-2-14 and
 * AKLC-M-2-20 for the Destroy of an Active key; AKLC-M-3-20 for Modify Attribute).
 */
import { Operation, RevocationReasonCode as Reason, ResultReason, State } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { type ProtocolVersion, versionAtLeast } from "../kmip/messages.js";
import { Tag } from "../kmip/tags.js";
import { enumText } from "./keys.js";
import type { LifecycleRecord, RevocationReasonValue } from "./lifecycle-record.js";

/** `[pkcs11] new-key-state`: the State of a key created without an Activation Date. */
export type NewKeyState = "active" | "pre-active";

/** The State a record is in at `now`. */
export function effectiveState(record: LifecycleRecord, now: bigint): number {
  let state = record.state;
  const activation = record.activationDate;
  if (state === State.PreActive && activation !== undefined && activation <= now) {
    state = State.Active;
  }
  const deactivation = record.deactivationDate;
  if (state === State.Active && deactivation !== undefined && deactivation <= now) {
    state = State.Deactivated;
  }
  return state;
}

/**
 * The error of a transition or use the State does not allow, in the version's terms: Wrong
 * Key Lifecycle State from KMIP 2.1 on, Permission Denied before (the 2.0 vectors use it).
 */
export function wrongState(version: ProtocolVersion, message: string): KmipError {
  const reason = versionAtLeast(version, 2, 1)
    ? ResultReason.WrongKeyLifecycleState
    : ResultReason.PermissionDenied;
  return new KmipError(reason, message);
}

function stateText(state: number): string {
  return enumText(Tag.State, state);
}

/** Whether a State is one of the two destroyed states. */
export function isDestroyed(state: number): boolean {
  return state === State.Destroyed || state === State.DestroyedCompromised;
}

/** Dates a creation request may set besides the Activation Date (undefined: not given). */
export interface LaterDates {
  readonly deactivationDate?: bigint | undefined;
  readonly processStartDate?: bigint | undefined;
  readonly protectStopDate?: bigint | undefined;
}

const LATER_FIELDS = ["deactivationDate", "processStartDate", "protectStopDate"] as const;

/** The given ones of `later`, without undefined fields (the record's optional fields). */
function givenDates(later: LaterDates): { [K in keyof LaterDates]?: bigint } {
  const out: { -readonly [K in keyof LaterDates]?: bigint } = {};
  for (const field of LATER_FIELDS) {
    const value = later[field];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/**
 * The record of a key just created or registered (transition 1). With an Activation Date in
 * the request: Active when it has passed, else Pre-Active until it does. Without one, the
 * relay policy decides: "active" acts as if the request carried Activation Date = now. A
 * requested Deactivation Date is kept and takes effect when it passes (transition 6); a
 * Process Start Date and Protect Stop Date are kept for {@link checkDates}.
 */
export function newRecord(
  now: bigint,
  policy: NewKeyState,
  activationDate: bigint | undefined,
  later: LaterDates = {},
): LifecycleRecord {
  const dates = {
    initialDate: now,
    lastChangeDate: now,
    originalCreationDate: now,
    ...givenDates(later),
  };
  if (activationDate !== undefined) {
    const state = activationDate <= now ? State.Active : State.PreActive;
    return { state, ...dates, activationDate };
  }
  if (policy === "active") return { state: State.Active, ...dates, activationDate: now };
  return { state: State.PreActive, ...dates };
}

/**
 * Activate (KMIP 1.4 section 4.19): only from Pre-Active; sets Activation Date to now.
 * Under the "active" policy an Active key is left as it is and the Activate succeeds: keys
 * are born Active there, and clients of the incumbent relay (Cascade) Activate every new key.
 */
export function activated(
  record: LifecycleRecord,
  now: bigint,
  version: ProtocolVersion,
  policy: NewKeyState = "pre-active",
): LifecycleRecord {
  const state = effectiveState(record, now);
  if (state === State.Active && policy === "active") return record;
  if (state !== State.PreActive) {
    throw wrongState(version, `Activate: the object is ${stateText(state)}, not Pre-Active`);
  }
  return { ...record, state: State.Active, activationDate: now, lastChangeDate: now };
}

/** Whether a Revocation Reason Code places the object in a compromised state. */
function isCompromise(code: number): boolean {
  return code === Reason.KeyCompromise || code === Reason.CACompromise;
}

/**
 * Revoke (KMIP 1.4 section 4.20 and the state diagram). Key Compromise / CA Compromise:
 * Pre-Active, Active, Deactivated -> Compromised (transitions 3, 5, 8), Destroyed ->
 * Destroyed Compromised (10); Compromise Date = now, Compromise Occurrence Date = the
 * request's, else the Initial Date (the spec's SHOULD). Any other reason: Active ->
 * Deactivated (6), Deactivation Date = now. Every other transition is refused.
 */
export function revoked(
  record: LifecycleRecord,
  reason: RevocationReasonValue,
  occurrence: bigint | undefined,
  now: bigint,
  version: ProtocolVersion,
): LifecycleRecord {
  const state = effectiveState(record, now);
  const base = { ...record, revocationReason: reason, lastChangeDate: now };
  if (isCompromise(reason.code)) {
    if (state === State.Compromised || state === State.DestroyedCompromised) {
      throw wrongState(version, `Revoke: the object is already ${stateText(state)}`);
    }
    const occurred = occurrence ?? record.initialDate;
    return {
      ...base,
      state: state === State.Destroyed ? State.DestroyedCompromised : State.Compromised,
      compromiseDate: now,
      ...(occurred === undefined ? {} : { compromiseOccurrenceDate: occurred }),
    };
  }
  if (state !== State.Active) {
    throw wrongState(
      version,
      `Revoke: the object is ${stateText(state)}; only an Active object is revoked for ${enumText(Tag.RevocationReasonCode, reason.code)}`,
    );
  }
  return { ...base, state: State.Deactivated, deactivationDate: now };
}

/**
 * Destroy (KMIP 1.4 section 4.21, state diagram transitions 2, 7, 9): Pre-Active and
 * Deactivated -> Destroyed, Compromised -> Destroyed Compromised; an Active object must be
 * revoked first; a destroyed one is gone (Item Not Found).
 */
export function destroyed(
  record: LifecycleRecord,
  now: bigint,
  version: ProtocolVersion,
): LifecycleRecord {
  const state = effectiveState(record, now);
  if (isDestroyed(state)) throw kmipErrors.notFound("Destroy: the object is already destroyed");
  if (state === State.Active) {
    throw wrongState(version, "Destroy: the object is Active; revoke it first");
  }
  const next = state === State.Compromised ? State.DestroyedCompromised : State.Destroyed;
  return { ...record, state: next, destroyDate: now, lastChangeDate: now };
}

/** How an operation uses a key (KMIP 1.4 section 3.22's bullets). */
export type KeyUse = "protect" | "process" | "retrieve";

/** Operations whose use of the key the State governs. */
export const KEY_USES: ReadonlyMap<number, KeyUse> = new Map<number, KeyUse>([
  [Operation.Sign, "protect"],
  [Operation.MAC, "protect"],
  [Operation.Encrypt, "protect"],
  [Operation.SignatureVerify, "process"],
  [Operation.MACVerify, "process"],
  [Operation.Decrypt, "process"],
  [Operation.Get, "retrieve"],
]);

/**
 * Refuses a use the State does not allow. Applying protection (Sign, MAC, Encrypt) needs
 * Active; processing protected data (Signature Verify, MAC Verify, Decrypt) is allowed in
 * Active, Deactivated and Compromised (section 3.22: the object "SHOULD only be used to
 * process cryptographically-protected information"; the relay does not judge the client's
 * circumstances) and refused in Pre-Active; a destroyed key is Item Not Found for crypto,
 * and Object Destroyed (2.x) / Item Not Found (1.x) for Get.
 */
export function checkUse(
  state: number,
  use: KeyUse,
  operation: string,
  version: ProtocolVersion,
): void {
  if (isDestroyed(state)) {
    if (use === "retrieve" && version.major >= 2) {
      throw new KmipError(ResultReason.ObjectDestroyed, `${operation}: the object is destroyed`);
    }
    throw kmipErrors.notFound(`${operation}: the object is destroyed`);
  }
  if (use === "retrieve" || state === State.Active) return;
  if (use === "process" && (state === State.Deactivated || state === State.Compromised)) return;
  throw wrongState(version, `${operation}: the key is ${stateText(state)}`);
}

/** A Date-Time for messages: ISO 8601, UTC. */
function dateText(date: bigint): string {
  return new Date(Number(date) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * Refuses a use the key's Process Start Date or Protect Stop Date does not allow (KMIP 1.4
 * sections 3.25, 3.26; 2.1 sections 4.40, 4.41; the State's Active bullet in 3.22). After the
 * Protect Stop Date the key applies no protection (Sign, MAC, Encrypt); before the Process
 * Start Date it processes no protected data (Signature Verify, MAC Verify, Decrypt). The
 * spec names symmetric keys in 1.x and all objects in 2.x; the OASIS test cases CS-AC-M-8
 * apply them to RSA keys under 1.3 too, so every key is held to them. The refusal is the
 * State's (wrongState): Wrong Key Lifecycle State for 2.1, Permission Denied before, as
 * CS-BC-M-14 and CS-AC-M-8 expect.
 */
export function checkDates(
  record: LifecycleRecord,
  use: KeyUse,
  now: bigint,
  operation: string,
  version: ProtocolVersion,
): void {
  const stop = record.protectStopDate;
  if (use === "protect" && stop !== undefined && now > stop) {
    throw wrongState(
      version,
      `${operation}: the key's Protect Stop Date (${dateText(stop)}) has passed; it applies no more cryptographic protection`,
    );
  }
  const start = record.processStartDate;
  if (use === "process" && start !== undefined && now < start) {
    throw wrongState(
      version,
      `${operation}: the key's Process Start Date (${dateText(start)}) has not come; it processes no protected data before it`,
    );
  }
}
