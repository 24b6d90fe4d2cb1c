/**
 * Modify Attribute of Activation Date (KMIP 2.1 section 4.1: modifiable by the client only
 * while Pre-Active): a Pre-Active key's record takes the date; an Active key is Wrong Key
 * Lifecycle State under 2.x and Permission Denied under 1.x (OASIS SKLC-M-3-21 / -14).
 */
import { describe, expect, it } from "vitest";
import { ResultReason, State } from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { LifecycleRecord } from "../../../src/operations/lifecycle-record.js";
import { effectiveState } from "../../../src/operations/lifecycle-rules.js";
import { LifecycleStore } from "../../../src/operations/lifecycle-store.js";
import { modifyAttribute } from "../../../src/operations/modify-attribute.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { contextFor, FakeClient, payload, rejection, v1Attribute } from "./fake.js";
import { dataObjectClient } from "./lifecycle-fake.js";

const UID = "A1B2_sec";
const NOW_MS = 1_800_000_000_000;
const NOW = 1_800_000_000n;

/** A client holding data objects, a store over it, and the key's record as on the token. */
async function setup(record: LifecycleRecord) {
  const { client } = dataObjectClient();
  const lifecycle = new LifecycleStore(client, { clock: () => NOW_MS });
  await lifecycle.write("tok", UID, record);
  const writes = client.callsOf("writeDataObject").length;
  return {
    client,
    lifecycle,
    written: () => client.callsOf("writeDataObject").length - writes,
    onToken: () => new LifecycleStore(client, { clock: () => NOW_MS }).read("tok", UID),
  };
}

const date = (seconds: bigint): TtlvItem => ({
  tag: Tag.ActivationDate,
  type: "DateTime",
  value: seconds,
});
const v2Request = (d: TtlvItem) =>
  payload(build.textString(Tag.UniqueIdentifier, UID), build.structure(Tag.NewAttribute, [d]));
const v1Request = (d: TtlvItem) =>
  payload(build.textString(Tag.UniqueIdentifier, UID), v1Attribute("Activation Date", d));

describe("Modify Attribute: Activation Date", () => {
  it.each([
    [{ major: 2, minor: 1 }, ResultReason.WrongKeyLifecycleState],
    [{ major: 1, minor: 4 }, ResultReason.PermissionDenied],
  ] as const)("refuses it on an Active key (%o)", async (version, reason) => {
    const { client, lifecycle, written, onToken } = await setup({
      state: State.Active,
      activationDate: NOW - 60n,
    });
    const request = version.major >= 2 ? v2Request(date(NOW)) : v1Request(date(NOW));
    const ctx = { ...contextFor(client, { version }), lifecycle };
    const err = (await rejection(() => modifyAttribute.run(request, ctx))) as KmipError;
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(/only while the key is Pre-Active; it is Active/);
    expect((await onToken())?.activationDate).toBe(NOW - 60n);
    expect(written()).toBe(0);
  });

  it("sets it on a Pre-Active key: a past date makes the key Active", async () => {
    const { client, lifecycle, written, onToken } = await setup({ state: State.PreActive });
    const ctx = { ...contextFor(client, { version: { major: 2, minor: 1 } }), lifecycle };
    const result = await modifyAttribute.run(v2Request(date(NOW - 5n)), ctx);
    expect(result.payload.map((i) => i.tag)).toEqual([Tag.UniqueIdentifier]);
    expect(written()).toBe(1);
    const after = await onToken();
    expect(after?.activationDate).toBe(NOW - 5n);
    expect(after?.lastChangeDate).toBe(NOW);
    expect(after && effectiveState(after, NOW)).toBe(State.Active);
    expect(client.callsOf("setAttributes")).toHaveLength(0);
  });

  it("stays read-only without a lifecycle store", async () => {
    const client = new FakeClient();
    const ctx = contextFor(client, { version: { major: 2, minor: 1 } });
    const err = (await rejection(() =>
      modifyAttribute.run(v2Request(date(NOW)), ctx),
    )) as KmipError;
    expect(err.reason).toBe(ResultReason.AttributeReadOnly);
  });
});
