/**
 * The soak test's client side (scripts/soak.ts): a TLS connection that keeps a number of Sign
 * and Get requests in flight, each with a unique Unique Batch Item ID, and accounts for every
 * response: answered once, duplicated, without an ID, or malformed.
 */
import { randomBytes } from "node:crypto";
import tls from "node:tls";
import { CryptographicAlgorithm, Operation, ResultStatus } from "../src/kmip/enums.js";
import { build, findChild, findChildren } from "../src/kmip/item.js";
import { Tag } from "../src/kmip/tags.js";
import { enumValueName } from "../src/server/names.js";
import { decodeTtlv } from "../src/ttlv/decode.js";
import { encodeTtlv } from "../src/ttlv/encode.js";
import { TtlvFramer } from "../src/ttlv/framing.js";
import type { TtlvItem } from "../src/ttlv/types.js";
import { requestMessage, type TestBatchItem } from "../test/helpers/kmip-client.js";

/** Counters shared by every client of a run. */
export const tally = {
  sent: 0,
  answered: 0,
  lost: 0,
  duplicates: 0,
  unattributed: 0,
  malformed: 0,
  kills: 0,
  closed: 0,
};
/** Outcomes by operation and result ("Sign: Success", "Get: GeneralFailure (...)"). */
export const outcomes = new Map<string, number>();
const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

/** Credential and pipelining depth of the run. */
export interface SoakSettings {
  readonly username: string;
  readonly pin: string;
  readonly depth: number;
}

/** One client connection keeping `DEPTH` requests in flight. */
export class SoakClient {
  readonly pending = new Map<string, string>();
  private readonly framer = new TtlvFramer({ maxMessageBytes: 16 * 1024 * 1024 });
  private seq = 0;
  stopping = false;

  private constructor(
    private readonly socket: tls.TLSSocket,
    private readonly index: number,
    private readonly keys: { privateUid: string; publicUid: string },
    private readonly settings: SoakSettings,
  ) {
    socket.on("data", (chunk: Buffer) => {
      for (const message of this.framer.push(chunk)) this.onResponse(message);
    });
    socket.on("close", () => {
      tally.closed += 1;
      tally.lost += this.pending.size;
      this.pending.clear();
    });
    socket.on("error", () => {});
  }

  static connect(
    port: number,
    index: number,
    keys: SoakClient["keys"],
    settings: SoakSettings,
  ): Promise<SoakClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () =>
        resolve(new SoakClient(socket, index, keys, settings)),
      );
      socket.once("error", reject);
    });
  }

  fill(): void {
    while (!this.stopping && this.pending.size < this.settings.depth) this.sendOne();
  }

  private sendOne(): void {
    const id = Buffer.alloc(8);
    id.writeUInt32BE(this.index);
    id.writeUInt32BE(this.seq++, 4);
    const sign = this.seq % 2 === 0;
    const item: TestBatchItem = sign
      ? {
          operation: Operation.Sign,
          batchId: id,
          payload: [
            build.textString(Tag.UniqueIdentifier, this.keys.privateUid),
            build.byteString(Tag.Data, randomBytes(32)),
          ],
        }
      : {
          operation: Operation.Get,
          batchId: id,
          payload: [build.textString(Tag.UniqueIdentifier, this.keys.publicUid)],
        };
    this.pending.set(id.toString("hex"), sign ? "Sign" : "Get");
    tally.sent += 1;
    this.socket.write(
      encodeTtlv(
        requestMessage({
          username: this.settings.username,
          password: this.settings.pin,
          items: [item],
        }),
      ),
    );
  }

  private onResponse(message: Buffer): void {
    let response: TtlvItem;
    try {
      response = decodeTtlv(message);
    } catch {
      tally.malformed += 1;
      return;
    }
    for (const item of findChildren(response, Tag.BatchItem)) {
      const id = findChild(item, Tag.UniqueBatchItemID)?.value;
      const key = id instanceof Uint8Array ? Buffer.from(id).toString("hex") : undefined;
      const op = key === undefined ? undefined : this.pending.get(key);
      if (key === undefined) tally.unattributed += 1;
      else if (op === undefined) tally.duplicates += 1;
      else {
        this.pending.delete(key);
        tally.answered += 1;
        const status = findChild(item, Tag.ResultStatus)?.value;
        const reason = findChild(item, Tag.ResultReason)?.value;
        const text = String(findChild(item, Tag.ResultMessage)?.value ?? "")
          .replace(/worker \d+/g, "worker N")
          .slice(0, 80);
        if (status === ResultStatus.Success) count(`${op}: Success`);
        else if (reason === undefined) tally.malformed += 1;
        else count(`${op}: ${enumValueName("ResultReason", reason as number)} (${text})`);
      }
    }
    this.fill();
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function createKeyPair(
  port: number,
  settings: SoakSettings,
): Promise<{ privateUid: string; publicUid: string }> {
  const attribute = (name: string, value: TtlvItem) =>
    build.structure(Tag.Attribute, [build.textString(Tag.AttributeName, name), value]);
  const request = requestMessage({
    username: settings.username,
    password: settings.pin,
    items: [
      {
        operation: Operation.CreateKeyPair,
        payload: [
          build.structure(Tag.CommonTemplateAttribute, [
            attribute(
              "Cryptographic Algorithm",
              build.enumeration(Tag.AttributeValue, CryptographicAlgorithm.ECDSA),
            ),
            attribute("Cryptographic Length", build.integer(Tag.AttributeValue, 256)),
          ]),
        ],
      },
    ],
  });
  const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false });
  const framer = new TtlvFramer();
  const response = await new Promise<TtlvItem>((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => {
      const [message] = framer.push(chunk);
      if (message !== undefined) resolve(decodeTtlv(message));
    });
    socket.on("error", reject);
    socket.write(encodeTtlv(request));
  });
  socket.destroy();
  const payload = findChild(findChildren(response, Tag.BatchItem)[0]!, Tag.ResponsePayload)!;
  return {
    privateUid: findChild(payload, Tag.PrivateKeyUniqueIdentifier)?.value as string,
    publicUid: findChild(payload, Tag.PublicKeyUniqueIdentifier)?.value as string,
  };
}
