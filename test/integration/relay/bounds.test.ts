/**
 * The bounds that were constants before they were `[server]` keys: connections per address,
 * requests in flight per connection, TLS handshake time, RNG Retrieve size. Over TLS, with
 * each bound set low.
 */
import { connect } from "node:net";
import type tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultReason, ResultStatus } from "../../../src/kmip/enums.js";
import { build, findChild, findChildren } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { decodeTtlv } from "../../../src/ttlv/decode.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { sleep } from "../hostile/hostile.js";

const PER_ADDRESS = 2;
const IN_FLIGHT = 2;
const RNG_BYTES = 1024;

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({
    workers: 1,
    logLevel: "debug",
    serverToml: [
      `max-connections-per-address = ${PER_ADDRESS}`,
      `max-in-flight-per-connection = ${IN_FLIGHT}`,
      "tls-handshake-timeout-ms = 300",
      `max-rng-bytes = ${RNG_BYTES}`,
    ].join("\n"),
  });
});
afterAll(async () => {
  await relay?.close();
});

const rng = (length: number) => ({
  operation: Operation.RNGRetrieve,
  payload: [build.integer(Tag.DataLength, length)],
});
const firstItem = (response: TtlvItem) => findChildren(response, Tag.BatchItem)[0]!;

/**
 * A connection from `localAddress`, or "refused". Each test uses its own loopback address
 * (all of 127/8 is local), so the per-address cap of one test does not touch the others.
 */
function tryConnect(localAddress = "127.0.0.1"): Promise<KmipTestClient | "refused"> {
  // `localAddress` is a net.connect option that tls.connect passes on.
  const options: tls.ConnectionOptions & { localAddress: string } = { localAddress };
  return KmipTestClient.connect(relay.port, options).then(
    (c) => c,
    () => "refused" as const,
  );
}

async function connected(localAddress: string): Promise<KmipTestClient> {
  const client = await tryConnect(localAddress);
  if (client === "refused") throw new Error(`connection from ${localAddress} refused`);
  return client;
}

/** Log lines (parsed) whose message includes `text`. */
function logsWith(text: string): Array<Record<string, unknown>> {
  return relay.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => String(l.msg).includes(text));
}

describe("max-connections-per-address", () => {
  it("refuses a third connection from one address, with a log line; other addresses and later connections are served", async () => {
    const held = await Promise.all([tryConnect(), tryConnect()]);
    const [a, b] = held;
    if (a === "refused" || b === "refused") throw new Error("the first two connections failed");
    expect(await tryConnect()).toBe("refused");
    expect(logsWith("too many connections from this address").length).toBeGreaterThan(0);
    // 127.0.0.2 is another address on the loopback interface: not affected.
    const other = await tryConnect("127.0.0.2");
    expect(other).not.toBe("refused");
    if (other !== "refused") other.close();
    // Open connections still work; once one closes, the address may connect again.
    expect(
      findChild(firstItem(await a.request(requestMessage({ items: [] }))), Tag.ResultStatus),
    ).toBeDefined();
    a.close();
    let again: KmipTestClient | "refused" = "refused";
    for (let i = 0; i < 50 && again === "refused"; i++) {
      await sleep(20);
      again = await tryConnect();
    }
    expect(again).not.toBe("refused");
    if (again !== "refused") again.close();
    b.close();
  });
});

describe("max-in-flight-per-connection", () => {
  it("pauses at the limit, never runs more at once, and answers every pipelined request in order", async () => {
    const client = await connected("127.0.0.4");
    const lengths = Array.from({ length: 20 }, (_, i) => i + 1);
    // All requests in one write: they arrive together, more than the limit at once.
    client.send(
      Buffer.concat(
        lengths.map((n) =>
          encodeTtlv(
            requestMessage({ username: relay.username, password: relay.pin, items: [rng(n)] }),
          ),
        ),
      ),
    );
    for (const n of lengths) {
      const item = firstItem(decodeTtlv(await client.nextRaw()));
      expect(findChild(item, Tag.ResultStatus)?.value).toBe(ResultStatus.Success);
      const payload = findChild(item, Tag.ResponsePayload)!;
      expect(findChild(payload, Tag.Data)?.value).toHaveLength(n);
    }
    client.close();
    const paused = logsWith("per-connection limit: reading paused");
    expect(paused.length).toBeGreaterThan(0);
    for (const line of paused) expect(line.inFlight).toBeLessThanOrEqual(IN_FLIGHT);
  });
});

describe("tls-handshake-timeout-ms", () => {
  it("closes a TCP connection that never starts TLS", async () => {
    const socket = connect({ host: "127.0.0.1", port: relay.port, localAddress: "127.0.0.3" });
    const closed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5_000);
      socket.once("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    socket.on("error", () => {});
    expect(await closed).toBe(true);
    expect(logsWith("TLS handshake failed").some((l) => /timeout/i.test(String(l.err)))).toBe(true);
    (await connected("127.0.0.5")).close();
  });
});

describe("max-rng-bytes", () => {
  it("serves RNG Retrieve up to the configured size and refuses one byte more", async () => {
    const client = await connected("127.0.0.6");
    const ask = (n: number) =>
      client.request(
        requestMessage({ username: relay.username, password: relay.pin, items: [rng(n)] }),
      );
    const ok = firstItem(await ask(RNG_BYTES));
    expect(findChild(ok, Tag.ResultStatus)?.value).toBe(ResultStatus.Success);
    const data = findChild(findChild(ok, Tag.ResponsePayload)!, Tag.Data)?.value as Uint8Array;
    expect(data.length).toBe(RNG_BYTES);
    const refused = firstItem(await ask(RNG_BYTES + 1));
    expect(findChild(refused, Tag.ResultStatus)?.value).toBe(ResultStatus.OperationFailed);
    expect(findChild(refused, Tag.ResultReason)?.value).toBe(ResultReason.InvalidField);
    client.close();
  });
});
