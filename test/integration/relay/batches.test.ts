/**
 * Batches: the ID Placeholder (an item without Unique Identifier uses the previous item's),
 * and runs of Sign items spread over the workers, answered in order.
 */
import { describe, expect, it } from "vitest";
import {
  BatchErrorContinuationOption,
  Operation,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { build, findChild, findChildren } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { publicKeyFromGet, signatureVerifies } from "../../helpers/keys.js";
import { requestMessage, type TestBatchItem } from "../../helpers/kmip-client.js";
import { relaySession } from "./relay-session.js";
import { createKeyPairPayload, KEY_KINDS } from "./session.js";

const fixture = relaySession({ workers: 2 });

const createP256: TestBatchItem = {
  operation: Operation.CreateKeyPair,
  payload: createKeyPairPayload({ common: KEY_KINDS.p256 }, "v1"),
};
const signItem = (data: Uint8Array, uid?: string, batchId?: number): TestBatchItem => ({
  operation: Operation.Sign,
  payload: [
    ...(uid === undefined ? [] : [build.textString(Tag.UniqueIdentifier, uid)]),
    build.byteString(Tag.Data, data),
  ],
  ...(batchId === undefined ? {} : { batchId: Uint8Array.of(batchId >> 8, batchId & 0xff) }),
});

async function send(items: TestBatchItem[], batchErrorContinuation?: number): Promise<TtlvItem[]> {
  const response = await fixture.session.client.request(
    requestMessage({
      username: fixture.relay.username,
      password: fixture.relay.pin,
      items,
      ...(batchErrorContinuation === undefined ? {} : { batchErrorContinuation }),
    }),
  );
  return findChildren(response, Tag.BatchItem);
}
const status = (item: TtlvItem) => findChild(item, Tag.ResultStatus)?.value;
const payloadOf = (item: TtlvItem) => findChild(item, Tag.ResponsePayload)!;
const text = (item: TtlvItem, tag: number) => findChild(item, tag)?.value as string;

describe("batches", () => {
  it("fills the ID Placeholder from the previous item", async () => {
    const data = new TextEncoder().encode("placeholder");
    const [created, activated, signed] = await send([
      createP256,
      { operation: Operation.Activate, payload: [] },
      signItem(data),
    ]);
    expect([created, activated, signed].map((i) => status(i!))).toEqual(
      [0, 0, 0].map(() => ResultStatus.Success),
    );
    const privateUid = text(payloadOf(created!), Tag.PrivateKeyUniqueIdentifier);
    expect(text(payloadOf(activated!), Tag.UniqueIdentifier)).toBe(privateUid);
    expect(text(payloadOf(signed!), Tag.UniqueIdentifier)).toBe(privateUid);
  });

  it("runs a batch of 100 Sign items, answered in order, every signature valid", async () => {
    const [created] = await send([createP256]);
    const privateUid = text(payloadOf(created!), Tag.PrivateKeyUniqueIdentifier);
    const publicUid = text(payloadOf(created!), Tag.PublicKeyUniqueIdentifier);
    const [got] = await send([
      { operation: Operation.Get, payload: [build.textString(Tag.UniqueIdentifier, publicUid)] },
    ]);
    const { key } = publicKeyFromGet(payloadOf(got!));
    const messages = Array.from({ length: 100 }, (_, i) =>
      new TextEncoder().encode(`message ${i}`),
    );
    const answers = await send(messages.map((m, i) => signItem(m, privateUid, i)));
    expect(answers).toHaveLength(100);
    answers.forEach((answer, i) => {
      const id = findChild(answer, Tag.UniqueBatchItemID)?.value as Uint8Array;
      expect(id[0]! * 256 + id[1]!).toBe(i);
      const signature = findChild(payloadOf(answer), Tag.SignatureData)?.value as Uint8Array;
      expect(
        signatureVerifies(key, { kind: "ecdsa", hash: "sha256" }, messages[i]!, signature),
      ).toBe(true);
    });
  });

  it("stops at the first failure in a run of Sign items, and continues when asked", async () => {
    const [created] = await send([createP256]);
    const uid = text(payloadOf(created!), Tag.PrivateKeyUniqueIdentifier);
    const unknown = `${"AB".repeat(20)}_priv`;
    const items = [
      signItem(Uint8Array.of(1), uid, 1),
      signItem(Uint8Array.of(2), unknown, 2),
      signItem(Uint8Array.of(3), uid, 3),
    ];
    const stopped = await send(items);
    expect(stopped.map(status)).toEqual([ResultStatus.Success, ResultStatus.OperationFailed]);
    expect(findChild(stopped[1]!, Tag.ResultReason)?.value).toBe(ResultReason.ItemNotFound);
    const continued = await send(items, BatchErrorContinuationOption.Continue);
    expect(continued.map(status)).toEqual([
      ResultStatus.Success,
      ResultStatus.OperationFailed,
      ResultStatus.Success,
    ]);
  });

  it("refuses Undo for the whole batch when an item cannot be undone (Create Key Pair)", async () => {
    const answers = await send(
      [signItem(Uint8Array.of(1), "X_priv"), createP256],
      BatchErrorContinuationOption.Undo,
    );
    expect(answers).toHaveLength(2);
    for (const answer of answers) {
      expect(findChild(answer, Tag.ResultReason)?.value).toBe(ResultReason.FeatureNotSupported);
      expect(findChild(answer, Tag.ResultMessage)?.value).toMatch(/cannot be undone/);
    }
  });
});
