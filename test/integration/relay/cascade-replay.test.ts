/**
 * A Cascade session replayed message by message on one TLS connection, each request built
 * as NLnetLabs' kmip-protocol / domain-kmip client builds it and each response read as that
 * client reads it (cascade-client.ts, cascade-readers.ts): Query, Create Key Pair (1.0),
 * Get of the public key, Activate, Modify Attribute (rename), Sign (1.2, alone and batched),
 * Revoke + Destroy of the private then the public key. Signatures are verified with the key
 * the client derived for its DNSKEY record.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  NameType,
  ObjectType,
  Operation,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import { findChild, findChildren } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { decodeTtlv } from "../../../src/ttlv/decode.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import { KmipTestClient } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import {
  CASCADE_ALGORITHMS,
  type CascadeAlgorithm,
  type CascadeItem,
  cascade,
  cascadeRequest,
} from "./cascade-client.js";
import {
  type CascadeResult,
  dnskeyBytes,
  dnskeyFromGet,
  dnssecSignature,
  keyObjectOf,
  readCascadeResponse,
} from "./cascade-readers.js";
import { BATCH_ITEM, checkServerInformation, expectFields } from "./cascade-shapes.js";
import { findTokenObject } from "./token-objects.js";

/** The client's read limit, as Cascade configures it (max_response_bytes). */
const MAX_RESPONSE = 4096;

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 2 });
});
afterAll(async () => {
  await relay?.close();
});

/** One connection of the client's pool. */
class CascadeConnection {
  private constructor(private readonly client: KmipTestClient) {}

  static async open(): Promise<CascadeConnection> {
    return new CascadeConnection(await KmipTestClient.connect(relay.port));
  }

  private lastBatchIds: Buffer[] | undefined;

  /** Sends a batch (one item: no batch IDs; several: a UUID each); the raw response. */
  async sendRaw(items: CascadeItem[]): Promise<Buffer> {
    const batchIds =
      items.length > 1
        ? items.map(() => Buffer.from(randomUUID().replaceAll("-", ""), "hex"))
        : undefined;
    this.lastBatchIds = batchIds;
    const message = cascadeRequest({
      items,
      ...(batchIds === undefined ? {} : { batchIds }),
      maxResponseSize: MAX_RESPONSE,
      username: relay.username,
      password: relay.pin,
    });
    this.client.send(encodeTtlv(message));
    return this.client.nextRaw();
  }

  /** Sends a batch and reads it back as the client does. */
  async send(items: CascadeItem[]): Promise<{ raw: Buffer; results: CascadeResult[] }> {
    const raw = await this.sendRaw(items);
    const batchIds = this.lastBatchIds;
    const results = readCascadeResponse(
      raw,
      MAX_RESPONSE,
      items.map((i) => i.operation),
    );
    if (batchIds !== undefined) {
      expect(results.map((r) => Buffer.from(r.batchId ?? []).toString("hex"))).toEqual(
        batchIds.map((id) => id.toString("hex")),
      );
    }
    return { raw, results };
  }

  /** Sends one item that must succeed; returns its payload. */
  async one(item: CascadeItem) {
    const { results } = await this.send([item]);
    return results[0]!.payload;
  }

  /** The raw first item of a response expected to fail. */
  async failing(item: CascadeItem) {
    this.client.send(
      encodeTtlv(
        cascadeRequest({
          items: [item],
          maxResponseSize: MAX_RESPONSE,
          username: relay.username,
          password: relay.pin,
        }),
      ),
    );
    return findChild(decodeTtlv(await this.client.nextRaw()), Tag.BatchItem)!;
  }

  close(): void {
    this.client.close();
  }
}

const text = (payload: Parameters<typeof findChild>[0], tag: number) =>
  findChild(payload, tag)?.value as string;

async function replay(alg: CascadeAlgorithm): Promise<void> {
  const conn = await CascadeConnection.open();
  try {
    // 1. Query: Operations, Objects, Server Information.
    const query = await conn.one(cascade.query());
    const operations = findChildren(query, Tag.Operation).map((o) => o.value);
    expect(operations).toEqual(
      expect.arrayContaining([
        Operation.CreateKeyPair,
        Operation.Get,
        Operation.Activate,
        Operation.ModifyAttribute,
        Operation.Sign,
        Operation.Revoke,
        Operation.Destroy,
      ]),
    );
    expect(findChildren(query, Tag.ObjectType).map((o) => o.value)).toContain(
      ObjectType.PrivateKey,
    );
    expect(text(query, Tag.VendorIdentification)).toMatch(/kmip2pkcs11/);

    // 2. Create Key Pair under a 1.0 header; names as domain-kmip's generate() gets them.
    const created = await conn.one(cascade.createKeyPair(alg, "A-pub", "A-priv"));
    const privateUid = text(created, Tag.PrivateKeyUniqueIdentifier);
    const publicUid = text(created, Tag.PublicKeyUniqueIdentifier);
    expect(privateUid).toMatch(/^[0-9A-F]{40}_priv$/);
    expect(publicUid).toBe(privateUid.replace(/_priv$/, "_pub"));

    // 3. Get of the public key in the server's default format -> the DNSKEY public key.
    const dnskey = dnskeyFromGet(await conn.one(cascade.get(publicUid)), alg);
    const key = keyObjectOf(dnskey, alg);
    if (alg.curve === undefined) {
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(alg.length);
      expect(dnskeyBytes(dnskey).subarray(0, 4).toString("hex")).toBe("03010001"); // e = 65537
    } else {
      expect(dnskeyBytes(dnskey)).toHaveLength(2 * alg.curve.bytes);
    }

    // 4. Activate the private key (the client does not ask for Activation Date).
    expect(text(await conn.one(cascade.activate(privateUid)), Tag.UniqueIdentifier)).toBe(
      privateUid,
    );

    // 5. Rename both keys: the response must echo the Attribute (AttributeEditResponsePayload).
    for (const [uid, name] of [
      [privateUid, `${alg.name} ksk priv`],
      [publicUid, `${alg.name} ksk pub`],
    ] as const) {
      const renamed = await conn.one(cascade.rename(uid, name));
      expect(text(renamed, Tag.UniqueIdentifier)).toBe(uid);
      const attribute = findChild(renamed, Tag.Attribute)!;
      expect(text(attribute, Tag.AttributeName)).toBe("Name");
      const value = findChild(attribute, Tag.AttributeValue)!;
      expect(text(value, Tag.NameValue)).toBe(name);
      expect(findChild(value, Tag.NameType)?.value).toBe(NameType.UninterpretedTextString);
    }
    const id = privateUid.replace(/_priv$/, "");
    expect(findTokenObject(relay, id, "Private Key Object")?.label).toBe(`${alg.name} ksk priv`);

    // 6. Sign under a 1.2 header, then a batch of three (sign_raw_enqueue + submit_queue).
    const rrset = randomBytes(300);
    expect(
      dnssecSignature(await conn.one(cascade.sign(privateUid, alg, rrset)), alg, key, rrset),
    ).toBe(true);
    const batch = [randomBytes(100), randomBytes(200), randomBytes(50)];
    const { results } = await conn.send(batch.map((data) => cascade.sign(privateUid, alg, data)));
    results.forEach((r, i) => {
      expect(dnssecSignature(r.payload, alg, key, batch[i]!), `batch item ${i}`).toBe(true);
    });

    // 7. destroy(): Revoke then Destroy, the private key first, then the public key.
    for (const uid of [privateUid, publicUid]) {
      expect(text(await conn.one(cascade.revoke(uid)), Tag.UniqueIdentifier)).toBe(uid);
      expect(text(await conn.one(cascade.destroy(uid)), Tag.UniqueIdentifier)).toBe(uid);
    }

    // 8. The key is gone: Item Not Found, which the client reports as such.
    const gone = await conn.failing(cascade.get(publicUid));
    expect(findChild(gone, Tag.ResultStatus)?.value).toBe(ResultStatus.OperationFailed);
    expect(findChild(gone, Tag.ResultReason)?.value).toBe(ResultReason.ItemNotFound);
    expect(findChild(gone, Tag.Operation)?.value).toBe(Operation.Get);
    expectFields(gone, BATCH_ITEM);
  } finally {
    conn.close();
  }
}

describe("Cascade session replay", () => {
  it.each(CASCADE_ALGORITHMS)("$name: every response is what Cascade's client reads", replay);

  // Regression: a bug this test found in the relay (fixed in f6601d6).
  it("a signing batch too large for 4096 bytes is refused within 4096 bytes", async () => {
    const conn = await CascadeConnection.open();
    try {
      const alg = CASCADE_ALGORITHMS[0]!;
      const created = await conn.one(cascade.createKeyPair(alg, "big-pub", "big-priv"));
      const privateUid = text(created, Tag.PrivateKeyUniqueIdentifier);
      const items = Array.from({ length: 40 }, () =>
        cascade.sign(privateUid, alg, randomBytes(64)),
      );
      const raw = await conn.sendRaw(items);
      const answered = findChildren(decodeTtlv(raw), Tag.BatchItem);
      expect(findChild(answered[0]!, Tag.ResultReason)?.value).toBe(ResultReason.ResponseTooLarge);
      expect(raw.length).toBeLessThanOrEqual(MAX_RESPONSE);
    } finally {
      conn.close();
    }
  });

  // Regression: a bug this test found in the relay (fixed in f6601d6).
  it("Query: Server Information is empty, as the client's scanner requires", async () => {
    const conn = await CascadeConnection.open();
    try {
      const query = await conn.one(cascade.query());
      expect(() => checkServerInformation(query)).not.toThrow();
    } finally {
      conn.close();
    }
  });
});
