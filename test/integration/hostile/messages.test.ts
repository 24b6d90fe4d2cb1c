/**
 * Hostile requests that frame correctly but should not be served: deep nesting, huge or
 * lying batches, wrong types in otherwise valid structures. Each is answered with a KMIP
 * error on the same connection, and afterwards a well-behaved client is served and memory
 * has not grown out of bounds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultReason, ResultStatus } from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { decodeTtlv } from "../../../src/ttlv/decode.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import {
  batchItems,
  discoverItem,
  expectServes,
  field,
  RSS_GROWTH_BOUND_MIB,
  rssMiB,
} from "./hostile.js";

let relay: TestRelay;
let client: KmipTestClient;
let baselineMiB = 0;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 1 });
  client = await KmipTestClient.connect(relay.port);
  baselineMiB = rssMiB();
});
afterEach(async () => {
  await expectServes(relay.port);
  expect(rssMiB() - baselineMiB).toBeLessThan(RSS_GROWTH_BOUND_MIB);
});
afterAll(async () => {
  client?.close();
  await relay?.close();
});

/** Sends raw bytes on the shared connection; returns the decoded response. */
async function exchange(bytes: Uint8Array): Promise<TtlvItem> {
  client.send(bytes);
  return decodeTtlv(await client.nextRaw());
}

/** The one failed item of a response refused whole: its reason and message. */
function refusal(response: TtlvItem): [unknown, unknown] {
  const items = batchItems(response);
  expect(items).toHaveLength(1);
  expect(field(items[0]!, Tag.ResultStatus)).toBe(ResultStatus.OperationFailed);
  return [field(items[0]!, Tag.ResultReason), field(items[0]!, Tag.ResultMessage)];
}

/** `depth` structures nested in a Request Message, as bytes (lengths all consistent). */
function nested(depth: number): Buffer {
  const out = Buffer.alloc(depth * 8);
  for (let i = 0; i < depth; i++) {
    out.writeUInt32BE((Tag.RequestMessage << 8) | 0x01, i * 8);
    out.writeUInt32BE((depth - 1 - i) * 8, i * 8 + 4);
  }
  return out;
}

/** A request whose Batch Count says `count` whatever the items. */
function withBatchCount(count: number, items = [discoverItem(1)]): Buffer {
  const message = requestMessage({ items });
  const [header, ...rest] = message.value as TtlvItem[];
  const fields = (header!.value as TtlvItem[]).map((f) =>
    f.tag === Tag.BatchCount ? build.integer(Tag.BatchCount, count) : f,
  );
  return encodeTtlv(
    build.structure(Tag.RequestMessage, [build.structure(Tag.RequestHeader, fields), ...rest]),
  );
}

describe("deep nesting", () => {
  it.each([33, 10_000])("%i nested structures: Invalid Message, connection kept", async (depth) => {
    const [reason, message] = refusal(await exchange(nested(depth)));
    expect(reason).toBe(ResultReason.InvalidMessage);
    expect(message).toMatch(/nested over 32/);
  });

  it("32 nested structures decode (the limit itself) and are refused as a request", async () => {
    const [reason, message] = refusal(await exchange(nested(32)));
    expect([ResultReason.InvalidMessage, ResultReason.MissingData]).toContain(reason);
    expect(message).not.toMatch(/nested/);
  });
});

describe("huge and lying batches", () => {
  it("10,000 batch items: Invalid Message without running any", async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => discoverItem(i));
    const [reason, message] = refusal(await exchange(encodeTtlv(requestMessage({ items }))));
    expect(reason).toBe(ResultReason.InvalidMessage);
    expect(message).toMatch(/items/);
  });

  it("max-batch-items (default 1000): 1000 items all answered, 1001 refused whole", async () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => discoverItem(i));
    const answered = batchItems(await exchange(encodeTtlv(requestMessage({ items: items(1000) }))));
    expect(answered).toHaveLength(1000);
    expect(answered.every((i) => field(i, Tag.ResultStatus) === ResultStatus.Success)).toBe(true);
    const [reason, message] = refusal(
      await exchange(encodeTtlv(requestMessage({ items: items(1001) }))),
    );
    expect(reason).toBe(ResultReason.InvalidMessage);
    expect(message).toMatch(/1001 batch items, more than the 1000/);
    expect(relay.logs.some((l) => l.includes("batch refused: too many items"))).toBe(true);
  });

  it.each([0, 5, -1, 2 ** 31 - 1])("Batch Count %i with one item: Invalid Message", async (n) => {
    const [reason, message] = refusal(await exchange(withBatchCount(n)));
    expect(reason).toBe(ResultReason.InvalidMessage);
    expect(message).toMatch(/BatchCount/);
  });
});

describe("wrong types in valid structures", () => {
  const credential = () => ({ username: relay.username, password: relay.pin });

  it("a Unique Identifier sent as an Integer fails its item, not the relay", async () => {
    const response = await exchange(
      encodeTtlv(
        requestMessage({
          ...credential(),
          items: [{ operation: Operation.Get, payload: [build.integer(Tag.UniqueIdentifier, 7)] }],
        }),
      ),
    );
    const item = batchItems(response)[0]!;
    expect(field(item, Tag.ResultStatus)).toBe(ResultStatus.OperationFailed);
    expect([ResultReason.InvalidField, ResultReason.InvalidMessage]).toContain(
      field(item, Tag.ResultReason),
    );
  });

  it("an Operation sent as a Text String fails its item, not the relay", async () => {
    const message = requestMessage({ items: [discoverItem(1)] });
    const swapped = (item: TtlvItem): TtlvItem =>
      item.type !== "Structure"
        ? item.tag === Tag.Operation
          ? build.textString(Tag.Operation, "DiscoverVersions")
          : item
        : build.structure(item.tag, item.value.map(swapped));
    const item = batchItems(await exchange(encodeTtlv(swapped(message))))[0]!;
    expect(field(item, Tag.ResultStatus)).toBe(ResultStatus.OperationFailed);
    expect([ResultReason.InvalidField, ResultReason.InvalidMessage]).toContain(
      field(item, Tag.ResultReason),
    );
  });

  it("a Request Payload sent as a Byte String fails its item, not the relay", async () => {
    const message = requestMessage({ ...credential(), items: [discoverItem(1)] });
    const swapped = (item: TtlvItem): TtlvItem =>
      item.tag === Tag.RequestPayload
        ? build.byteString(Tag.RequestPayload, Uint8Array.of(1, 2, 3))
        : item.type === "Structure"
          ? build.structure(item.tag, item.value.map(swapped))
          : item;
    const item = batchItems(await exchange(encodeTtlv(swapped(message))))[0]!;
    expect(field(item, Tag.ResultStatus)).toBe(ResultStatus.OperationFailed);
  });
});
