/**
 * The relay over real TLS: message handling that does not depend on any one operation —
 * versions, headers, authentication, batches, malformed input, framing, ordering, TLS.
 */
import type tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultReason, ResultStatus } from "../../../src/kmip/enums.js";
import { build, findChild, findChildren } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { decodeTtlv } from "../../../src/ttlv/decode.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import { hexToBytes } from "../../../src/ttlv/hex.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 2 });
});
afterAll(async () => {
  await relay?.close();
});

const discover = (batchId?: number) => ({
  operation: Operation.DiscoverVersions,
  payload: [],
  ...(batchId === undefined ? {} : { batchId: Uint8Array.of(batchId) }),
});

function header(response: TtlvItem): TtlvItem {
  return findChild(response, Tag.ResponseHeader)!;
}
function items(response: TtlvItem): TtlvItem[] {
  return findChildren(response, Tag.BatchItem);
}
function field(item: TtlvItem, tag: number): TtlvItem["value"] | undefined {
  return findChild(item, tag)?.value;
}

describe("relay over TLS", () => {
  it("answers in the request's protocol version with exactly three header fields", async () => {
    const client = await KmipTestClient.connect(relay.port);
    for (const version of [
      { major: 1, minor: 0 },
      { major: 1, minor: 4 },
      { major: 2, minor: 1 },
    ]) {
      const response = await client.request(requestMessage({ version, items: [discover()] }));
      const h = header(response);
      expect((h.value as TtlvItem[]).map((f) => f.tag)).toEqual([
        Tag.ProtocolVersion,
        Tag.TimeStamp,
        Tag.BatchCount,
      ]);
      const pv = findChild(h, Tag.ProtocolVersion)!;
      expect(field(pv, Tag.ProtocolVersionMajor)).toBe(version.major);
      expect(field(pv, Tag.ProtocolVersionMinor)).toBe(version.minor);
      expect(field(items(response)[0]!, Tag.ResultStatus)).toBe(ResultStatus.Success);
    }
    client.close();
  });

  it("refuses an unsupported protocol version with Invalid Message", async () => {
    const client = await KmipTestClient.connect(relay.port);
    const response = await client.request(
      requestMessage({ version: { major: 3, minor: 0 }, items: [discover()] }),
    );
    const item = items(response)[0]!;
    expect(field(item, Tag.ResultStatus)).toBe(ResultStatus.OperationFailed);
    expect(field(item, Tag.ResultReason)).toBe(ResultReason.InvalidMessage);
    expect(field(item, Tag.ResultMessage)).toMatch(/3\.0 is not supported/);
    client.close();
  });

  it("echoes Operation and Unique Batch Item ID, also on failures", async () => {
    const client = await KmipTestClient.connect(relay.port);
    const response = await client.request(
      requestMessage({
        batchErrorContinuation: 2, // Continue
        items: [
          discover(7),
          { operation: Operation.Certify, payload: [], batchId: Uint8Array.of(8) },
        ],
      }),
    );
    const [ok, failed] = items(response);
    expect(field(ok!, Tag.Operation)).toBe(Operation.DiscoverVersions);
    expect([...(field(ok!, Tag.UniqueBatchItemID) as Uint8Array)]).toEqual([7]);
    expect(field(failed!, Tag.Operation)).toBe(Operation.Certify);
    expect([...(field(failed!, Tag.UniqueBatchItemID) as Uint8Array)]).toEqual([8]);
    expect(field(failed!, Tag.ResultReason)).toBe(ResultReason.OperationNotSupported);
    client.close();
  });

  it("answers Response Too Large when the response exceeds Maximum Response Size", async () => {
    const client = await KmipTestClient.connect(relay.port);
    const small = await client.request(
      requestMessage({ maximumResponseSize: 4096, items: [discover(1)] }),
    );
    expect(field(items(small)[0]!, Tag.ResultStatus)).toBe(ResultStatus.Success);
    const tooLarge = await client.request(
      requestMessage({ maximumResponseSize: 64, items: [discover(1)] }),
    );
    const item = items(tooLarge)[0]!;
    expect(field(item, Tag.ResultReason)).toBe(ResultReason.ResponseTooLarge);
    expect(field(item, Tag.Operation)).toBe(Operation.DiscoverVersions);
    client.close();
  });

  it("stops a batch at the first failure by default (Stop)", async () => {
    const client = await KmipTestClient.connect(relay.port);
    const response = await client.request(
      requestMessage({
        items: [
          { operation: Operation.Certify, payload: [], batchId: Uint8Array.of(1) },
          discover(2),
        ],
      }),
    );
    expect(items(response)).toHaveLength(1);
    expect(field(header(response), Tag.BatchCount)).toBe(1);
    client.close();
  });

  it("requires a credential for token operations and checks the PIN on every request", async () => {
    const client = await KmipTestClient.connect(relay.port);
    const query = (password?: string) =>
      requestMessage({
        ...(password === undefined ? {} : { username: relay.username, password }),
        items: [
          {
            operation: Operation.Query,
            payload: [build.enumeration(Tag.QueryFunction, 3 /* Query Server Information */)],
          },
        ],
      });
    const reasonOf = async (password?: string) => {
      const item = items(await client.request(query(password)))[0]!;
      return [field(item, Tag.ResultStatus), field(item, Tag.ResultReason)];
    };
    const denied = [ResultStatus.OperationFailed, ResultReason.AuthenticationNotSuccessful];
    expect(await reasonOf(undefined)).toEqual(denied);
    expect(await reasonOf(relay.pin)).toEqual([ResultStatus.Success, undefined]);
    expect(await reasonOf("0000")).toEqual(denied);
    expect(await reasonOf(relay.pin)).toEqual([ResultStatus.Success, undefined]);
    client.close();
  });

  it("answers an undecodable message with Invalid Message and keeps the connection", async () => {
    const client = await KmipTestClient.connect(relay.port);
    // A RequestMessage structure (0x420078, type 01, length 16) holding an Integer
    // (0x420069, type 02, length 4) whose padding is not zero: framing is fine, decoding fails.
    client.send(hexToBytes("42007801 00000010  42006902 00000004 00000001 000000ff"));
    const error = items(decodeTtlv(await client.nextRaw()))[0]!;
    expect(field(error, Tag.ResultReason)).toBe(ResultReason.InvalidMessage);
    expect(field(error, Tag.ResultMessage)).toMatch(/padding/i);
    const response = await client.request(requestMessage({ items: [discover()] }));
    expect(field(items(response)[0]!, Tag.ResultStatus)).toBe(ResultStatus.Success);
    client.close();
  });

  it("closes the connection on a message that declares 2 GiB, and keeps serving others", async () => {
    const client = await KmipTestClient.connect(relay.port);
    client.send(hexToBytes("42007801 7fffffff"));
    expect(await client.waitClosed()).toBe(true);
    const other = await KmipTestClient.connect(relay.port);
    const response = await other.request(requestMessage({ items: [discover()] }));
    expect(field(items(response)[0]!, Tag.ResultStatus)).toBe(ResultStatus.Success);
    other.close();
  });

  it("answers pipelined requests in order", async () => {
    const client = await KmipTestClient.connect(relay.port);
    const count = 40;
    for (let i = 0; i < count; i++) {
      client.send(encodeTtlv(requestMessage({ items: [discover(i)] })));
    }
    const seen: number[] = [];
    for (let i = 0; i < count; i++) {
      const response = decodeTtlv(await client.nextRaw());
      seen.push((field(items(response)[0]!, Tag.UniqueBatchItemID) as Uint8Array)[0]!);
    }
    expect(seen).toEqual([...Array(count).keys()]);
    client.close();
  });

  it("refuses TLS 1.1 and accepts TLS 1.2 and 1.3", async () => {
    const attempt = (version: tls.SecureVersion) =>
      KmipTestClient.connect(relay.port, { minVersion: version, maxVersion: version }).then(
        (c) => {
          const got = c.socket.getProtocol();
          c.close();
          return got;
        },
        () => "refused",
      );
    expect(await attempt("TLSv1.1")).toBe("refused");
    expect(await attempt("TLSv1.2")).toBe("TLSv1.2");
    expect(await attempt("TLSv1.3")).toBe("TLSv1.3");
  });

  it("logs one line per operation and never the PIN", async () => {
    const client = await KmipTestClient.connect(relay.port);
    await client.request(
      requestMessage({
        username: relay.username,
        password: relay.pin,
        items: [{ operation: Operation.Query, payload: [build.enumeration(Tag.QueryFunction, 1)] }],
      }),
    );
    client.close();
    const lines = relay.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const queryLine = lines.findLast((l) => l.msg === "operation" && l.operation === "Query");
    expect(queryLine).toMatchObject({ result: "Success", client: "127.0.0.1" });
    expect(typeof queryLine?.durationMs).toBe("number");
    expect(relay.logs.join("\n")).not.toContain(relay.pin);
  });
});
