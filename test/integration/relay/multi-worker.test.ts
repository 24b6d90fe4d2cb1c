/**
 * Two PKCS#11 workers behind one relay: a key created through one worker is at once usable
 * through either (SoftHSM2 shares the token store between processes, with a stale-view
 * caveat the relay must handle), and parallel connections all get correct signatures.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultReason, ResultStatus } from "../../../src/kmip/enums.js";
import { findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { decodeTtlv } from "../../../src/ttlv/decode.js";
import { encodeTtlv } from "../../../src/ttlv/encode.js";
import { publicKeyFromGet, type SignatureScheme, signatureVerifies } from "../../helpers/keys.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import {
  type Attr,
  KEY_KINDS,
  revokePayload,
  Session,
  signPayload,
  uidPayload,
} from "./session.js";

const CONNECTIONS = 4;
const SIGNATURES = 20;

let relay: TestRelay;
let sessions: Session[] = [];
beforeAll(async () => {
  relay = await startTestRelay({ workers: 2 });
  sessions = await Promise.all(Array.from({ length: CONNECTIONS }, () => Session.open(relay)));
});
afterAll(async () => {
  for (const s of sessions) s.close();
  await relay?.close();
});

const KINDS: { title: string; common: readonly Attr[]; scheme: SignatureScheme }[] = [
  { title: "RSA 2048", common: KEY_KINDS.rsa2048, scheme: { kind: "rsa-pkcs1", hash: "sha256" } },
  { title: "P-256", common: KEY_KINDS.p256, scheme: { kind: "ecdsa", hash: "sha256" } },
  { title: "Ed25519", common: KEY_KINDS.ed25519, scheme: { kind: "ed25519" } },
];

describe("two workers", () => {
  it.each(KINDS)(
    "$title: create, then sign 20 times over 4 parallel connections; all verify",
    async ({ common, scheme }) => {
      const [first] = sessions;
      const { privateUid, publicUid } = await first!.createKeyPair({ common });
      const { key } = publicKeyFromGet(await first!.ok(Operation.Get, uidPayload(publicUid)));
      const messages = Array.from({ length: SIGNATURES }, () => randomBytes(64));
      // Connection i signs messages i, i + 4, ...: four requests in flight at a time.
      const signatures = await Promise.all(
        sessions.map(async (session, i) => {
          const mine: [number, Uint8Array][] = [];
          for (let m = i; m < SIGNATURES; m += CONNECTIONS) {
            const payload = await session.ok(
              Operation.Sign,
              signPayload(privateUid, { data: messages[m]! }),
            );
            mine.push([m, findChild(payload, Tag.SignatureData)?.value as Uint8Array]);
          }
          return mine;
        }),
      );
      const all = signatures.flat();
      expect(all).toHaveLength(SIGNATURES);
      for (const [m, signature] of all) {
        expect(signatureVerifies(key, scheme, messages[m]!, signature), `message ${m}`).toBe(true);
      }
    },
  );

  it("a key destroyed through one worker is gone for both, whatever they cached", async () => {
    const [first] = sessions;
    const { privateUid, publicUid } = await first!.createKeyPair({ common: KEY_KINDS.p256 });
    // One request at a time per connection, four connections at once, twice: both workers
    // look the key up (and may cache its handle).
    const signAll = async () => {
      const results = [];
      for (let round = 0; round < 2; round++) {
        results.push(
          ...(await Promise.all(
            sessions.map((s) =>
              s.call(Operation.Sign, signPayload(privateUid, { data: randomBytes(8) })),
            ),
          )),
        );
      }
      return results;
    };
    expect((await signAll()).map((r) => r.status)).toEqual(Array(8).fill(ResultStatus.Success));
    for (const uid of [privateUid, publicUid]) {
      // An Active key is revoked before it is destroyed (KMIP 1.4 section 3.22).
      await first!.ok(Operation.Revoke, revokePayload(uid));
      await first!.ok(Operation.Destroy, uidPayload(uid));
    }
    expect((await signAll()).map((r) => r.reason)).toEqual(
      Array(8).fill(ResultReason.ItemNotFound),
    );
    const gets = await Promise.all(
      sessions.map((s) => s.call(Operation.Get, uidPayload(publicUid))),
    );
    expect(gets.map((r) => r.reason)).toEqual(Array(4).fill(ResultReason.ItemNotFound));
  });

  it("keys created at the same time through both workers are usable through either", async () => {
    // SoftHSM2 caveat: a process that writes before it has read can miss another process's
    // new objects; the relay must refresh rather than answer Item Not Found.
    const created = await Promise.all(
      sessions.map((s, i) =>
        s.createKeyPair({ common: i % 2 ? KEY_KINDS.ed25519 : KEY_KINDS.p256 }),
      ),
    );
    const keys = await Promise.all(
      created.map(async (uids, i) => {
        const reader = sessions[(i + 1) % CONNECTIONS]!;
        const got = publicKeyFromGet(await reader.ok(Operation.Get, uidPayload(uids.publicUid)));
        const scheme: SignatureScheme =
          i % 2 ? { kind: "ed25519" } : { kind: "ecdsa", hash: "sha256" };
        return { ...uids, key: got.key, scheme };
      }),
    );
    // Every connection signs with every key, four requests in flight at a time.
    const message = randomBytes(32);
    for (const k of keys) {
      const results = await Promise.all(
        sessions.map((s) => s.ok(Operation.Sign, signPayload(k.privateUid, { data: message }))),
      );
      for (const payload of results) {
        const signature = findChild(payload, Tag.SignatureData)?.value as Uint8Array;
        expect(signatureVerifies(k.key, k.scheme, message, signature)).toBe(true);
      }
    }
  });

  it("answers 20 pipelined Sign requests on one connection in order while both workers sign", async () => {
    const [first] = sessions;
    const { privateUid, publicUid } = await first!.createKeyPair({ common: KEY_KINDS.rsa2048 });
    const { key } = publicKeyFromGet(await first!.ok(Operation.Get, uidPayload(publicUid)));
    const client = await KmipTestClient.connect(relay.port);
    try {
      const messages = Array.from({ length: SIGNATURES }, () => randomBytes(40));
      messages.forEach((data, i) => {
        const request = requestMessage({
          username: relay.username,
          password: relay.pin,
          items: [
            {
              operation: Operation.Sign,
              payload: signPayload(privateUid, { data }),
              batchId: Uint8Array.of(i),
            },
          ],
        });
        client.send(encodeTtlv(request));
      });
      for (let i = 0; i < SIGNATURES; i++) {
        const item = findChild(decodeTtlv(await client.nextRaw()), Tag.BatchItem)!;
        expect([
          ...((findChild(item, Tag.UniqueBatchItemID)?.value as Uint8Array | undefined) ?? []),
        ]).toEqual([i]);
        const payload = findChild(item, Tag.ResponsePayload)!;
        const signature = findChild(payload, Tag.SignatureData)?.value as Uint8Array;
        expect(
          signatureVerifies(key, { kind: "rsa-pkcs1", hash: "sha256" }, messages[i]!, signature),
        ).toBe(true);
      }
    } finally {
      client.close();
    }
  });
});
