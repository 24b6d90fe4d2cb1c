/**
 * Shared steps of the hostile-client tests: a well-behaved client's check that the relay
 * still serves, the relay process's memory, and request builders.
 */
import { expect } from "vitest";
import { Operation, ResultStatus } from "../../../src/kmip/enums.js";
import { findChild, findChildren } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { KmipTestClient, requestMessage, type TestBatchItem } from "../../helpers/kmip-client.js";

/** A Discover Versions batch item, with a 4-byte Unique Batch Item ID when `id` is given. */
export function discoverItem(id?: number): TestBatchItem {
  const batchId = id === undefined ? undefined : Buffer.alloc(4);
  batchId?.writeUInt32BE(id ?? 0);
  return {
    operation: Operation.DiscoverVersions,
    payload: [],
    ...(batchId === undefined ? {} : { batchId }),
  };
}

/** The batch items of a response. */
export function batchItems(response: TtlvItem): TtlvItem[] {
  return findChildren(response, Tag.BatchItem);
}

/** A field's value in an item. */
export function field(item: TtlvItem, tag: number): TtlvItem["value"] | undefined {
  return findChild(item, tag)?.value;
}

/** A new, well-behaved client gets a Discover Versions answered. */
export async function expectServes(port: number): Promise<void> {
  const client = await KmipTestClient.connect(port);
  try {
    const response = await client.request(requestMessage({ items: [discoverItem(1)] }));
    expect(field(batchItems(response)[0]!, Tag.ResultStatus)).toBe(ResultStatus.Success);
  } finally {
    client.close();
  }
}

/** Resident set size of this process (the relay runs in it), in MiB. */
export function rssMiB(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

/**
 * Memory bound after a hostile case: generous (the test process holds vitest, the relay
 * and its clients), it catches buffering of what a client declares or sends, not noise.
 */
export const RSS_GROWTH_BOUND_MIB = 256;

/** Waits `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
