/**
 * SignGroup: the callers of a signMany frame each get their own outcome, in order; a failed
 * frame fails them as separate calls would; a malformed answer is refused. Through the codec
 * as the worker would send it. No I/O.
 */
import { describe, expect, it } from "vitest";
import { CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import { ObjectNotFoundError, Pkcs11Error, WorkerError } from "../../../src/pkcs11/errors.js";
import {
  decodeResponse,
  encodeMessage,
  type SignOutcome,
} from "../../../src/pkcs11/rpc/protocol.js";
import {
  checkOutcomes,
  MAX_SIGN_GROUP,
  SignGroup,
  SignPace,
} from "../../../src/pkcs11/sign-group.js";
import { fromWire } from "../../../src/pkcs11/worker-process.js";

const ref = (n: number) => ({ cls: CKO.PRIVATE_KEY, id: Uint8Array.of(n) });
const call = (n: number) => ({
  token: "tok",
  ref: ref(n),
  mechanism: { type: CKM.ECDSA },
  data: Uint8Array.of(n, n),
});

/** The answer as it comes back from a worker: encoded and decoded. */
function overTheWire(outcomes: SignOutcome[]): unknown {
  const response = decodeResponse(encodeMessage({ id: 1, ok: true, result: outcomes }).subarray(4));
  if (!response.ok) throw new Error("not a result");
  return response.result;
}

describe("SignGroup", () => {
  it("carries the items in call order, with the highest write generation", async () => {
    const group = new SignGroup("tok", 3);
    void group.add(call(1), 5);
    void group.add(call(2), 4);
    expect(group.items.map((i) => i.ref.id[0])).toEqual([1, 2]);
    expect(group.items[1]?.data).toEqual(Uint8Array.of(2, 2));
    expect(group.gen).toBe(5);
    expect(group.single()).toBeUndefined();
  });

  it("is a plain sign call when it holds one", () => {
    const group = new SignGroup("tok", 0);
    void group.add(call(7), 0);
    expect(group.single()?.params).toEqual(call(7));
    void group.add(call(8), 0);
    expect(group.size).toBe(2);
  });

  it("sizes frames to finish well within the call timeout, learned from answers", () => {
    const fast = new SignPace(10_000);
    expect(fast.limit).toBe(1); // nothing measured yet
    fast.record(32, 2.5); // SoftHSM2 P-256: ~0.08 ms a signature
    expect(fast.limit).toBe(MAX_SIGN_GROUP);
    const slow = new SignPace(10_000);
    slow.record(1, 400); // a network HSM
    expect(slow.limit).toBe(6); // 6 x 400 ms = 2.4 s, within a quarter of 10 s
    slow.record(6, 6 * 3_000); // it slowed down: smaller frames, down to one sign
    expect(slow.limit).toBeLessThan(6);
    for (let i = 0; i < 5; i++) slow.record(1, 3_000);
    expect(slow.limit).toBe(1);
  });

  it("gives each caller its own signature or error, in order", async () => {
    const group = new SignGroup("tok", 0);
    const calls = [1, 2, 3, 4].map((n) => group.add(call(n), 0).catch((e: unknown) => e));
    const result = overTheWire([
      { ok: true, signature: Uint8Array.of(0xa1) },
      { ok: false, error: { kind: "objectNotFound", message: "no such key" } },
      {
        ok: false,
        error: { kind: "pkcs11", ckr: CKR.KEY_TYPE_INCONSISTENT, fn: "C_SignInit", message: "x" },
      },
      { ok: true, signature: Uint8Array.of(0xa4) },
    ]);
    checkOutcomes(result, 4);
    group.settle(result, fromWire);
    const [first, second, third, fourth] = await Promise.all(calls);
    expect(first).toEqual(Uint8Array.of(0xa1));
    expect(second).toBeInstanceOf(ObjectNotFoundError);
    expect(third).toBeInstanceOf(Pkcs11Error);
    expect((third as Pkcs11Error).ckr).toBe(CKR.KEY_TYPE_INCONSISTENT);
    expect(fourth).toEqual(Uint8Array.of(0xa4));
  });

  it("fails the first caller with the frame's error and the others as crashed", async () => {
    const group = new SignGroup("tok", 0);
    const calls = [1, 2, 3].map((n) => group.add(call(n), 0).catch((e: unknown) => e));
    group.fail(new WorkerError("timeout", "call timed out", 9), 9);
    const errors = (await Promise.all(calls)) as WorkerError[];
    expect(errors.map((e) => e.kind)).toEqual(["timeout", "crashed", "crashed"]);
    expect(errors.every((e) => e.workerId === 9)).toBe(true);
  });

  it("refuses an answer with another count of outcomes or a malformed one", () => {
    const one = overTheWire([{ ok: true, signature: Uint8Array.of(1) }]);
    expect(() => checkOutcomes(one, 2)).toThrow(/not 2 outcomes/);
    expect(() => checkOutcomes([{ ok: true }], 1)).toThrow();
    expect(() => checkOutcomes([{ ok: false }], 1)).toThrow();
    expect(() => checkOutcomes("nothing", 1)).toThrow();
    expect(() => checkOutcomes(one, 1)).not.toThrow();
  });
});
