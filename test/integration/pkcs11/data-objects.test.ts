/**
 * The data objects that hold the relay's lifecycle records, on SoftHSM2 through two worker
 * processes: a record written through one worker is read through the other, a rewrite
 * leaves one copy (SoftHSM2 refuses to change a data object's CKA_VALUE, so a write
 * replaces the object), and pkcs11-tool sees it as a private data object of the relay.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SupervisedPkcs11Client } from "../../../src/pkcs11/supervisor.js";
import { openTokenClient, SOFTHSM2_LIB, type SoftHsmToken } from "../../helpers/softhsm.js";

let hsm: SoftHsmToken;
let client: SupervisedPkcs11Client;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ hsm, client, close } = await openTokenClient("records", "4321", { workers: 2 }));
});

afterAll(async () => {
  await close?.();
});

/** Calls served so far by each worker. */
const callsPerWorker = () => client.stats().workers.map((w) => w.calls);

const name = { application: "kmip2pkcs11", label: "0102_priv" };

it("writes through one worker, reads through the other; a rewrite leaves one copy", async () => {
  expect(await client.readDataObject(hsm.label, name)).toEqual([]);
  await client.writeDataObject(hsm.label, name, new Uint8Array([1, 2, 3]));
  // Eight reads at once go to both workers (least loaded first): each sees the one record.
  const before = callsPerWorker();
  const reads = await Promise.all(
    Array.from({ length: 8 }, () => client.readDataObject(hsm.label, name)),
  );
  const served = callsPerWorker().map((calls, i) => calls - (before[i] ?? 0));
  expect(served.every((n) => n > 0)).toBe(true);
  expect(reads).toEqual(Array(8).fill([new Uint8Array([1, 2, 3])]));

  // Rewrites through both workers: each replaces the object, never adds one.
  for (const value of [[4], [5, 6], [7, 8, 9]]) {
    await client.writeDataObject(hsm.label, name, new Uint8Array(value));
  }
  const after = await Promise.all([0, 1].map(() => client.readDataObject(hsm.label, name)));
  expect(after).toEqual([[new Uint8Array([7, 8, 9])], [new Uint8Array([7, 8, 9])]]);
});

it("is a private token data object with the relay's application and the UID as label", async () => {
  await client.writeDataObject(hsm.label, { ...name, label: "0A0B_pub" }, new Uint8Array([9]));
  const list = (login: boolean) =>
    execFileSync(
      "pkcs11-tool",
      [
        ...["--module", SOFTHSM2_LIB, "--token-label", hsm.label, "--list-objects"],
        ...(login ? ["--login", "--pin", hsm.pin] : []),
        ...["--type", "data"],
      ],
      { env: { ...process.env, ...hsm.env }, encoding: "utf8", stdio: "pipe" },
    );
  const loggedIn = list(true);
  expect(loggedIn).toMatch(/label:\s+'?0A0B_pub'?/);
  expect(loggedIn).toMatch(/application:\s+'?kmip2pkcs11'?/);
  expect(list(false)).not.toContain("0A0B_pub"); // CKA_PRIVATE: hidden without login
});

it("deletes every copy", async () => {
  const doomed = { ...name, label: "DOOMED_sec" };
  await client.writeDataObject(hsm.label, doomed, new Uint8Array([1]));
  expect(await client.deleteDataObject(hsm.label, doomed)).toBe(1);
  expect(await client.readDataObject(hsm.label, doomed)).toEqual([]);
  expect(await client.deleteDataObject(hsm.label, doomed)).toBe(0);
});
