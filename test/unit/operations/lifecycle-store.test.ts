/**
 * The lifecycle record's encoding and the store in front of the token's data objects: one
 * read per key, write-through, the bound, concurrent reads and changes.
 */
import { describe, expect, it } from "vitest";
import { ResultReason, RevocationReasonCode, State } from "../../../src/kmip/enums.js";
import type { KmipError } from "../../../src/kmip/errors.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import {
  decodeRecord,
  encodeRecord,
  type LifecycleRecord,
} from "../../../src/operations/lifecycle-record.js";
import { LifecycleStore } from "../../../src/operations/lifecycle-store.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import { FakeClient, rejection } from "./fake.js";
import { dataObjectClient } from "./lifecycle-fake.js";

const FULL: LifecycleRecord = {
  state: State.DestroyedCompromised,
  initialDate: 1n,
  activationDate: 2n,
  deactivationDate: 3n,
  compromiseOccurrenceDate: 4n,
  compromiseDate: 5n,
  revocationReason: { code: RevocationReasonCode.KeyCompromise, message: "lost laptop" },
  destroyDate: 6n,
  lastChangeDate: 7n,
  originalCreationDate: 8n,
  retained: [
    build.enumeration(Tag.ObjectType, 4),
    build.structure(Tag.Name, [build.textString(Tag.NameValue, "k")]),
  ],
};

describe("lifecycle record encoding", () => {
  it("round-trips every field, and a bare State", () => {
    expect(decodeRecord(encodeRecord(FULL))).toEqual(FULL);
    expect(decodeRecord(encodeRecord({ state: State.Active }))).toEqual({ state: State.Active });
  });

  it("is TTLV: a Structure of Attributes with the record format first", () => {
    const bytes = encodeRecord({ state: State.Active });
    expect(Buffer.from(bytes.subarray(0, 4)).toString("hex")).toBe("42012501");
  });

  it("refuses another format major version and garbage: General Failure", () => {
    const future = encodeTtlv(
      build.structure(Tag.Attributes, [
        build.structure(Tag.ProtocolVersion, [
          build.integer(Tag.ProtocolVersionMajor, 2),
          build.integer(Tag.ProtocolVersionMinor, 0),
        ]),
        build.enumeration(Tag.State, State.Active),
      ]),
    );
    for (const bytes of [future, new Uint8Array([1, 2, 3])]) {
      let reason: number | undefined;
      try {
        decodeRecord(bytes);
      } catch (err) {
        reason = (err as KmipError).reason;
      }
      expect(reason).toBe(ResultReason.GeneralFailure);
    }
  });
});

describe("LifecycleStore", () => {
  it("reads a key once, then answers from the cache (absent too)", async () => {
    const { client } = dataObjectClient();
    const store = new LifecycleStore(client);
    expect(await store.read("tok", "A_priv")).toBeUndefined();
    expect(await store.read("tok", "A_priv")).toBeUndefined();
    expect(client.callsOf("readDataObject")).toHaveLength(1);
    expect(client.callsOf("readDataObject")[0]?.args).toEqual([
      "tok",
      { application: "kmip2pkcs11", label: "A_priv" },
    ]);
  });

  it("answers cached() without a promise once cached, undefined before (nothing read)", async () => {
    const { client } = dataObjectClient();
    const store = new LifecycleStore(client);
    expect(store.cached("tok", "A_priv")).toBeUndefined();
    expect(store.cached("tok", "B_priv")).toBeUndefined();
    expect(client.callsOf("readDataObject")).toHaveLength(0);
    await store.read("tok", "A_priv");
    expect(store.cached("tok", "A_priv")).toBeNull(); // read: the key has no record
    await store.write("tok", "B_priv", FULL);
    expect(store.cached("tok", "B_priv")).toEqual(FULL);
    expect(store.cached("other", "B_priv")).toBeUndefined();
  });

  it("writes through: the token holds the record, the cache answers without a read", async () => {
    const { client, objects } = dataObjectClient();
    const store = new LifecycleStore(client);
    await store.write("tok", "A_priv", FULL);
    expect(decodeRecord(objects.get("tok/kmip2pkcs11/A_priv")!)).toEqual(FULL);
    expect(await store.read("tok", "A_priv")).toEqual(FULL);
    expect(client.callsOf("readDataObject")).toHaveLength(0);
    // Another store (a restarted relay) reads it from the token.
    expect(await new LifecycleStore(client).read("tok", "A_priv")).toEqual(FULL);
  });

  it("takes the newest of two copies an interrupted write left: the highest State", async () => {
    const copies = [
      encodeRecord({ state: State.Active, lastChangeDate: 5n }),
      encodeRecord({ state: State.Compromised, lastChangeDate: 5n }),
      encodeRecord({ state: State.Deactivated, lastChangeDate: 5n }),
    ];
    const client = new FakeClient({ readDataObject: () => copies });
    expect((await new LifecycleStore(client).read("tok", "A"))?.state).toBe(State.Compromised);
  });

  it("of two copies in one State, takes the later Last Change Date", async () => {
    const copies = [
      encodeRecord({ state: State.PreActive, lastChangeDate: 9n, activationDate: 90n }),
      encodeRecord({ state: State.PreActive, lastChangeDate: 5n, activationDate: 50n }),
    ];
    const client = new FakeClient({ readDataObject: () => copies });
    expect((await new LifecycleStore(client).read("tok", "A"))?.activationDate).toBe(90n);
  });

  it("keeps tokens apart", async () => {
    const { client } = dataObjectClient();
    const store = new LifecycleStore(client);
    await store.write("one", "A_priv", FULL);
    expect(await store.read("two", "A_priv")).toBeUndefined();
  });

  it("asks the token once for concurrent first reads of one key", async () => {
    const { client } = dataObjectClient();
    const store = new LifecycleStore(client);
    await Promise.all(Array.from({ length: 20 }, () => store.read("tok", "B_pub")));
    expect(client.callsOf("readDataObject")).toHaveLength(1);
  });

  it("holds at most `capacity` entries, the least recently used leaving first", async () => {
    const { client } = dataObjectClient();
    const store = new LifecycleStore(client, { capacity: 2 });
    await store.read("tok", "A");
    await store.read("tok", "B");
    await store.read("tok", "A"); // A is now the most recent
    await store.read("tok", "C"); // B leaves
    expect(store.size).toBe(2);
    await store.read("tok", "A");
    expect(client.callsOf("readDataObject")).toHaveLength(3);
    await store.read("tok", "B");
    expect(client.callsOf("readDataObject")).toHaveLength(4);
  });

  it("forgets an entry whose write failed, so the next read asks the token", async () => {
    const { client } = dataObjectClient();
    const store = new LifecycleStore(client);
    await store.write("tok", "A", { state: State.Active });
    const failing = new FakeClient({
      ...client.stubs,
      writeDataObject: () => {
        throw new Error("token gone");
      },
    });
    const broken = new LifecycleStore(failing);
    await broken.read("tok", "A");
    await rejection(() => broken.write("tok", "A", FULL));
    expect(await broken.read("tok", "A")).toEqual({ state: State.Active });
    expect(failing.callsOf("readDataObject")).toHaveLength(2);
  });

  it("runs changes of one key one at a time, each from the previous result", async () => {
    const { client } = dataObjectClient();
    const store = new LifecycleStore(client);
    const seen: (number | undefined)[] = [];
    const bump = (current: LifecycleRecord | undefined) => {
      seen.push(current?.state);
      return { state: (current?.state ?? 0) + 1 };
    };
    await Promise.all([1, 2, 3].map(() => store.update("tok", "K", bump)));
    expect(seen).toEqual([undefined, 1, 2]);
    expect(await store.read("tok", "K")).toEqual({ state: 3 });
  });

  it("writes nothing when a change throws, and later changes still run", async () => {
    const { client } = dataObjectClient();
    const store = new LifecycleStore(client);
    const failed = store.update("tok", "K", () => {
      throw new Error("refused");
    });
    const next = store.update("tok", "K", () => ({ state: State.Active }));
    await rejection(() => failed);
    expect(await next).toEqual({ state: State.Active });
    expect(client.callsOf("writeDataObject")).toHaveLength(1);
  });

  it("tells the time in whole seconds", () => {
    const store = new LifecycleStore(new FakeClient(), { clock: () => 1_700_000_000_999 });
    expect(store.now()).toBe(1_700_000_000n);
  });
});

describe("token names", () => {
  /** A client on which "dnssec" (label) and "0" (slot index) name the same token. */
  function aliasedClient() {
    const info = (serialNumber: string, label: string) => ({
      slot: {},
      token: { serialNumber, label },
    });
    const { client } = dataObjectClient({
      tokenInfo: (token: string) =>
        token === "dnssec" || token === "0" ? info("42", "dnssec") : info("7", token),
    });
    // The data objects of one token are one place, whichever name reaches it.
    const objects = new Map<string, Uint8Array>();
    const name = (label: string) => `${label}`;
    client.stubs.readDataObject = (_t, n) => {
      const v = objects.get(name(n.label));
      return v === undefined ? [] : [v];
    };
    client.stubs.writeDataObject = (_t, n, value) => {
      objects.set(name(n.label), value);
    };
    return client;
  }

  it("a record changed through one name of a token is not stale under another", async () => {
    const client = aliasedClient();
    const store = new LifecycleStore(client);
    await store.write("dnssec", "K_priv", { state: State.Active });
    // Cached under the slot index too before the change...
    expect((await store.read("0", "K_priv"))?.state).toBe(State.Active);
    await store.update("dnssec", "K_priv", (r) => ({
      ...(r ?? { state: 0 }),
      state: State.Compromised,
    }));
    // ...and the change is seen there: a compromised key must not sign through an alias.
    expect(store.cached("0", "K_priv")?.state).toBe(State.Compromised);
    expect((await store.read("0", "K_priv"))?.state).toBe(State.Compromised);
    expect(client.callsOf("tokenInfo")).toHaveLength(2); // once per name
  });

  it("different tokens keep apart, and a token that cannot be asked keys by its name", async () => {
    const client = aliasedClient();
    const store = new LifecycleStore(client);
    await store.write("dnssec", "K_priv", { state: State.Active });
    expect(store.cached("other", "K_priv")).toBeUndefined();
    const failing = new FakeClient({
      tokenInfo: () => {
        throw new Error("no such token");
      },
      readDataObject: () => [],
    });
    expect(await new LifecycleStore(failing).read("x", "K_priv")).toBeUndefined();
  });
});
