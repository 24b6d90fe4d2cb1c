/**
 * Hostile clients at the connection level: garbage, lying length headers, slow senders,
 * hundreds of idle connections. The relay closes what it cannot serve without buffering what
 * a client only declares, and a well-behaved client is served after each case.
 */
import { connect, type Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ResultStatus } from "../../../src/kmip/enums.js";
import { Tag } from "../../../src/kmip/tags.js";
import { decodeTtlv } from "../../../src/ttlv/decode.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import { hexToBytes } from "../../../src/ttlv/hex.js";
import { Rng } from "../../fuzz/rng.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import {
  batchItems,
  discoverItem,
  expectServes,
  field,
  RSS_GROWTH_BOUND_MIB,
  rssMiB,
  sleep,
} from "./hostile.js";

const READ_TIMEOUT_MS = 1_000;
const MAX_MESSAGE_BYTES = 1024 * 1024;

let relay: TestRelay;
let baselineMiB = 0;
beforeAll(async () => {
  relay = await startTestRelay({
    workers: 1,
    serverToml: `request-read-timeout-ms = ${READ_TIMEOUT_MS}`,
  });
  baselineMiB = rssMiB();
});
afterEach(async () => {
  await expectServes(relay.port);
  expect(rssMiB() - baselineMiB).toBeLessThan(RSS_GROWTH_BOUND_MIB);
});
afterAll(async () => {
  await relay?.close();
});

/** A TTLV header of a Request Message declaring `length` bytes of body. */
function header(length: number): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeUInt32BE((Tag.RequestMessage << 8) | 0x01);
  out.writeUInt32BE(length >>> 0, 4);
  return out;
}

describe("garbage", () => {
  it("an HTTP request is not TTLV: the connection is closed", async () => {
    const client = await KmipTestClient.connect(relay.port);
    client.send(Buffer.from("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    expect(await client.waitClosed()).toBe(true);
    expect(relay.logs.some((l) => l.includes("framing error"))).toBe(true);
  });

  it("64 KiB of random bytes: closed, or answered with an error, never served", async () => {
    const rng = new Rng(5696);
    for (let round = 0; round < 8; round++) {
      const client = await KmipTestClient.connect(relay.port);
      client.send(rng.bytes(64 * 1024));
      const outcome = await Promise.race([
        client.waitClosed(3_000).then((closed) => (closed ? "closed" : "open")),
        client.nextRaw(3_000).then(
          () => "answered",
          () => "closed",
        ),
      ]);
      expect(["closed", "answered"]).toContain(outcome);
      client.close();
    }
  });
});

describe("lying length headers", () => {
  it("2 GiB declared, then nothing: closed at once, nothing buffered", async () => {
    const client = await KmipTestClient.connect(relay.port);
    client.send(header(0x7ffffff8));
    expect(await client.waitClosed(READ_TIMEOUT_MS / 2)).toBe(true);
  });

  it("1 MiB + 8 declared (over max-message-bytes): closed before the body is read", async () => {
    const client = await KmipTestClient.connect(relay.port);
    client.send(header(MAX_MESSAGE_BYTES));
    client.send(Buffer.alloc(64 * 1024));
    expect(await client.waitClosed(READ_TIMEOUT_MS / 2)).toBe(true);
  });

  it("1 MiB + 1 declared (not a multiple of 8 either): closed", async () => {
    const client = await KmipTestClient.connect(relay.port);
    client.send(header(MAX_MESSAGE_BYTES + 1 - 8));
    expect(await client.waitClosed(READ_TIMEOUT_MS / 2)).toBe(true);
  });

  it("exactly 1 MiB declared, 4 KiB sent, then silence: cut by request-read-timeout-ms", async () => {
    const client = await KmipTestClient.connect(relay.port);
    client.send(header(MAX_MESSAGE_BYTES - 8));
    client.send(hexToBytes("42007701 00000ff8"));
    client.send(Buffer.alloc(4096 - 16));
    expect(await client.waitClosed(READ_TIMEOUT_MS * 5)).toBe(true);
    expect(relay.logs.some((l) => l.includes("request not received whole in time"))).toBe(true);
  });
});

describe("slow senders", () => {
  it("1 byte per 100 ms: the connection is cut by request-read-timeout-ms", async () => {
    const client = await KmipTestClient.connect(relay.port);
    const request = encodeTtlv(requestMessage({ items: [discoverItem(1)] }));
    const started = Date.now();
    let sent = 0;
    const closed = client.waitClosed(READ_TIMEOUT_MS * 5);
    let done = false;
    void closed.then(() => {
      done = true;
    });
    while (!done && sent < request.length) {
      client.send(request.subarray(sent, sent + 1));
      sent += 1;
      await sleep(100);
    }
    expect(await closed).toBe(true);
    expect(sent).toBeLessThan(request.length);
    expect(Date.now() - started).toBeGreaterThanOrEqual(READ_TIMEOUT_MS - 50);
  });

  it("a whole request sent slowly but within the timeout is served", async () => {
    const client = await KmipTestClient.connect(relay.port);
    const request = encodeTtlv(requestMessage({ items: [discoverItem(2)] }));
    const third = Math.ceil(request.length / 3);
    for (let at = 0; at < request.length; at += third) {
      client.send(request.subarray(at, at + third));
      await sleep(READ_TIMEOUT_MS / 5);
    }
    client.send(encodeTtlv(requestMessage({ items: [discoverItem(3)] })));
    // The slow request's answer comes first, then the second one's.
    for (const id of [2, 3]) {
      const item = batchItems(decodeTtlv(await client.nextRaw()))[0]!;
      expect(field(item, Tag.ResultStatus)).toBe(ResultStatus.Success);
      expect(Buffer.from(field(item, Tag.UniqueBatchItemID) as Uint8Array).readUInt32BE()).toBe(id);
    }
    client.close();
  });
});

describe("many idle connections", () => {
  it("300 TCP connections that never start TLS do not lock out a normal client", async () => {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 300; i++) sockets.push(connect({ host: "127.0.0.1", port: relay.port }));
      await Promise.all(sockets.map((s) => new Promise((resolve) => s.once("connect", resolve))));
      await expectServes(relay.port);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  it("300 idle connections do not lock out a normal client", async () => {
    const idle: KmipTestClient[] = [];
    try {
      for (let i = 0; i < 300; i += 25) {
        idle.push(
          ...(await Promise.all(
            Array.from({ length: 25 }, () => KmipTestClient.connect(relay.port)),
          )),
        );
      }
      expect(idle).toHaveLength(300);
      await expectServes(relay.port);
      expect(idle.every((c) => !c.socket.destroyed)).toBe(true);
    } finally {
      for (const c of idle) c.close();
    }
  });
});
