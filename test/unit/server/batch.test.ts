/**
 * The batch runner with a fake PKCS#11 client: a run of Sign items is in flight at once
 * (spread over the workers), answers keep request order, Stop cuts at the first failure, and
 * the ID Placeholder carries the previous item's Unique Identifier.
 */
import { describe, expect, it } from "vitest";
import {
  BatchErrorContinuationOption,
  HashingAlgorithm,
  Operation,
  PaddingMethod,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { build, type ItemOf } from "../../../src/kmip/item.js";
import type { RequestBatchItem, RequestMessage } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import { CKA, CKK } from "../../../src/pkcs11/constants.js";
import { ObjectNotFoundError } from "../../../src/pkcs11/errors.js";
import type { ObjectRef } from "../../../src/pkcs11/types.js";
import { runBatch } from "../../../src/server/batch.js";
import { attrValues, FakeClient, ulongBytes } from "../operations/fake.js";
import { testDeps } from "./deps.js";

const UID = (n: number) => `${n.toString(16).padStart(40, "0").toUpperCase()}_priv`;
const rsaSha256 = build.structure(Tag.CryptographicParameters, [
  build.enumeration(Tag.PaddingMethod, PaddingMethod.PKCS1V1_5),
  build.enumeration(Tag.HashingAlgorithm, HashingAlgorithm.SHA_256),
]);

function item(operation: number, fields: ReturnType<typeof build.structure>[], id: number) {
  const payload = build.structure(Tag.RequestPayload, fields) as ItemOf<"Structure">;
  return { operation, uniqueBatchItemId: Uint8Array.of(id), payload, error: undefined };
}
const signItem = (id: number, uid?: string): RequestBatchItem =>
  item(
    Operation.Sign,
    [
      ...(uid === undefined ? [] : [build.textString(Tag.UniqueIdentifier, uid)]),
      rsaSha256,
      build.byteString(Tag.Data, Uint8Array.of(id)),
    ],
    id,
  );

function request(items: RequestBatchItem[], option?: number): RequestMessage {
  return {
    header: {
      version: { major: 1, minor: 2 },
      maximumResponseSize: undefined,
      credential: { type: "UsernameAndPassword", username: "tok", password: "1234" },
      batchErrorContinuationOption: option,
      batchOrderOption: undefined,
      batchCount: items.length,
    },
    items,
  };
}

const deps = (client: FakeClient) => testDeps(client);
const peer = { key: "client", connectionId: 1 };
/** An RSA key, as the token would describe it (Sign reads the key's type). */
const rsaKey = async () => attrValues([[CKA.KEY_TYPE, ulongBytes(CKK.RSA)]]);
const idOf = (ref: ObjectRef) => Buffer.from(ref.id).toString("hex").toUpperCase();

describe("runBatch", () => {
  it("has every Sign of a run in flight at once and answers in request order", async () => {
    let inFlight = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const client = new FakeClient({
      getAttributes: rsaKey,
      sign: async (_token, ref) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => release.push(resolve));
        inFlight -= 1;
        return Uint8Array.of(Number.parseInt(idOf(ref).slice(-2), 16));
      },
    });
    const items = [1, 2, 3, 4].map((n) => signItem(n, UID(n)));
    const done = runBatch(request(items), peer, deps(client));
    for (let turn = 0; turn < 100 && release.length < 4; turn++) {
      await new Promise((r) => setImmediate(r));
    }
    expect(most).toBe(4);
    for (const r of release.reverse()) r(); // finish in reverse order
    const results = await done;
    expect(results.map((r) => r.uniqueBatchItemId?.[0])).toEqual([1, 2, 3, 4]);
    expect(results.every((r) => r.status === ResultStatus.Success)).toBe(true);
  });

  it("stops at the first failure of a parallel run unless told to continue", async () => {
    const client = new FakeClient({
      getAttributes: rsaKey,
      sign: async (_token, ref) => {
        if (idOf(ref).endsWith("02")) throw new ObjectNotFoundError();
        return Uint8Array.of(1);
      },
    });
    const items = [1, 2, 3].map((n) => signItem(n, UID(n)));
    const stopped = await runBatch(request(items), peer, deps(client));
    expect(stopped.map((r) => r.status)).toEqual([
      ResultStatus.Success,
      ResultStatus.OperationFailed,
    ]);
    const all = await runBatch(
      request(items, BatchErrorContinuationOption.Continue),
      peer,
      deps(client),
    );
    expect(all).toHaveLength(3);
  });

  it("fills the ID Placeholder from the previous item's Unique Identifier", async () => {
    const signed: string[] = [];
    const client = new FakeClient({
      getAttributes: rsaKey,
      sign: async (_token, ref) => {
        signed.push(idOf(ref));
        return Uint8Array.of(1);
      },
    });
    const activate = item(Operation.Activate, [build.textString(Tag.UniqueIdentifier, UID(7))], 1);
    const results = await runBatch(request([activate, signItem(2)]), peer, deps(client));
    expect(results.map((r) => r.status)).toEqual([ResultStatus.Success, ResultStatus.Success]);
    expect(signed).toEqual([UID(7).replace("_priv", "")]);
  });
});
