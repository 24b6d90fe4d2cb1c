/**
 * SoftHSM2 2.6.1 multi-process caveat (docs/architecture.md): a key pair created by worker A,
 * then another created by worker B before B looked anything up, leaves A's key invisible to
 * B until B re-initialises. The relay must still find and use every key through every worker.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { CKA } from "../../../src/pkcs11/constants.js";
import { ObjectNotFoundError } from "../../../src/pkcs11/errors.js";
import type { SupervisedPkcs11Client } from "../../../src/pkcs11/supervisor.js";
import { openTokenClient, type SoftHsmToken } from "../../helpers/softhsm.js";
import { generateKeyPair, readPublicKey, signAndCheck } from "./keys.js";

let hsm: SoftHsmToken;
let client: SupervisedPkcs11Client;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ hsm, client, close } = await openTokenClient("multi", "4321", { login: false }));
});

afterAll(async () => {
  await close?.();
});

/** Calls each worker slot has answered so far. */
const callsPerSlot = (): number[] => client.stats().workers.map((w) => w.calls);

/** Runs `call` and returns which worker slot served it (from the per-worker call counters). */
async function servedBy<T>(call: () => Promise<T>): Promise<{ slot: number; value: T }> {
  const before = callsPerSlot();
  const value = await call();
  const slot = callsPerSlot().findIndex((calls, i) => calls > (before[i] ?? 0));
  return { slot, value };
}

/**
 * Runs `call` while slot 0 answers another call made in the same tick: the pool gives a call
 * to the idle worker of the lowest slot (pool.ts pick), so `call` goes to slot 1.
 */
async function onSecondWorker<T>(call: () => Promise<T>): Promise<T> {
  const before = callsPerSlot();
  const [, value] = await Promise.all([client.generateRandom(hsm.label, 8), call()]);
  const after = callsPerSlot();
  expect(after.map((calls, i) => calls - (before[i] ?? 0))).toEqual([1, 1]);
  return value;
}

it("creates in one worker, then in another, and finds and signs the first key through every worker", async () => {
  await client.login(hsm.label, hsm.pin);
  const first = await servedBy(() => generateKeyPair(client, hsm.label, "p256", "first"));
  expect(first.slot).toBe(0);
  // Worker 1 has looked nothing up yet when it creates the second pair (the caveat's case).
  const second = await onSecondWorker(() =>
    generateKeyPair(client, hsm.label, "ed25519", "second"),
  );

  for (const pair of [first.value, second]) {
    for (let i = 0; i < 4; i++) {
      const find = () =>
        client.findObjects(hsm.label, [{ type: CKA.ID, value: pair.id }], {
          max: 4,
          attributes: [CKA.CLASS],
        });
      // The same search through worker 0 (alone) and worker 1 (while 0 is busy).
      expect((await servedBy(find)).value).toHaveLength(2);
      expect(await onSecondWorker(find)).toHaveLength(2);
      const key = await readPublicKey(client, hsm.label, pair);
      const signAndVerify = () => signAndCheck(client, hsm.label, pair, key);
      expect((await servedBy(signAndVerify)).value).toBe(true);
      expect(await onSecondWorker(signAndVerify)).toBe(true);
    }
  }
});

it("sees a key destroyed by one worker as gone in every worker", async () => {
  await client.login(hsm.label, hsm.pin);
  const pair = await generateKeyPair(client, hsm.label, "p256", "doomed");
  const key = await readPublicKey(client, hsm.label, pair);
  // Let both workers cache the key's handle.
  const warm = await Promise.all([0, 1].map(() => signAndCheck(client, hsm.label, pair, key)));
  expect(warm).toEqual([true, true]);
  await client.destroyObject(hsm.label, pair.privateRef);
  const attempts = await Promise.all(
    [0, 1, 2, 3].map(() => signAndCheck(client, hsm.label, pair, key).catch((e: unknown) => e)),
  );
  for (const attempt of attempts) expect(attempt).toBeInstanceOf(ObjectNotFoundError);
  // The relay still works on both workers afterwards.
  const other = await generateKeyPair(client, hsm.label, "ed25519");
  const otherKey = await readPublicKey(client, hsm.label, other);
  const after = await Promise.all(
    [0, 1].map(() => signAndCheck(client, hsm.label, other, otherKey)),
  );
  expect(after).toEqual([true, true]);
});
