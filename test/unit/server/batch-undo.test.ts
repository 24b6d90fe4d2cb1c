/**
 * Batch Error Continuation Option Undo with a fake token: a batch of undoable items runs one
 * by one; at the first failure the earlier items are undone (an Activate's lifecycle record
 * written back) and answered Operation Undone, the later ones are not run; a batch holding an
 * operation that cannot be undone is refused whole; a failed undo is never called undone.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import {
  BatchErrorContinuationOption,
  Operation,
  ResultReason,
  ResultStatus,
  State,
} from "../../../src/kmip/enums.js";
import { build, type ItemOf } from "../../../src/kmip/item.js";
import { CryptographicUsageMask as M } from "../../../src/kmip/masks.js";
import type { RequestBatchItem, RequestMessage } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import { decodeRecord } from "../../../src/operations/lifecycle-record.js";
import { newRecord } from "../../../src/operations/lifecycle-rules.js";
import { LifecycleStore } from "../../../src/operations/lifecycle-store.js";
import { CKA, CKK } from "../../../src/pkcs11/constants.js";
import type { DataObjectName } from "../../../src/pkcs11/types.js";
import { runBatch } from "../../../src/server/batch.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { bool } from "../operations/attribute-table.js";
import { attrValues, ulongBytes } from "../operations/fake.js";
import { dataObjectClient } from "../operations/lifecycle-fake.js";
import { testDeps } from "./deps.js";

const UID = `${"0B".repeat(20)}_sec`;
const V21 = { major: 2, minor: 1 };

/** An AES key whose token allows Encrypt only. */
const KEY = attrValues([
  [CKA.KEY_TYPE, ulongBytes(CKK.AES)],
  [CKA.LABEL, new Uint8Array()],
  [CKA.VALUE_LEN, ulongBytes(16)],
  [CKA.ENCRYPT, bool(true)],
]);

function item(operation: number, fields: TtlvItem[], id: number): RequestBatchItem {
  const payload = build.structure(Tag.RequestPayload, fields) as ItemOf<"Structure">;
  return { operation, uniqueBatchItemId: Uint8Array.of(id), payload, error: undefined };
}
const uidField = () => build.textString(Tag.UniqueIdentifier, UID);
const activate = (id: number) => item(Operation.Activate, [uidField()], id);
const check = (id: number, mask: number) =>
  item(Operation.Check, [uidField(), build.integer(Tag.CryptographicUsageMask, mask)], id);

function request(items: RequestBatchItem[]): RequestMessage {
  return {
    header: {
      version: V21,
      maximumResponseSize: undefined,
      credential: { type: "UsernameAndPassword", username: "tok", password: "1234" },
      batchErrorContinuationOption: BatchErrorContinuationOption.Undo,
      batchOrderOption: undefined,
      batchCount: items.length,
    },
    items,
  };
}

/** A token holding KEY, Pre-Active in the relay's record; `failWrites` from the n-th write. */
async function setup(failWritesFrom = Number.POSITIVE_INFINITY) {
  let writes = 0;
  const { client, objects } = dataObjectClient({
    getAttributes: (_token, _ref, types) =>
      new Map(types.map((t): [number, Uint8Array | null] => [t, KEY.get(t) ?? null])),
  });
  const write = client.stubs.writeDataObject!;
  client.stubs.writeDataObject = (token: string, name: DataObjectName, value: Uint8Array) => {
    writes += 1;
    if (writes >= failWritesFrom) throw new Error("the token failed the write");
    return write(token, name, value);
  };
  const store = new LifecycleStore(client, { clock: () => 1_700_000_000_000 });
  await store.write("tok", UID, newRecord(store.now(), "pre-active", undefined));
  const errors: string[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => errors.push(line) });
  const deps = testDeps(client, logger, {
    options: { newKeyState: "pre-active" },
    lifecycle: store,
  });
  const stateOnToken = () => {
    const bytes = [...objects.values()][0];
    return bytes === undefined ? undefined : decodeRecord(bytes).state;
  };
  return { client, deps, errors, stateOnToken };
}

const peer = { key: "client", connectionId: 1 };
const statuses = (answers: { status: number }[]) => answers.map((a) => a.status);

describe("runBatch with Undo", () => {
  it("undoes an Activate when a later Check fails (OASIS BL-M-2-21)", async () => {
    const { deps, stateOnToken } = await setup();
    const answers = await runBatch(
      request([activate(1), check(2, M.Encrypt), check(3, M.Decrypt)]),
      peer,
      deps,
    );
    expect(statuses(answers)).toEqual([
      ResultStatus.OperationUndone,
      ResultStatus.OperationUndone,
      ResultStatus.OperationFailed,
    ]);
    expect(answers[0]!.payload).toEqual([uidField()]);
    expect(answers[1]!.payload).toEqual([uidField()]);
    expect(answers[2]!.reason).toBe(ResultReason.IncompatibleCryptographicUsageMask);
    expect(answers[2]!.payload).toBeUndefined();
    expect(stateOnToken()).toBe(State.PreActive);
    expect(await deps.lifecycle!.read("tok", UID)).toMatchObject({ state: State.PreActive });
  });

  it("keeps every change when all items succeed", async () => {
    const { deps, stateOnToken } = await setup();
    const answers = await runBatch(request([activate(1), check(2, M.Encrypt)]), peer, deps);
    expect(statuses(answers)).toEqual([ResultStatus.Success, ResultStatus.Success]);
    expect(stateOnToken()).toBe(State.Active);
  });

  it("neither runs nor answers the items after the failed one", async () => {
    const { client, deps } = await setup();
    const answers = await runBatch(
      request([check(1, M.Decrypt), activate(2), check(3, M.Encrypt)]),
      peer,
      deps,
    );
    expect(statuses(answers)).toEqual([ResultStatus.OperationFailed]);
    expect(client.callsOf("writeDataObject")).toHaveLength(1); // the setup's own write
  });

  it("refuses a batch holding an operation it cannot undo, naming it, running nothing", async () => {
    const { client, deps, stateOnToken } = await setup();
    const destroy = item(Operation.Destroy, [uidField()], 2);
    const answers = await runBatch(request([activate(1), destroy]), peer, deps);
    expect(statuses(answers)).toEqual([ResultStatus.OperationFailed, ResultStatus.OperationFailed]);
    for (const a of answers) {
      expect(a.reason).toBe(ResultReason.FeatureNotSupported);
      expect(a.message).toContain("Destroy cannot be undone");
    }
    expect(client.callsOf("getAttributes")).toEqual([]);
    expect(stateOnToken()).toBe(State.PreActive);
  });

  it("refuses a multi-part stream step", async () => {
    const { deps } = await setup();
    const encrypt = item(
      Operation.Encrypt,
      [
        uidField(),
        build.boolean(Tag.InitIndicator, true),
        build.byteString(Tag.Data, Uint8Array.of(1)),
      ],
      1,
    );
    const answers = await runBatch(request([encrypt, check(2, M.Encrypt)]), peer, deps);
    expect(answers[0]!.reason).toBe(ResultReason.FeatureNotSupported);
    expect(answers[0]!.message).toContain("multi-part Encrypt");
  });

  it("runs an Encrypt with Final Indicator alone as the single part the stream code makes of it", async () => {
    const { deps } = await setup();
    const encrypt = item(
      Operation.Encrypt,
      [
        uidField(),
        build.boolean(Tag.FinalIndicator, true),
        build.byteString(Tag.Data, Uint8Array.of(1)),
      ],
      1,
    );
    const answers = await runBatch(request([encrypt, check(2, M.Encrypt)]), peer, deps);
    // Not refused as a stream step: the item ran (here it fails on the test client, which
    // has no encrypt), and the batch was answered item by item.
    expect(answers[0]!.message ?? "").not.toContain("multi-part");
  });

  it("answers General Failure, not Operation Undone, when the undo itself fails", async () => {
    // Write 1: the setup's record; 2: Activate's; 3: the undo's, which fails.
    const { deps, errors, stateOnToken } = await setup(3);
    const answers = await runBatch(request([activate(1), check(2, M.Decrypt)]), peer, deps);
    expect(statuses(answers)).toEqual([ResultStatus.OperationFailed, ResultStatus.OperationFailed]);
    expect(answers[0]!.reason).toBe(ResultReason.GeneralFailure);
    expect(answers[0]!.message).toContain("undoing it");
    expect(stateOnToken()).toBe(State.Active);
    expect(errors.join("")).toContain("undoing an item failed");
  });
});
