/**
 * The lifecycle around the handlers: records made at creation (policy, requested Activation
 * Date in both attribute forms), use checks before Sign/Verify/Get, and the Activate /
 * Revoke / Destroy / Get Attributes / Locate handlers working on the store.
 */
import { describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  ObjectType,
  Operation,
  ResultReason,
  RevocationReasonCode,
  State,
} from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { activate } from "../../../src/operations/activate.js";
import { destroy } from "../../../src/operations/destroy.js";
import { getAttributes } from "../../../src/operations/get-attributes.js";
import { withLifecycle } from "../../../src/operations/lifecycle-guard.js";
import type { NewKeyState } from "../../../src/operations/lifecycle-rules.js";
import { LifecycleStore } from "../../../src/operations/lifecycle-store.js";
import { locate } from "../../../src/operations/locate.js";
import { revoke } from "../../../src/operations/revoke.js";
import type { OperationContext, OperationHandler } from "../../../src/operations/types.js";
import { halfOf, refOf, uidOf } from "../../../src/operations/uid.js";
import { CKA, CKK, CKR } from "../../../src/pkcs11/constants.js";
import { ObjectNotFoundError, Pkcs11Error } from "../../../src/pkcs11/errors.js";
import type { ObjectRef } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { attrValues, contextFor, payload, rejection, ulongBytes, v1Attribute } from "./fake.js";
import { dataObjectClient, ran } from "./lifecycle-fake.js";

const T0 = 1_700_000_000n;
const V1 = { major: 1, minor: 4 };
const V2 = { major: 2, minor: 1 };
const PRIV = "0A0B_priv";
const PUB = "0A0B_pub";
const uidItem = (uid: string) => build.textString(Tag.UniqueIdentifier, uid);

/** A token with one EC key pair, its data objects in memory, and a settable clock. */
function setup(policy: NewKeyState = "active", version = V2) {
  const keys = new Set([PRIV, PUB]);
  const uidOfRef = (ref: ObjectRef) => uidOf(ref.id, halfOf(ref));
  const has = (ref: ObjectRef) => keys.has(uidOfRef(ref));
  const { client } = dataObjectClient({
    getAttributes: (_t, ref) => {
      if (!has(ref)) throw new ObjectNotFoundError();
      return attrValues([
        [CKA.KEY_TYPE, ulongBytes(CKK.RSA)],
        [CKA.LABEL, new TextEncoder().encode("lc")],
        [CKA.MODULUS, new Uint8Array(256).fill(0xc1)],
        [CKA.PUBLIC_EXPONENT, new Uint8Array([1, 0, 1])],
        [CKA.SIGN, new Uint8Array([1])],
      ]);
    },
    destroyObject: (_t, ref) => {
      if (!has(ref)) throw new ObjectNotFoundError();
      keys.delete(uidOfRef(ref));
    },
    findObjects: () =>
      [...keys].map((uid) =>
        attrValues([
          [CKA.ID, new Uint8Array([0x0a, 0x0b])],
          [CKA.CLASS, ulongBytes(refOf(uid).cls)],
        ]),
      ),
  });
  const clock = { ms: Number(T0) * 1000 };
  const store = new LifecycleStore(client, { clock: () => clock.ms });
  const ctx = (v = version): OperationContext => ({
    ...contextFor(client, { version: v, options: { newKeyState: policy } }),
    lifecycle: store,
  });
  return { client, store, clock, ctx, keys };
}

/** A Create Key Pair stand-in: answers the pair's UIDs, as the real handler does. */
const fakeCreatePair: OperationHandler = {
  operation: Operation.CreateKeyPair,
  needsToken: true,
  run: async () => ({
    uid: PRIV,
    payload: [
      build.textString(Tag.PrivateKeyUniqueIdentifier, PRIV),
      build.textString(Tag.PublicKeyUniqueIdentifier, PUB),
    ],
  }),
};

async function reasonOf(p: Promise<unknown>): Promise<number> {
  return ((await rejection(() => p)) as KmipError).reason;
}

const compromise = (occurred?: bigint): TtlvItem[] => [
  build.structure(Tag.RevocationReason, [
    build.enumeration(Tag.RevocationReasonCode, RevocationReasonCode.KeyCompromise),
  ]),
  ...(occurred === undefined ? [] : [build.dateTime(Tag.CompromiseOccurrenceDate, occurred)]),
];
const cessation = [
  build.structure(Tag.RevocationReason, [
    build.enumeration(Tag.RevocationReasonCode, RevocationReasonCode.CessationOfOperation),
  ]),
];

async function stateOf(s: ReturnType<typeof setup>, uid: string, v = V2) {
  const result = await getAttributes.run(payload(uidItem(uid)), s.ctx(v));
  const attrs = result.payload[1]!.type === "Structure" ? result.payload[1]!.value : [];
  return {
    state: attrs.find((a) => a.tag === Tag.State)?.value,
    tags: attrs.map((a) => a.tag),
    attrs,
  };
}

describe("creation records", () => {
  it("policy active: both halves Active with Activation Date = Initial Date = now", async () => {
    const s = setup("active");
    await withLifecycle(fakeCreatePair).run(payload(), s.ctx());
    for (const uid of [PRIV, PUB]) {
      expect(await s.store.read("tok", uid)).toMatchObject({
        state: State.Active,
        initialDate: T0,
        activationDate: T0,
        lastChangeDate: T0,
        originalCreationDate: T0,
      });
    }
  });

  it("a record that cannot be written takes the creation back: keys and records gone, error out", async () => {
    const s = setup("pre-active");
    const write = s.client.stubs.writeDataObject;
    let writes = 0;
    s.client.stubs.writeDataObject = (token, name, value, opts) => {
      if (++writes === 2) throw new Pkcs11Error(CKR.DEVICE_MEMORY, "C_CreateObject");
      return write?.(token, name, value, opts);
    };
    const err = await rejection(() => withLifecycle(fakeCreatePair).run(payload(), s.ctx()));
    expect(err).toBeInstanceOf(Pkcs11Error);
    const destroyed = s.client.callsOf("destroyObject").map((c) => c.args[1]);
    expect(destroyed).toHaveLength(2);
    expect(s.client.callsOf("deleteDataObject")).toHaveLength(2);
    expect(await s.store.read("tok", PRIV)).toBeUndefined();
    expect(await s.store.read("tok", PUB)).toBeUndefined();
  });

  it("policy pre-active: both halves Pre-Active", async () => {
    const s = setup("pre-active");
    await withLifecycle(fakeCreatePair).run(payload(), s.ctx());
    expect((await s.store.read("tok", PRIV))?.state).toBe(State.PreActive);
    expect((await s.store.read("tok", PUB))?.state).toBe(State.PreActive);
  });

  it("reads Activation Date from 1.x templates, the specific one winning over the common", async () => {
    const s = setup("pre-active", V1);
    const date = (d: bigint) => v1Attribute("Activation Date", build.dateTime(0, d));
    const request = payload(
      build.structure(Tag.CommonTemplateAttribute, [date(T0 + 100n)]),
      build.structure(Tag.PrivateKeyTemplateAttribute, [date(T0 - 100n)]),
    );
    await withLifecycle(fakeCreatePair).run(request, s.ctx());
    expect(await s.store.read("tok", PRIV)).toMatchObject({
      state: State.Active,
      activationDate: T0 - 100n,
    });
    expect(await s.store.read("tok", PUB)).toMatchObject({
      state: State.PreActive,
      activationDate: T0 + 100n,
    });
  });

  it("reads Activation Date from 2.x Attributes; a future one activates lazily", async () => {
    const s = setup("active");
    const create: OperationHandler = {
      operation: Operation.Create,
      needsToken: true,
      run: async () => ({ uid: "0C_sec", payload: [uidItem("0C_sec")] }),
    };
    const request = payload(
      build.structure(Tag.Attributes, [build.dateTime(Tag.ActivationDate, T0 + 60n)]),
    );
    await withLifecycle(create).run(request, s.ctx());
    const mac = ran(Operation.MAC);
    const guarded = withLifecycle(mac);
    expect(await reasonOf(guarded.run(payload(uidItem("0C_sec")), s.ctx()))).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    s.clock.ms += 60_000;
    await guarded.run(payload(uidItem("0C_sec")), s.ctx());
    expect(mac.runs).toBe(1);
  });

  it("keeps a requested Deactivation Date: the key stops signing when it passes", async () => {
    const s = setup("active");
    const request = payload(
      build.structure(Tag.CommonAttributes, [build.dateTime(Tag.DeactivationDate, T0 + 30n)]),
    );
    await withLifecycle(fakeCreatePair).run(request, s.ctx());
    expect((await s.store.read("tok", PRIV))?.deactivationDate).toBe(T0 + 30n);
    const sign = withLifecycle(ran(Operation.Sign));
    await sign.run(payload(uidItem(PRIV)), s.ctx());
    s.clock.ms += 30_000;
    expect(await reasonOf(sign.run(payload(uidItem(PRIV)), s.ctx()))).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    expect((await stateOf(s, PRIV)).state).toBe(State.Deactivated);
  });

  it("refuses an Activation Date that is not a Date-Time before anything is created", async () => {
    const s = setup();
    const creator = ran(Operation.Create);
    const request = payload(
      build.structure(Tag.Attributes, [build.integer(Tag.ActivationDate, 5)]),
    );
    expect(await reasonOf(withLifecycle(creator).run(request, s.ctx()))).toBe(
      ResultReason.InvalidField,
    );
    expect(creator.runs).toBe(0);
  });
});

describe("use checks before the handler runs", () => {
  it("a key without a record is Active: Sign runs, with one data object read", async () => {
    const s = setup();
    const sign = ran(Operation.Sign);
    await withLifecycle(sign).run(payload(uidItem(PRIV)), s.ctx());
    await withLifecycle(sign).run(payload(uidItem(PRIV)), s.ctx());
    expect(sign.runs).toBe(2);
    expect(s.client.callsOf("readDataObject")).toHaveLength(1);
  });

  it("leaves a payload without a usable UID to the handler", async () => {
    const s = setup();
    const sign = ran(Operation.Sign);
    await withLifecycle(sign).run(payload(), s.ctx());
    await withLifecycle(sign).run(payload(uidItem("not a uid")), s.ctx());
    expect(sign.runs).toBe(2);
    expect(s.client.callsOf("readDataObject")).toHaveLength(0);
  });

  it("without a store nothing is checked", async () => {
    const s = setup();
    await s.store.write("tok", PRIV, { state: State.Compromised });
    const sign = ran(Operation.Sign);
    await withLifecycle(sign).run(payload(uidItem(PRIV)), contextFor(s.client));
    expect(sign.runs).toBe(1);
  });
});

describe("the lifecycle through the handlers", () => {
  it("create -> Sign -> Revoke(Key Compromise) -> Sign refused, Verify allowed -> Destroy", async () => {
    const s = setup("active");
    await withLifecycle(fakeCreatePair).run(payload(), s.ctx());
    const sign = ran(Operation.Sign);
    const verify = ran(Operation.SignatureVerify);
    await withLifecycle(sign).run(payload(uidItem(PRIV)), s.ctx());
    s.clock.ms += 5_000;
    await revoke.run(payload(uidItem(PRIV), ...compromise(T0 - 9n)), s.ctx());
    expect(await reasonOf(withLifecycle(sign).run(payload(uidItem(PRIV)), s.ctx()))).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    expect(await reasonOf(withLifecycle(sign).run(payload(uidItem(PRIV)), s.ctx(V1)))).toBe(
      ResultReason.PermissionDenied,
    );
    await withLifecycle(verify).run(payload(uidItem(PRIV)), s.ctx());
    expect([sign.runs, verify.runs]).toEqual([1, 1]);

    await destroy.run(payload(uidItem(PRIV)), s.ctx());
    expect(s.keys.has(PRIV)).toBe(false);
    const after = await stateOf(s, PRIV);
    expect(after.state).toBe(State.DestroyedCompromised);
    const date = (tag: number) => after.attrs.find((a) => a.tag === tag)?.value;
    expect(date(Tag.DestroyDate)).toBe(T0 + 5n);
    expect(date(Tag.CompromiseDate)).toBe(T0 + 5n);
    expect(date(Tag.CompromiseOccurrenceDate)).toBe(T0 - 9n);
    expect(date(Tag.ObjectType)).toBe(ObjectType.PrivateKey);
    // What the key was, read just before C_DestroyObject (KMIP 1.4 AKLC-O-1).
    expect(date(Tag.CryptographicAlgorithm)).toBe(CryptographicAlgorithm.RSA);
    expect(date(Tag.CryptographicLength)).toBe(2048);
    expect(after.tags).toContain(Tag.Name);
    expect(await reasonOf(withLifecycle(sign).run(payload(uidItem(PRIV)), s.ctx()))).toBe(
      ResultReason.ItemNotFound,
    );
    const get = ran(Operation.Get);
    expect(await reasonOf(withLifecycle(get).run(payload(uidItem(PRIV)), s.ctx()))).toBe(
      ResultReason.ObjectDestroyed,
    );
  });

  it("Destroy of an Active key is refused and destroys nothing; after Revoke it is allowed", async () => {
    const s = setup("active");
    await withLifecycle(fakeCreatePair).run(payload(), s.ctx());
    expect(await reasonOf(destroy.run(payload(uidItem(PUB)), s.ctx()))).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    expect(await reasonOf(destroy.run(payload(uidItem(PUB)), s.ctx(V1)))).toBe(
      ResultReason.PermissionDenied,
    );
    expect(s.client.callsOf("destroyObject")).toHaveLength(0);
    await revoke.run(payload(uidItem(PUB), ...cessation), s.ctx());
    expect((await s.store.read("tok", PUB))?.state).toBe(State.Deactivated);
    await destroy.run(payload(uidItem(PUB)), s.ctx());
    expect((await stateOf(s, PUB)).state).toBe(State.Destroyed);
    expect(await reasonOf(destroy.run(payload(uidItem(PUB)), s.ctx()))).toBe(
      ResultReason.ItemNotFound,
    );
  });

  it("a key without a record (another tool's) is Active, with no dates, and must be revoked", async () => {
    const s = setup();
    const before = await stateOf(s, PRIV);
    expect(before.state).toBe(State.Active);
    expect(before.tags).not.toContain(Tag.InitialDate);
    expect(before.tags).not.toContain(Tag.ActivationDate);
    expect(await reasonOf(destroy.run(payload(uidItem(PRIV)), s.ctx()))).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    await revoke.run(payload(uidItem(PRIV), ...compromise()), s.ctx());
    const revoked = await s.store.read("tok", PRIV);
    expect(revoked?.state).toBe(State.Compromised);
    expect(revoked?.compromiseOccurrenceDate).toBeUndefined();
  });

  it('policy "active": Activate of a new (Active) key or a key without a record succeeds, writing nothing', async () => {
    const s = setup("active");
    await activate.run(payload(uidItem(PUB)), s.ctx(V1));
    expect(s.client.callsOf("writeDataObject")).toHaveLength(0);
    await withLifecycle(fakeCreatePair).run(payload(), s.ctx());
    s.clock.ms += 3_000;
    await activate.run(payload(uidItem(PRIV)), s.ctx(V1));
    expect(s.client.callsOf("writeDataObject")).toHaveLength(2); // the two creation records
    expect((await s.store.read("tok", PRIV))?.activationDate).toBe(T0);
  });

  it("unknown keys are Item Not Found, not Active, and get no record", async () => {
    const s = setup();
    for (const run of [
      () => activate.run(payload(uidItem("FF_priv")), s.ctx()),
      () => revoke.run(payload(uidItem("FF_priv"), ...compromise()), s.ctx()),
      () => destroy.run(payload(uidItem("FF_priv")), s.ctx()),
    ]) {
      expect(await rejection(run)).toBeInstanceOf(ObjectNotFoundError);
    }
    expect(s.client.callsOf("writeDataObject")).toHaveLength(0);
  });

  it("pre-active: Sign refused until Activate; a second Activate is refused", async () => {
    const s = setup("pre-active");
    await withLifecycle(fakeCreatePair).run(payload(), s.ctx());
    const sign = withLifecycle(ran(Operation.Sign));
    expect(await reasonOf(sign.run(payload(uidItem(PRIV)), s.ctx()))).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    const pre = await stateOf(s, PRIV);
    expect(pre.state).toBe(State.PreActive);
    expect(pre.tags).toEqual(expect.arrayContaining([Tag.InitialDate, Tag.LastChangeDate]));
    // Original Creation Date only when named (PyKMIP 0.10 cannot decode it).
    expect(pre.tags).not.toContain(Tag.OriginalCreationDate);
    const named = await getAttributes.run(
      payload(uidItem(PRIV), build.enumeration(Tag.AttributeReference, Tag.OriginalCreationDate)),
      s.ctx(),
    );
    const namedAttrs = named.payload[1];
    expect(namedAttrs?.type === "Structure" ? namedAttrs.value[0]?.value : undefined).toBe(T0);
    expect(pre.tags).not.toContain(Tag.ActivationDate);
    s.clock.ms += 2_000;
    await activate.run(payload(uidItem(PRIV)), s.ctx());
    await sign.run(payload(uidItem(PRIV)), s.ctx());
    const active = await stateOf(s, PRIV);
    expect(active.state).toBe(State.Active);
    expect(active.attrs.find((a) => a.tag === Tag.ActivationDate)?.value).toBe(T0 + 2n);
    expect(await reasonOf(activate.run(payload(uidItem(PRIV)), s.ctx()))).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    // The other half is still Pre-Active, and may be destroyed as it is.
    expect((await s.store.read("tok", PUB))?.state).toBe(State.PreActive);
    await destroy.run(payload(uidItem(PUB)), s.ctx());
    expect((await stateOf(s, PUB)).state).toBe(State.Destroyed);
  });

  it("1.0-1.2 clients are not told Original Creation Date (the vectors expect it from 1.3 on)", async () => {
    const s = setup();
    await withLifecycle(fakeCreatePair).run(payload(), s.ctx());
    const named = async (minor: number) => {
      const request = payload(
        uidItem(PRIV),
        build.textString(Tag.AttributeName, "Initial Date"),
        build.textString(Tag.AttributeName, "Original Creation Date"),
      );
      const result = await getAttributes.run(request, s.ctx({ major: 1, minor }));
      return result.payload.flatMap((a) =>
        a.type === "Structure"
          ? a.value.filter((f) => f.tag === Tag.AttributeName).map((f) => f.value)
          : [],
      );
    };
    expect(await named(2)).toEqual(["Initial Date"]);
    expect(await named(3)).toEqual(["Initial Date", "Original Creation Date"]);
  });

  it("Locate by State filters by the store", async () => {
    const s = setup("pre-active");
    await withLifecycle(fakeCreatePair).run(payload(), s.ctx());
    await activate.run(payload(uidItem(PUB)), s.ctx());
    const found = async (state: number) => {
      const request = payload(
        build.structure(Tag.Attributes, [build.enumeration(Tag.State, state)]),
      );
      const result = await locate.run(request, s.ctx());
      return result.payload.filter((f) => f.tag === Tag.UniqueIdentifier).map((f) => f.value);
    };
    expect(await found(State.Active)).toEqual([PUB]);
    expect(await found(State.PreActive)).toEqual([PRIV]);
    expect(await found(State.Deactivated)).toEqual([]);
  });
});
