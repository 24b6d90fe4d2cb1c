/**
 * A client that sends requests and never reads the responses. KMIP responses can be far
 * larger than requests (RNG Retrieve answers 64 KiB to a 48-byte batch item), so a relay
 * that keeps answering into a socket nobody reads buffers without bound. The relay must stop
 * reading such a connection once its responses back up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultStatus } from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { batchItems, expectServes, field, RSS_GROWTH_BOUND_MIB, rssMiB, sleep } from "./hostile.js";

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 2 });
});
afterAll(async () => {
  await relay?.close();
});

/** 16 RNG Retrieve items of 64 KiB each: a 1 MiB response to a 1 KiB request. */
function bigAnswerRequest(): Buffer {
  return encodeTtlv(
    requestMessage({
      username: relay.username,
      password: relay.pin,
      batchErrorContinuation: 2,
      items: Array.from({ length: 16 }, () => ({
        operation: Operation.RNGRetrieve,
        payload: [build.integer(Tag.DataLength, 65_536)],
      })),
    }),
  );
}

describe("a client that does not read", () => {
  it("cannot make the relay buffer its responses without bound", async () => {
    // The request is good: a reading client gets 1 MiB of random bytes.
    const reader = await KmipTestClient.connect(relay.port);
    const answer = await reader.request(
      requestMessage({
        username: relay.username,
        password: relay.pin,
        items: [
          { operation: Operation.RNGRetrieve, payload: [build.integer(Tag.DataLength, 65_536)] },
        ],
      }),
    );
    expect(field(batchItems(answer)[0]!, Tag.ResultStatus)).toBe(ResultStatus.Success);
    reader.close();

    const before = rssMiB();
    const answered = () => relay.logs.filter((l) => l.includes('"operation":"RNGRetrieve"')).length;
    const answeredBefore = answered();
    const client = await KmipTestClient.connect(relay.port);
    client.socket.pause(); // never read: responses pile up on the relay's side
    const request = bigAnswerRequest();
    // 400 requests would make 400 MiB of responses (and did, before reading paused).
    for (let i = 0; i < 400; i++) client.send(request);
    await sleep(6_000);
    const grown = rssMiB() - before;
    const items = answered() - answeredBefore;
    client.close();
    await expectServes(relay.port);
    // Reading stopped: at most the requests in flight per connection (64) and those of the
    // chunk being read were answered, not all 400.
    expect(items / 16).toBeLessThanOrEqual(64 + 32);
    expect(grown).toBeLessThan(RSS_GROWTH_BOUND_MIB);
  }, 60_000);
});
