/**
 * Check and Batch Error Continuation Option Undo over TLS on SoftHSM2, with
 * `new-key-state = "pre-active"`: the OASIS BL-M-2-21 sequence (Activate, Check allowed,
 * Check refused: the Activate is undone, the key stays Pre-Active), a batch that all
 * succeeds, and the refusal of a batch holding an operation that cannot be undone.
 */
import { describe, expect, it } from "vitest";
import {
  BatchErrorContinuationOption,
  CryptographicAlgorithm,
  ObjectType,
  Operation,
  ResultReason,
  ResultStatus,
  State,
} from "../../../src/kmip/enums.js";
import { build, findChild, findChildren } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as M } from "../../../src/kmip/masks.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { requestMessage, type TestBatchItem } from "../../helpers/kmip-client.js";
import { relaySession } from "./relay-session.js";

const V21 = { major: 2, minor: 1 };
const fixture = relaySession({ workers: 1, pkcs11Toml: 'new-key-state = "pre-active"' });

async function send(items: TestBatchItem[], undo = false): Promise<TtlvItem[]> {
  const response = await fixture.session.client.request(
    requestMessage({
      version: V21,
      username: fixture.relay.username,
      password: fixture.relay.pin,
      items,
      ...(undo ? { batchErrorContinuation: BatchErrorContinuationOption.Undo } : {}),
    }),
  );
  return findChildren(response, Tag.BatchItem);
}
const status = (item: TtlvItem) => findChild(item, Tag.ResultStatus)?.value;
const reason = (item: TtlvItem) => findChild(item, Tag.ResultReason)?.value;
const uidOf = (item: TtlvItem) =>
  findChild(findChild(item, Tag.ResponsePayload)!, Tag.UniqueIdentifier)?.value;

/** Create of an AES-128 key allowed to Encrypt only (2.x Attributes form). */
const createEncryptOnly: TestBatchItem = {
  operation: Operation.Create,
  payload: [
    build.enumeration(Tag.ObjectType, ObjectType.SymmetricKey),
    build.structure(Tag.Attributes, [
      build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES),
      build.integer(Tag.CryptographicLength, 128),
      build.integer(Tag.CryptographicUsageMask, M.Encrypt),
    ]),
  ],
};
const uidField = (uid: string) => build.textString(Tag.UniqueIdentifier, uid);
const activate = (uid: string): TestBatchItem => ({
  operation: Operation.Activate,
  payload: [uidField(uid)],
});
const check = (uid: string, mask: number): TestBatchItem => ({
  operation: Operation.Check,
  payload: [uidField(uid), build.integer(Tag.CryptographicUsageMask, mask)],
});

async function newKey(): Promise<string> {
  const [created] = await send([createEncryptOnly]);
  expect(status(created!)).toBe(ResultStatus.Success);
  return uidOf(created!) as string;
}

async function stateOf(uid: string): Promise<unknown> {
  const [got] = await send([
    {
      operation: Operation.GetAttributes,
      payload: [uidField(uid)],
    },
  ]);
  const attributes = findChild(findChild(got!, Tag.ResponsePayload)!, Tag.Attributes)!;
  return findChild(attributes, Tag.State)?.value;
}

describe("Check and Undo over TLS", () => {
  it("undoes the Activate when a Check fails (BL-M-2-21) and the key stays Pre-Active", async () => {
    const uid = await newKey();
    expect(await stateOf(uid)).toBe(State.PreActive);
    const answers = await send([activate(uid), check(uid, M.Encrypt), check(uid, M.Decrypt)], true);
    expect(answers.map(status)).toEqual([
      ResultStatus.OperationUndone,
      ResultStatus.OperationUndone,
      ResultStatus.OperationFailed,
    ]);
    expect(uidOf(answers[0]!)).toBe(uid);
    expect(uidOf(answers[1]!)).toBe(uid);
    expect(reason(answers[2]!)).toBe(ResultReason.IncompatibleCryptographicUsageMask);
    expect(await stateOf(uid)).toBe(State.PreActive);
  });

  it("keeps the Activate when every item succeeds", async () => {
    const uid = await newKey();
    const answers = await send([activate(uid), check(uid, M.Encrypt)], true);
    expect(answers.map(status)).toEqual([ResultStatus.Success, ResultStatus.Success]);
    expect(await stateOf(uid)).toBe(State.Active);
  });

  it("answers Item Not Found for a Check of a key that is not on the token", async () => {
    const [checked] = await send([check(`${"CD".repeat(20)}_sec`, M.Encrypt)]);
    expect(reason(checked!)).toBe(ResultReason.ItemNotFound);
  });

  it("refuses a batch under Undo that holds a Create, running nothing", async () => {
    const uid = await newKey();
    const answers = await send([activate(uid), createEncryptOnly], true);
    expect(answers.map(reason)).toEqual([
      ResultReason.FeatureNotSupported,
      ResultReason.FeatureNotSupported,
    ]);
    expect(findChild(answers[1]!, Tag.ResultMessage)?.value).toMatch(/Create cannot be undone/);
    expect(await stateOf(uid)).toBe(State.PreActive);
  });
});
