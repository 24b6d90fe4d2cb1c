/**
 * Multi-part Encrypt / Decrypt (cipher-stream-run.ts, cipher-streams.ts) against a fake
 * client that records the stream calls: Init / Correlation Value / Final, what reaches the
 * token, ownership, bounds, idle close, connection close, lost workers. No I/O.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BlockCipherMode, PaddingMethod, ResultReason } from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { CipherStreams, type StreamState } from "../../../src/operations/cipher-streams.js";
import { decrypt } from "../../../src/operations/decrypt.js";
import { encrypt } from "../../../src/operations/encrypt.js";
import type { OperationConnection, OperationContext } from "../../../src/operations/types.js";
import type { CipherStream } from "../../../src/pkcs11/client.js";
import { CKM, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error, WorkerError } from "../../../src/pkcs11/errors.js";
import type { GcmParams, Mechanism } from "../../../src/pkcs11/types.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { aad, bytes, GCM, iv, params, refusal, SEC, tag } from "./cipher-fixtures.js";
import { contextFor, FakeClient, field, payload } from "./fake.js";

/** A fake client with stream methods: each part's output is its input with 0x80 set. */
class StreamClient extends FakeClient {
  next = 1;
  readonly begun: { mechanism: Mechanism; decrypt: boolean; data: Uint8Array }[] = [];
  readonly updates: Uint8Array[] = [];
  readonly finishes: Uint8Array[] = [];
  readonly aborted: number[] = [];
  finalOutput = bytes(4, 0xee);
  failUpdate: Error | undefined;
  override streamBegin = async (
    _t: string,
    _r: unknown,
    mechanism: Mechanism,
    d: boolean,
    data: Uint8Array,
  ) => {
    this.begun.push({ mechanism, decrypt: d, data });
    return { stream: { workerId: 1, id: this.next++ }, output: data.map((b) => b | 0x80) };
  };
  override streamUpdate = async (_s: CipherStream, data: Uint8Array) => {
    if (this.failUpdate) throw this.failUpdate;
    this.updates.push(data);
    return data.map((b) => b | 0x80);
  };
  override streamFinish = async (_s: CipherStream, data: Uint8Array) => {
    this.finishes.push(data);
    return new Uint8Array([...data.map((b) => b | 0x80), ...this.finalOutput]);
  };
  override streamAbort = async (s: CipherStream) => {
    this.aborted.push(s.id);
  };
}

function connection(id: number): OperationConnection & { close(): void } {
  const listeners: (() => void)[] = [];
  return {
    id,
    onClose: (f) => {
      listeners.push(f);
    },
    close: () => {
      for (const f of listeners) f();
    },
  };
}

function ctxOf(client: FakeClient, over: { token?: string; conn?: OperationConnection } = {}) {
  const base = contextFor(client, { token: over.token ?? "tok", version: { major: 2, minor: 1 } });
  return (over.conn === undefined ? base : { ...base, connection: over.conn }) as OperationContext;
}

const uid = build.textString(Tag.UniqueIdentifier, SEC);
const data = (b: Uint8Array) => build.byteString(Tag.Data, b);
const init = build.boolean(Tag.InitIndicator, true);
const final = build.boolean(Tag.FinalIndicator, true);
const corr = (c: Uint8Array) => build.byteString(Tag.CorrelationValue, c);
const bytesOf = (items: readonly TtlvItem[], t: number) => field(items, t)?.value as Uint8Array;

async function begin(ctx: OperationContext, extra: TtlvItem[] = []) {
  const result = await encrypt.run(
    payload(uid, GCM, data(bytes(3, 1)), iv(bytes(12, 7)), init, ...extra),
    ctx,
  );
  return { result, correlation: bytesOf(result.payload, Tag.CorrelationValue) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("multi-part Encrypt", () => {
  it("Init: C_EncryptInit with the GCM parameters and the first part; answers Data and a Correlation Value, no tag", async () => {
    const client = new StreamClient();
    const ctx = ctxOf(client);
    const { result, correlation } = await begin(ctx, [aad(bytes(5, 3))]);
    const [first] = client.begun;
    expect(first?.decrypt).toBe(false);
    expect(first?.mechanism.type).toBe(CKM.AES_GCM);
    const gcm = first?.mechanism.parameter as GcmParams;
    expect(gcm.iv).toEqual(bytes(12, 7));
    expect(gcm.aad).toEqual(bytes(5, 3));
    expect(gcm.tagBits).toBe(128);
    expect(first?.data).toEqual(bytes(3, 1));
    expect(result.payload.map((i) => i.tag)).toEqual([
      Tag.UniqueIdentifier,
      Tag.Data,
      Tag.CorrelationValue,
    ]);
    expect(bytesOf(result.payload, Tag.Data)).toEqual(bytes(3, 0x81));
    expect(correlation).toHaveLength(16);
    expect(client.callsOf("encrypt")).toHaveLength(0);
  });

  it("a middle part goes to C_EncryptUpdate; the final one to C_EncryptFinal, whose last 16 bytes are the tag", async () => {
    const client = new StreamClient();
    client.finalOutput = new Uint8Array([...bytes(2, 0x55), ...bytes(16, 0x77)]);
    const ctx = ctxOf(client);
    const { correlation } = await begin(ctx);
    const middle = await encrypt.run(payload(uid, data(bytes(4, 2)), corr(correlation)), ctx);
    expect(client.updates).toEqual([bytes(4, 2)]);
    expect(middle.payload.map((i) => i.tag)).toEqual([Tag.UniqueIdentifier, Tag.Data]);
    const last = await encrypt.run(payload(uid, data(bytes(1, 4)), corr(correlation), final), ctx);
    expect(client.finishes).toEqual([bytes(1, 4)]);
    expect(bytesOf(last.payload, Tag.Data)).toEqual(new Uint8Array([0x84, 0x55, 0x55]));
    expect(bytesOf(last.payload, Tag.AuthenticatedEncryptionTag)).toEqual(bytes(16, 0x77));
    expect(field(last.payload, Tag.CorrelationValue)).toBeUndefined();
    // Finished: the value names nothing any more.
    const again = await refusal(() =>
      encrypt.run(payload(uid, data(bytes(1)), corr(correlation)), ctx),
    );
    expect(again.reason).toBe(ResultReason.InvalidField);
    expect(again.message).toMatch(/names no open multi-part Encrypt/);
  });

  it("returns a generated IV with the first part (CBC, no IV given)", async () => {
    const client = new StreamClient();
    const cbc = params({ mode: BlockCipherMode.CBC, padding: PaddingMethod.PKCS5 });
    const result = await encrypt.run(payload(uid, cbc, data(bytes(5)), init), ctxOf(client));
    expect(client.begun[0]?.mechanism.type).toBe(CKM.AES_CBC_PAD);
    expect(bytesOf(result.payload, Tag.IVCounterNonce)).toEqual(
      client.begun[0]?.mechanism.parameter,
    );
    expect(bytesOf(result.payload, Tag.IVCounterNonce)).toHaveLength(16);
  });

  it("keeps a stream to its token and connection: others get the answer an unknown value gets", async () => {
    const client = new StreamClient();
    const conn = connection(7);
    const { correlation } = await begin(ctxOf(client, { conn }));
    for (const other of [
      ctxOf(client, { token: "other", conn }),
      ctxOf(client, { conn: connection(8) }),
      ctxOf(client),
    ]) {
      const err = await refusal(() =>
        encrypt.run(payload(uid, data(bytes(1)), corr(correlation)), other),
      );
      expect(err.reason).toBe(ResultReason.InvalidField);
      expect(err.message).toMatch(/names no open multi-part Encrypt of this client/);
    }
    const decryptOfIt = await refusal(() =>
      decrypt.run(payload(uid, data(bytes(1)), corr(correlation)), ctxOf(client, { conn })),
    );
    expect(decryptOfIt.reason).toBe(ResultReason.InvalidField);
    expect(client.updates).toHaveLength(0);
    // The owner still can.
    await encrypt.run(payload(uid, data(bytes(1)), corr(correlation)), ctxOf(client, { conn }));
    expect(client.updates).toHaveLength(1);
  });

  it("closes a connection's streams when it closes", async () => {
    const client = new StreamClient();
    const conn = connection(9);
    const { correlation } = await begin(ctxOf(client, { conn }));
    await begin(ctxOf(client, { conn }));
    conn.close();
    expect(client.aborted.sort()).toEqual([1, 2]);
    const err = await refusal(() =>
      encrypt.run(payload(uid, data(bytes(1)), corr(correlation)), ctxOf(client, { conn })),
    );
    expect(err.reason).toBe(ResultReason.InvalidField);
  });

  it("a lost worker: General Failure saying so, and the stream is forgotten", async () => {
    const client = new StreamClient();
    const ctx = ctxOf(client);
    const { correlation } = await begin(ctx);
    client.failUpdate = new WorkerError(
      "unavailable",
      "PKCS#11 worker 1, which held this multi-part operation, has ended",
    );
    const err = await refusal(() =>
      encrypt.run(payload(uid, data(bytes(1)), corr(correlation)), ctx),
    );
    expect(err.reason).toBe(ResultReason.GeneralFailure);
    expect(err.message).toMatch(
      /multi-part operation was lost .*worker 1.*start again with Init Indicator/,
    );
    client.failUpdate = undefined;
    const after = await refusal(() =>
      encrypt.run(payload(uid, data(bytes(1)), corr(correlation)), ctx),
    );
    expect(after.reason).toBe(ResultReason.InvalidField);
  });

  it.each([
    [
      "ECB with PKCS5 padding",
      params({ mode: BlockCipherMode.ECB, padding: PaddingMethod.PKCS5 }),
      /relay adds and removes ECB's PKCS5 padding/,
    ],
  ] as const)(
    "refuses to stream %s (Feature Not Supported), without a token call",
    async (_, p, message) => {
      const client = new StreamClient();
      const err = await refusal(() =>
        encrypt.run(payload(uid, p, data(bytes(16)), init), ctxOf(client)),
      );
      expect(err.reason).toBe(ResultReason.FeatureNotSupported);
      expect(err.message).toMatch(message);
      expect(client.begun).toHaveLength(0);
    },
  );

  it("refuses a Correlation Value with Init Indicator true", async () => {
    const client = new StreamClient();
    const err = await refusal(() =>
      encrypt.run(payload(uid, GCM, data(bytes(1)), init, corr(bytes(16))), ctxOf(client)),
    );
    expect(err.reason).toBe(ResultReason.InvalidField);
  });
});

describe("multi-part Decrypt", () => {
  it("GCM: the tag comes with the final part and is appended to it; plaintext as the token gives it", async () => {
    const client = new StreamClient();
    client.finalOutput = bytes(0);
    const ctx = ctxOf(client);
    const first = await decrypt.run(payload(uid, GCM, data(bytes(8, 1)), iv(bytes(12)), init), ctx);
    expect(client.begun[0]?.decrypt).toBe(true);
    const correlation = bytesOf(first.payload, Tag.CorrelationValue);
    const last = await decrypt.run(
      payload(uid, data(bytes(2, 3)), tag(bytes(16, 9)), corr(correlation), final),
      ctx,
    );
    expect(client.finishes[0]).toEqual(new Uint8Array([3, 3, ...bytes(16, 9)]));
    expect(field(last.payload, Tag.CorrelationValue)).toBeUndefined();
  });

  it("GCM: a final part without the tag is Missing Data and ends the operation", async () => {
    const client = new StreamClient();
    const ctx = ctxOf(client);
    const first = await decrypt.run(payload(uid, GCM, data(bytes(8)), iv(bytes(12)), init), ctx);
    const correlation = bytesOf(first.payload, Tag.CorrelationValue);
    const err = await refusal(() =>
      decrypt.run(payload(uid, data(bytes(2)), corr(correlation), final), ctx),
    );
    expect(err.reason).toBe(ResultReason.MissingData);
    expect(client.aborted).toEqual([1]);
    expect(client.finishes).toHaveLength(0);
  });

  it("a failed C_DecryptFinal (wrong tag) is Cryptographic Failure", async () => {
    const client = new StreamClient();
    client.streamFinish = async () => {
      throw new Pkcs11Error(CKR.ENCRYPTED_DATA_INVALID, "C_DecryptFinal");
    };
    const ctx = ctxOf(client);
    const first = await decrypt.run(payload(uid, GCM, data(bytes(8)), iv(bytes(12)), init), ctx);
    const correlation = bytesOf(first.payload, Tag.CorrelationValue);
    const err = await refusal(() =>
      decrypt.run(payload(uid, data(bytes(2)), tag(bytes(16)), corr(correlation), final), ctx),
    );
    expect(err.reason).toBe(ResultReason.CryptographicFailure);
    expect(err.message).toMatch(/Authenticated Encryption Tag does not match .*C_DecryptFinal/);
  });
});

describe("stream table bounds", () => {
  const state = (id: number) => ({
    op: "Encrypt" as const,
    uid: SEC,
    // Only the table's bookkeeping is tested: the plan is carried, never read.
    plan: { kind: "ECB", padded: false } as unknown as StreamState["plan"],
    tagBytes: 0,
    stream: { workerId: 1, id },
  });

  it("refuses beyond the per-connection and per-relay bounds: Server Limit Exceeded (2.x), General Failure (1.x)", () => {
    const table = new CipherStreams(new StreamClient(), {
      perRelay: 3,
      perConnection: 2,
      idleMs: 1000,
    });
    const a = { token: "tok", connection: connection(1) };
    table.add(state(1), a);
    table.add(state(2), a);
    expect(() => table.checkRoom("Encrypt", a, 2)).toThrow(
      /2 multi-part operations are open on this connection/,
    );
    const b = { token: "tok", connection: connection(2) };
    table.checkRoom("Encrypt", b, 2);
    table.add(state(3), b);
    try {
      table.checkRoom("Encrypt", b, 1);
      expect.unreachable();
    } catch (err) {
      expect((err as { reason: number }).reason).toBe(ResultReason.GeneralFailure);
      expect((err as Error).message).toMatch(/3 multi-part operations are open in the relay/);
    }
    try {
      table.checkRoom("Encrypt", b, 2);
      expect.unreachable();
    } catch (err) {
      expect((err as { reason: number }).reason).toBe(ResultReason.ServerLimitExceeded);
    }
  });

  it("closes a stream idle for idleMs (C_CloseSession in its worker); a busy one is not timed out", () => {
    vi.useFakeTimers();
    const client = new StreamClient();
    const table = new CipherStreams(client, { perRelay: 8, perConnection: 8, idleMs: 1000 });
    const owner = { token: "tok", connection: undefined };
    const idle = table.add(state(1), owner);
    const busy = table.add(state(2), owner);
    table.take("Encrypt", busy, owner);
    vi.advanceTimersByTime(999);
    expect(client.aborted).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(client.aborted).toEqual([1]);
    expect(table.size).toBe(1);
    expect(() => table.take("Encrypt", idle, owner)).toThrow(/names no open multi-part/);
    expect(() => table.take("Encrypt", busy, owner)).toThrow(/still in progress/);
    table.release(busy);
    vi.advanceTimersByTime(1000);
    expect(client.aborted).toEqual([1, 2]);
    expect(table.size).toBe(0);
  });
});
