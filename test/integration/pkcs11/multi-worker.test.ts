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
import { generateKeyPair, type KeyPairRefs, readPublicKey, signAndCheck } from "./keys.js";

let hsm: SoftHsmToken;
let client: SupervisedPkcs11Client;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ hsm, client, close } = await openTokenClient("multi", "4321", { login: false }));
});

afterAll(async () => {
  await close?.();
});

/** Runs `call` and returns which worker slot served it (from the per-worker call counters). */
async function servedBy<T>(call: () => Promise<T>): Promise<{ slot: number; value: T }> {
  const before = client.stats().workers.map((w) => w.calls);
  const value = await call();
  const after = client.stats().workers.map((w) => w.calls);
  const slot = after.findIndex((calls, i) => calls > (before[i] ?? 0));
  return { slot, value };
}

it("creates in one worker, then in another, and finds and signs the first key through every worker", async () => {
  await client.login(hsm.label, hsm.pin);
  const first = await servedBy(() => generateKeyPair(client, hsm.label, "p256", "first"));
  const second = await servedBy(() => generateKeyPair(client, hsm.label, "ed25519", "second"));
  expect(first.slot).toBeGreaterThanOrEqual(0);
  expect(second.slot).toBeGreaterThanOrEqual(0);
  expect(second.slot).not.toBe(first.slot);

  const keys: KeyPairRefs[] = [first.value, second.value];
  const slotsUsed = new Set<number>();
  for (const pair of keys) {
    for (let i = 0; i < 4; i++) {
      const found = await servedBy(() =>
        client.findObjects(hsm.label, [{ type: CKA.ID, value: pair.id }], {
          max: 4,
          attributes: [CKA.CLASS],
        }),
      );
      expect(found.value).toHaveLength(2);
      slotsUsed.add(found.slot);
      const key = await readPublicKey(client, hsm.label, pair);
      const signed = await servedBy(() => signAndCheck(client, hsm.label, pair, key));
      expect(signed.value).toBe(true);
      slotsUsed.add(signed.slot);
    }
  }
  expect([...slotsUsed].sort()).toEqual([0, 1]);
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
