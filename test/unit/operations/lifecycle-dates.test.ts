/**
 * Process Start Date and Protect Stop Date (KMIP 1.4 sections 3.25, 3.26; 2.1 sections 4.40,
 * 4.41): kept in the lifecycle record (format 1.1; 1.0 records still read), recorded from
 * creation requests in both attribute forms, enforced before key use with the version's
 * reason, reported by Get Attributes, and read-only to Add / Modify / Delete Attribute.
 */
import { describe, expect, it } from "vitest";
import { Operation, ResultReason, State } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { addAttribute } from "../../../src/operations/add-attribute.js";
import { deleteAttribute } from "../../../src/operations/delete-attribute.js";
import { lifecycleAttributes } from "../../../src/operations/lifecycle-attributes.js";
import { withLifecycle } from "../../../src/operations/lifecycle-guard.js";
import {
  decodeRecord,
  encodeRecord,
  type LifecycleRecord,
  RECORD_FORMAT,
} from "../../../src/operations/lifecycle-record.js";
import { checkDates, type KeyUse, newRecord } from "../../../src/operations/lifecycle-rules.js";
import { LifecycleStore } from "../../../src/operations/lifecycle-store.js";
import { modifyAttribute } from "../../../src/operations/modify-attribute.js";
import type { OperationContext, OperationHandler } from "../../../src/operations/types.js";
import { CKA } from "../../../src/pkcs11/constants.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import { attrValues, contextFor, payload, rejection, v1Attribute } from "./fake.js";
import { dataObjectClient, ran } from "./lifecycle-fake.js";

const T0 = 1_700_000_000n;
const V14 = { major: 1, minor: 4 };
const V20 = { major: 2, minor: 0 };
const V21 = { major: 2, minor: 1 };
const SEC = "0C0D_sec";
const PRIV = "0A0B_priv";
const PUB = "0A0B_pub";
const uidItem = (uid: string) => build.textString(Tag.UniqueIdentifier, uid);

function reasonOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof KmipError) return err.reason;
    throw err;
  }
  return undefined;
}

async function asyncReasonOf(p: () => Promise<unknown>): Promise<number> {
  return ((await rejection(p)) as KmipError).reason;
}

describe("checkDates", () => {
  const dated: LifecycleRecord = {
    state: State.Active,
    processStartDate: T0 + 100n,
    protectStopDate: T0 + 200n,
  };
  const check = (use: KeyUse, now: bigint, version = V21) =>
    reasonOf(() => checkDates(dated, use, now, "Op", version));

  it("Protect Stop Date: protection allowed up to and at the date, refused after it", () => {
    expect(check("protect", T0 + 200n)).toBeUndefined();
    expect(check("protect", T0 + 201n)).toBe(ResultReason.WrongKeyLifecycleState);
    expect(check("protect", T0 + 201n, V20)).toBe(ResultReason.PermissionDenied);
    expect(check("protect", T0 + 201n, V14)).toBe(ResultReason.PermissionDenied);
  });

  it("Process Start Date: processing refused before the date, allowed from it on", () => {
    expect(check("process", T0 + 99n)).toBe(ResultReason.WrongKeyLifecycleState);
    expect(check("process", T0 + 99n, V14)).toBe(ResultReason.PermissionDenied);
    expect(check("process", T0 + 100n)).toBeUndefined();
  });

  it("each date governs its own kind of use only; Get is governed by neither", () => {
    expect(check("protect", T0)).toBeUndefined(); // before the Process Start Date
    expect(check("process", T0 + 999n)).toBeUndefined(); // after the Protect Stop Date
    expect(check("retrieve", T0)).toBeUndefined();
    expect(check("retrieve", T0 + 999n)).toBeUndefined();
  });

  it("a record without them allows every use", () => {
    for (const use of ["protect", "process", "retrieve"] as const) {
      expect(reasonOf(() => checkDates({ state: State.Active }, use, T0, "Op", V21))).toBe(
        undefined,
      );
    }
  });

  it("the message names the operation and the date", () => {
    let message = "";
    try {
      checkDates(dated, "protect", T0 + 999n, "Encrypt", V21);
    } catch (err) {
      message = (err as KmipError).message;
    }
    expect(message).toContain("Encrypt");
    expect(message).toContain("Protect Stop Date (2023-11-14T22:16:40Z)");
  });
});

describe("the record", () => {
  it("newRecord keeps the requested dates, and only those", () => {
    const r = newRecord(T0, "active", T0 - 5n, {
      processStartDate: T0 + 1n,
      protectStopDate: T0 + 2n,
      deactivationDate: undefined,
    });
    expect(r).toMatchObject({ processStartDate: T0 + 1n, protectStopDate: T0 + 2n });
    expect("deactivationDate" in r).toBe(false);
  });

  it("round-trips both dates in format 1.1", () => {
    const record: LifecycleRecord = {
      state: State.Active,
      processStartDate: 11n,
      protectStopDate: 12n,
    };
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
    expect(RECORD_FORMAT).toEqual({ major: 1, minor: 1 });
  });

  it("reads a format 1.0 record (written before these dates) as one without them", () => {
    const old = encodeTtlv(
      build.structure(Tag.Attributes, [
        build.structure(Tag.ProtocolVersion, [
          build.integer(Tag.ProtocolVersionMajor, 1),
          build.integer(Tag.ProtocolVersionMinor, 0),
        ]),
        build.enumeration(Tag.State, State.Deactivated),
        build.dateTime(Tag.ActivationDate, 5n),
      ]),
    );
    expect(decodeRecord(old)).toEqual({ state: State.Deactivated, activationDate: 5n });
  });
});

/** A store on fake data objects with a settable clock, and a context factory. */
function setup() {
  const { client } = dataObjectClient({
    getAttributes: () => attrValues([[CKA.LABEL, new TextEncoder().encode("k")]]),
  });
  const clock = { ms: Number(T0) * 1000 };
  const store = new LifecycleStore(client, { clock: () => clock.ms });
  const ctx = (version = V21): OperationContext => ({
    ...contextFor(client, { version, options: { newKeyState: "active" } }),
    lifecycle: store,
  });
  return { client, store, clock, ctx };
}

/** A creation stand-in answering the given UID fields. */
function creator(operation: number, uids: [number, string][]): OperationHandler {
  return {
    operation,
    needsToken: true,
    run: async () => ({ payload: uids.map(([tag, uid]) => build.textString(tag, uid)) }),
  };
}

describe("recorded at creation, enforced before use", () => {
  it("Register (2.x Attributes), as CS-BC-M-14: Encrypt and Decrypt refused until the dates allow", async () => {
    const s = setup();
    const register = creator(Operation.Register, [[Tag.UniqueIdentifier, SEC]]);
    const request = payload(
      build.structure(Tag.Attributes, [
        build.dateTime(Tag.ActivationDate, T0 - 3600n),
        build.dateTime(Tag.ProcessStartDate, T0 + 3600n),
        build.dateTime(Tag.ProtectStopDate, T0 - 3600n),
      ]),
    );
    await withLifecycle(register).run(request, s.ctx());
    expect(await s.store.read("tok", SEC)).toMatchObject({
      state: State.Active,
      processStartDate: T0 + 3600n,
      protectStopDate: T0 - 3600n,
    });
    const encrypt = ran(Operation.Encrypt);
    const decrypt = ran(Operation.Decrypt);
    const use = (h: OperationHandler, v = V21) =>
      asyncReasonOf(() => withLifecycle(h).run(payload(uidItem(SEC)), s.ctx(v)));
    expect(await use(encrypt)).toBe(ResultReason.WrongKeyLifecycleState);
    expect(await use(decrypt)).toBe(ResultReason.WrongKeyLifecycleState);
    expect(await use(encrypt, V20)).toBe(ResultReason.PermissionDenied);
    expect(await use(decrypt, V14)).toBe(ResultReason.PermissionDenied);
    s.clock.ms += 3600_000;
    await withLifecycle(decrypt).run(payload(uidItem(SEC)), s.ctx());
    expect(await use(encrypt)).toBe(ResultReason.WrongKeyLifecycleState);
    expect([encrypt.runs, decrypt.runs]).toEqual([0, 1]);
  });

  it("Create Key Pair (1.x templates), as CS-AC-M-8: the specific date wins over the common one", async () => {
    const s = setup();
    const pair = creator(Operation.CreateKeyPair, [
      [Tag.PrivateKeyUniqueIdentifier, PRIV],
      [Tag.PublicKeyUniqueIdentifier, PUB],
    ]);
    const date = (name: string, d: bigint) => v1Attribute(name, build.dateTime(0, d));
    const request = payload(
      build.structure(Tag.CommonTemplateAttribute, [
        date("Protect Stop Date", T0 - 10n),
        date("Process Start Date", T0 + 10n),
      ]),
      build.structure(Tag.PublicKeyTemplateAttribute, [date("Process Start Date", T0 - 10n)]),
    );
    await withLifecycle(pair).run(request, s.ctx(V14));
    const sign = ran(Operation.Sign);
    const verify = ran(Operation.SignatureVerify);
    expect(
      await asyncReasonOf(() => withLifecycle(sign).run(payload(uidItem(PRIV)), s.ctx(V14))),
    ).toBe(ResultReason.PermissionDenied);
    expect((await s.store.read("tok", PRIV))?.processStartDate).toBe(T0 + 10n);
    await withLifecycle(verify).run(payload(uidItem(PUB)), s.ctx(V14));
    expect([sign.runs, verify.runs]).toEqual([0, 1]);
  });

  it("a date that is not a Date-Time is Invalid Field, before anything is created", async () => {
    const s = setup();
    const register = ran(Operation.Register);
    const request = payload(
      build.structure(Tag.Attributes, [build.integer(Tag.ProtectStopDate, 5)]),
    );
    expect(await asyncReasonOf(() => withLifecycle(register).run(request, s.ctx()))).toBe(
      ResultReason.InvalidField,
    );
    expect(register.runs).toBe(0);
  });

  it("a destroyed key stays Item Not Found, whatever its dates", async () => {
    const s = setup();
    await s.store.write("tok", SEC, { state: State.Destroyed, protectStopDate: T0 - 1n });
    const encrypt = ran(Operation.Encrypt);
    expect(
      await asyncReasonOf(() => withLifecycle(encrypt).run(payload(uidItem(SEC)), s.ctx())),
    ).toBe(ResultReason.ItemNotFound);
  });
});

describe("reported and read-only", () => {
  it("Get Attributes reports them after Activation Date, in the order of section 3", () => {
    const record: LifecycleRecord = {
      state: State.Active,
      initialDate: 1n,
      activationDate: 2n,
      processStartDate: 3n,
      protectStopDate: 4n,
      deactivationDate: 5n,
    };
    const tags = lifecycleAttributes(record, 0n, V14).map((a) => a.tag);
    expect(tags).toEqual([
      Tag.State,
      Tag.InitialDate,
      Tag.ActivationDate,
      Tag.ProcessStartDate,
      Tag.ProtectStopDate,
      Tag.DeactivationDate,
    ]);
  });

  it("Get Attributes reports every field of a full record once, each with its own value", () => {
    const record: LifecycleRecord = {
      state: State.DestroyedCompromised,
      initialDate: 1n,
      activationDate: 2n,
      processStartDate: 3n,
      protectStopDate: 4n,
      deactivationDate: 5n,
      destroyDate: 6n,
      compromiseOccurrenceDate: 7n,
      compromiseDate: 8n,
      revocationReason: { code: 2, message: "lost" },
      lastChangeDate: 9n,
      originalCreationDate: 10n,
    };
    const items = lifecycleAttributes(record, 0n, V14).map((a) => a.value);
    expect(items.map((i) => i.tag)).toEqual([
      Tag.State,
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
    ]);
    const dates = items.flatMap((i) => (i.type === "DateTime" ? [i.value] : []));
    expect(dates).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
    const old = lifecycleAttributes(record, 0n, { major: 1, minor: 2 }).map((a) => a.tag);
    expect(old).not.toContain(Tag.OriginalCreationDate);
    expect(old).toHaveLength(items.length - 1);
  });

  it("Modify, Add and Delete Attribute refuse them with the other dates' reasons", async () => {
    const s = setup();
    const stop = build.dateTime(Tag.ProtectStopDate, T0 + 5n);
    const modify2 = payload(uidItem(SEC), build.structure(Tag.NewAttribute, [stop]));
    expect(await asyncReasonOf(() => modifyAttribute.run(modify2, s.ctx(V21)))).toBe(
      ResultReason.AttributeReadOnly,
    );
    const modify1 = payload(uidItem(SEC), v1Attribute("Process Start Date", stop));
    expect(await asyncReasonOf(() => modifyAttribute.run(modify1, s.ctx(V14)))).toBe(
      ResultReason.PermissionDenied,
    );
    const add = payload(uidItem(SEC), v1Attribute("Protect Stop Date", stop));
    expect(await asyncReasonOf(() => addAttribute.run(add, s.ctx(V14)))).toBe(
      ResultReason.PermissionDenied,
    );
    const del = payload(uidItem(SEC), build.textString(Tag.AttributeName, "Process Start Date"));
    expect(await asyncReasonOf(() => deleteAttribute.run(del, s.ctx(V14)))).toBe(
      ResultReason.PermissionDenied,
    );
    expect(s.client.callsOf("setAttributes")).toHaveLength(0);
  });
});
