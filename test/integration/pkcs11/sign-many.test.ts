/**
 * Grouped signing (signMany): sign calls a worker gets in one event-loop turn leave in one
 * frame; each keeps its own result, in the caller's order, and its own error.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CKM, CKO } from "../../../src/pkcs11/constants.js";
import { ObjectNotFoundError, Pkcs11Error, WorkerError } from "../../../src/pkcs11/errors.js";
import { FrameError } from "../../../src/pkcs11/rpc/frames.js";
import { openTokenClient, type TokenClient } from "../../helpers/softhsm.js";
import {
  generateKeyPair,
  type KeyPairRefs,
  readPublicKey,
  signingInput,
  verifyWithNode,
} from "./keys.js";

let tc: TokenClient;
let p256: KeyPairRefs;
let rsa: KeyPairRefs;

beforeAll(async () => {
  tc = await openTokenClient("signmany", "5678", { workers: 1 });
  p256 = await generateKeyPair(tc.client, tc.hsm.label, "p256");
  rsa = await generateKeyPair(tc.client, tc.hsm.label, "rsa");
  // One sign first: a worker groups signs once it has timed one (SignPace).
  const { mechanism, data } = signingInput("p256", randomBytes(8));
  await tc.client.sign(tc.hsm.label, p256.privateRef, mechanism, data);
});

afterAll(() => tc?.close());

const framesAndCalls = () => {
  const [worker] = tc.client.stats().workers;
  return { frames: worker?.frames ?? 0, calls: worker?.calls ?? 0 };
};

describe("signs grouped into one frame", () => {
  it("answers each sign with its own signature, in order, in fewer frames than calls", async () => {
    const key = await readPublicKey(tc.client, tc.hsm.label, p256);
    const before = framesAndCalls();
    const messages = Array.from({ length: 20 }, () => randomBytes(40));
    const signatures = await Promise.all(
      messages.map((message) => {
        const { mechanism, data } = signingInput("p256", message);
        return tc.client.sign(tc.hsm.label, p256.privateRef, mechanism, data);
      }),
    );
    messages.forEach((message, i) => {
      expect(verifyWithNode("p256", key, message, signatures[i]!)).toBe(true);
      // Another message's signature does not verify: the results are not swapped.
      const other = messages[(i + 1) % messages.length]!;
      expect(verifyWithNode("p256", key, other, signatures[i]!)).toBe(false);
    });
    const after = framesAndCalls();
    expect(after.calls - before.calls).toBe(20);
    expect(after.frames - before.frames).toBeLessThan(20);
  });

  it("fails only the items that fail, each with its own error", async () => {
    const label = tc.hsm.label;
    const rsaKey = await readPublicKey(tc.client, label, rsa);
    const message = randomBytes(32);
    const good = signingInput("rsa", message);
    const missing = { cls: CKO.PRIVATE_KEY, id: randomBytes(16) };
    const before = framesAndCalls();
    const outcomes = await Promise.all(
      [
        tc.client.sign(label, rsa.privateRef, good.mechanism, good.data),
        tc.client.sign(label, missing, good.mechanism, good.data),
        tc.client.sign(label, rsa.privateRef, { type: CKM.ECDSA }, good.data),
        tc.client.sign(label, rsa.privateRef, good.mechanism, good.data),
      ].map((p) => p.catch((e: unknown) => e)),
    );
    expect(framesAndCalls().frames - before.frames).toBe(1);
    expect(verifyWithNode("rsa", rsaKey, message, outcomes[0] as Uint8Array)).toBe(true);
    expect(outcomes[1]).toBeInstanceOf(ObjectNotFoundError);
    expect(outcomes[2]).toBeInstanceOf(Pkcs11Error);
    expect(outcomes[2]).not.toBeInstanceOf(ObjectNotFoundError);
    // The same error as the call alone gets.
    const alone = await tc.client
      .sign(label, rsa.privateRef, { type: CKM.ECDSA }, good.data)
      .catch((e: unknown) => e);
    expect(alone).toBeInstanceOf(Pkcs11Error);
    expect((outcomes[2] as Pkcs11Error).ckr).toBe((alone as Pkcs11Error).ckr);
    expect((outcomes[2] as Pkcs11Error).fn).toBe((alone as Pkcs11Error).fn);
    expect(verifyWithNode("rsa", rsaKey, message, outcomes[3] as Uint8Array)).toBe(true);
  });

  it("signs large messages in frames of their own, and a frame too large fails only its call", async () => {
    const label = tc.hsm.label;
    const rsaKey = await readPublicKey(tc.client, label, rsa);
    const messages = [1, 2, 3].map(() => randomBytes(700 * 1024));
    const before = framesAndCalls();
    const signatures = await Promise.all(
      messages.map((m) => tc.client.sign(label, rsa.privateRef, { type: CKM.SHA256_RSA_PKCS }, m)),
    );
    messages.forEach((m, i) => {
      expect(verifyWithNode("rsa", rsaKey, m, signatures[i]!)).toBe(true);
    });
    expect(framesAndCalls().frames - before.frames).toBe(3);
    // Over the RPC's 64 MiB frame limit: that call is refused, the one beside it signs.
    const huge = new Uint8Array(65 * 1024 * 1024);
    const small = signingInput("rsa", messages[0]!);
    const [refused, signed] = await Promise.all([
      tc.client.sign(label, rsa.privateRef, small.mechanism, huge).catch((e: unknown) => e),
      tc.client.sign(label, rsa.privateRef, small.mechanism, small.data),
    ]);
    expect(refused).toBeInstanceOf(FrameError);
    expect(verifyWithNode("rsa", rsaKey, messages[0]!, signed as Uint8Array)).toBe(true);
    expect(tc.client.stats().workers[0]?.restarts).toBe(0);
  });

  it("fails only the signs of a worker killed with them in flight; the other worker's succeed", async () => {
    const two = await openTokenClient("signmany2", "5678", { workers: 2 });
    try {
      const pair = await generateKeyPair(two.client, two.hsm.label, "p256");
      const key = await readPublicKey(two.client, two.hsm.label, pair);
      const { mechanism: m, data: d } = signingInput("p256", randomBytes(8));
      await Promise.all([1, 2].map(() => two.client.sign(two.hsm.label, pair.privateRef, m, d)));
      const [victim, survivor] = two.client.stats().workers;
      const messages = Array.from({ length: 40 }, () => randomBytes(24));
      const calls = messages.map((message) => {
        const { mechanism, data } = signingInput("p256", message);
        return two.client
          .sign(two.hsm.label, pair.privateRef, mechanism, data)
          .catch((e: unknown) => e);
      });
      // The calls are spread over both workers and not sent yet (they leave at the end of
      // this event-loop turn): kill one worker now.
      process.kill(victim!.pid!, "SIGKILL");
      const outcomes = await Promise.all(calls);
      const failed = outcomes.filter((o) => o instanceof WorkerError) as WorkerError[];
      const signed = outcomes.filter((o) => o instanceof Uint8Array) as Uint8Array[];
      expect(failed.length + signed.length).toBe(40);
      expect(failed.length).toBeGreaterThan(0);
      expect(signed.length).toBeGreaterThan(0);
      for (const error of failed) {
        expect(error.kind).toBe("crashed");
        expect(error.workerId).toBe(victim!.workerId);
      }
      outcomes.forEach((o, i) => {
        if (o instanceof Uint8Array)
          expect(verifyWithNode("p256", key, messages[i]!, o)).toBe(true);
      });
      expect(two.client.stats().workers[1]?.workerId).toBe(survivor!.workerId);
    } finally {
      await two.close();
    }
  });
});
