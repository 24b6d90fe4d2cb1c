/**
 * Configurable bounds on connections: slow senders, idle connections, weak keys.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  Operation,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
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
  relay = await startTestRelay({
    workers: 1,
    serverToml: "request-read-timeout-ms = 300\nidle-timeout-ms = 800\nmax-response-bytes = 200000",
    pkcs11Toml: "allow-rsa-1024 = true",
  });
});
afterAll(async () => {
  await relay?.close();
});

const discover = requestMessage({
  items: [{ operation: Operation.DiscoverVersions, payload: [] }],
});
const status = (response: TtlvItem) =>
  findChild(findChildren(response, Tag.BatchItem)[0]!, Tag.ResultStatus)?.value;

describe("connection bounds", () => {
  it("closes a connection whose request does not arrive whole in time", async () => {
    const client = await KmipTestClient.connect(relay.port);
    // A header announcing 64 bytes of RequestMessage, then 8 of them, then nothing.
    client.send(hexToBytes("42007801 00000040  42007701 00000038"));
    const started = Date.now();
    expect(await client.waitClosed(5_000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(relay.logs.some((l) => l.includes("request not received whole in time"))).toBe(true);
  });

  it("closes an idle connection, and keeps a busy one open past the idle time", async () => {
    const idle = await KmipTestClient.connect(relay.port);
    const busy = await KmipTestClient.connect(relay.port);
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 250));
      expect(status(await busy.request(discover))).toBe(ResultStatus.Success);
    }
    expect(await idle.waitClosed(3_000)).toBe(true);
    expect(status(await busy.request(discover))).toBe(ResultStatus.Success);
    busy.close();
  });
});

describe("max-response-bytes", () => {
  it("answers a batch whose answers outgrow the server's limit with Response Too Large", async () => {
    const client = await KmipTestClient.connect(relay.port);
    const rng = {
      operation: Operation.RNGRetrieve,
      payload: [build.integer(Tag.DataLength, 65536)],
    };
    const small = await client.request(
      requestMessage({ username: relay.username, password: relay.pin, items: [rng] }),
    );
    expect(status(small)).toBe(ResultStatus.Success);
    client.send(
      encodeTtlv(
        requestMessage({
          username: relay.username,
          password: relay.pin,
          items: Array.from({ length: 10 }, () => rng),
        }),
      ),
    );
    const raw = await client.nextRaw();
    expect(raw.length).toBeLessThanOrEqual(200000);
    const items = findChildren(decodeTtlv(raw), Tag.BatchItem);
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(findChild(item, Tag.ResultReason)?.value).toBe(ResultReason.ResponseTooLarge);
    }
    client.close();
  });
});

describe("allow-rsa-1024", () => {
  it("lets Create Key Pair make a 1024-bit RSA key when the config says so", async () => {
    const client = await KmipTestClient.connect(relay.port);
    const attribute = (name: string, value: TtlvItem) =>
      build.structure(Tag.Attribute, [build.textString(Tag.AttributeName, name), value]);
    const response = await client.request(
      requestMessage({
        username: relay.username,
        password: relay.pin,
        items: [
          {
            operation: Operation.CreateKeyPair,
            payload: [
              build.structure(Tag.CommonTemplateAttribute, [
                attribute(
                  "Cryptographic Algorithm",
                  build.enumeration(Tag.AttributeValue, CryptographicAlgorithm.RSA),
                ),
                attribute("Cryptographic Length", build.integer(Tag.AttributeValue, 1024)),
              ]),
            ],
          },
        ],
      }),
    );
    const item = findChildren(response, Tag.BatchItem)[0]!;
    expect(findChild(item, Tag.ResultReason)?.value).not.toBe(ResultReason.InvalidField);
    expect(findChild(item, Tag.ResultStatus)?.value).toBe(ResultStatus.Success);
    client.close();
  });
});
