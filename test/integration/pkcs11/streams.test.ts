/**
 * Multi-part Encrypt / Decrypt through the worker RPC on SoftHSM2 2.6.1 (worker/streams.ts):
 * AES-GCM and AES-CBC-PAD in parts equal node:crypto's one-shot result; a stream stays in
 * its worker; a stream whose worker was killed fails with a precise WorkerError.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CKA, CKK, CKM, CKO, CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error, WorkerError } from "../../../src/pkcs11/errors.js";
import type { SupervisedPkcs11Client } from "../../../src/pkcs11/supervisor.js";
import type { ObjectRef } from "../../../src/pkcs11/types.js";
import { openTokenClient, type SoftHsmToken } from "../../helpers/softhsm.js";

let hsm: SoftHsmToken;
let client: SupervisedPkcs11Client;
let close: (() => Promise<void>) | undefined;
const keyBytes = randomBytes(16);
const ref: ObjectRef = { id: new Uint8Array(randomBytes(20)), cls: CKO.SECRET_KEY };

beforeAll(async () => {
  ({ hsm, client, close } = await openTokenClient("streams", "4321", { workers: 2 }));
  await client.createObject(hsm.label, [
    { type: CKA.CLASS, value: CKO.SECRET_KEY },
    { type: CKA.KEY_TYPE, value: CKK.AES },
    { type: CKA.ID, value: ref.id },
    { type: CKA.TOKEN, value: true },
    { type: CKA.PRIVATE, value: true },
    { type: CKA.VALUE, value: new Uint8Array(keyBytes) },
    { type: CKA.ENCRYPT, value: true },
    { type: CKA.DECRYPT, value: true },
  ]);
});

afterAll(async () => {
  await close?.();
});

const concat = (...parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

it("encrypts AES-GCM in three parts as node:crypto does in one: ciphertext per part, tag at Final", async () => {
  const iv = randomBytes(12);
  const aad = Buffer.from("header");
  const mechanism = { type: CKM.AES_GCM, parameter: { iv, aad, tagBits: 128 } };
  const parts = [randomBytes(20), randomBytes(33), randomBytes(7)];
  const begin = await client.streamBegin(hsm.label, ref, mechanism, false, parts[0] as Buffer);
  expect(begin.output.length).toBe(20);
  const middle = await client.streamUpdate(begin.stream, parts[1] as Buffer);
  expect(middle.length).toBe(33);
  const last = await client.streamFinish(begin.stream, parts[2] as Buffer);
  expect(last.length).toBe(7 + 16);
  const node = createCipheriv("aes-128-gcm", keyBytes, iv).setAAD(aad);
  const expected = Buffer.concat([
    node.update(Buffer.concat(parts)),
    node.final(),
    node.getAuthTag(),
  ]);
  expect(concat(begin.output, middle, last).equals(expected)).toBe(true);

  // Decrypt in parts: SoftHSM2 releases GCM plaintext only at Final, after the tag checks.
  const d = await client.streamBegin(hsm.label, ref, mechanism, true, expected.subarray(0, 30));
  expect(d.output.length).toBe(0);
  const plain = await client.streamFinish(d.stream, expected.subarray(30));
  expect(Buffer.from(plain).equals(Buffer.concat(parts))).toBe(true);
});

it("decrypts AES-CBC-PAD in parts, and a wrong GCM tag fails at Final without harming the worker", async () => {
  const iv = randomBytes(16);
  const plain = randomBytes(45);
  const node = createCipheriv("aes-128-cbc", keyBytes, iv);
  const cipher = Buffer.concat([node.update(plain), node.final()]);
  const mechanism = { type: CKM.AES_CBC_PAD, parameter: iv };
  const d = await client.streamBegin(hsm.label, ref, mechanism, true, cipher.subarray(0, 17));
  const rest = await client.streamFinish(d.stream, cipher.subarray(17));
  expect(concat(d.output, rest).equals(plain)).toBe(true);

  const gcm = { type: CKM.AES_GCM, parameter: { iv: randomBytes(12), tagBits: 128 } };
  const bad = await client.streamBegin(hsm.label, ref, gcm, true, randomBytes(32));
  const failure = await client.streamFinish(bad.stream, Buffer.alloc(0)).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(Pkcs11Error);
  expect((failure as Pkcs11Error).fn).toBe("C_DecryptFinal");
  // The stream ended with its Final: another part finds none.
  const gone = await client.streamUpdate(bad.stream, randomBytes(16)).catch((e: unknown) => e);
  expect((gone as Pkcs11Error).ckr).toBe(CKR.OPERATION_NOT_INITIALIZED);
  expect(client.stats().crashes).toBe(0);
});

it("keeps a stream in its worker while other calls go on, and fails precisely once that worker is gone", async () => {
  const mechanism = { type: CKM.AES_CBC_PAD, parameter: randomBytes(16) };
  const begin = await client.streamBegin(hsm.label, ref, mechanism, false, randomBytes(16));
  // Work on both workers meanwhile.
  await Promise.all(Array.from({ length: 6 }, () => client.generateRandom(hsm.label, 8)));
  const more = await client.streamUpdate(begin.stream, randomBytes(16));
  expect(more.length).toBe(16);
  const pid = client.stats().workers.find((w) => w.workerId === begin.stream.workerId)?.pid;
  expect(pid).toBeGreaterThan(0);
  process.kill(pid as number, "SIGKILL");
  // Wait (bounded) until the pool has seen the end and restarted the slot.
  for (let i = 0; i < 200; i++) {
    const ids = client.stats().workers.map((w) => w.workerId);
    if (
      !ids.includes(begin.stream.workerId) &&
      client.stats().workers.every((w) => w.state === "ready")
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const failure = await client.streamUpdate(begin.stream, randomBytes(16)).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(WorkerError);
  expect((failure as WorkerError).message).toMatch(/held this multi-part operation, has ended/);
  await client.streamAbort(begin.stream); // no throw for a lost stream
});
