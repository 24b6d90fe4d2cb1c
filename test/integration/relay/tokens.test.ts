/**
 * Two tokens behind one relay, told apart by the KMIP Username (the token label) and each
 * unlocked by its own Password (the user PIN): keys of one token are invisible and unusable
 * through the other's credential.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultReason, ResultStatus } from "../../../src/kmip/enums.js";
import { findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { publicKeyFromGet, signatureVerifies } from "../../helpers/keys.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import {
  createKeyPairPayload,
  firstResult,
  type ItemResult,
  KEY_KINDS,
  signPayload,
  uidPayload,
} from "./session.js";

const SECOND = { label: "second-token", pin: "98765" };

let relay: TestRelay;
let client: KmipTestClient;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 2 });
  relay.token.addToken(SECOND.label, SECOND.pin);
  client = await KmipTestClient.connect(relay.port);
});
afterAll(async () => {
  client?.close();
  await relay?.close();
});

type Credential = { readonly label: string; readonly pin: string };
const first = (): Credential => ({ label: relay.username, pin: relay.pin });

async function call(as: Credential, operation: number, payload: TtlvItem[]): Promise<ItemResult> {
  const request = requestMessage({
    username: as.label,
    password: as.pin,
    items: [{ operation, payload }],
  });
  return firstResult(await client.request(request));
}

async function createOn(as: Credential) {
  const result = await call(
    as,
    Operation.CreateKeyPair,
    createKeyPairPayload({ common: KEY_KINDS.p256 }, "v1"),
  );
  expect(result.status).toBe(ResultStatus.Success);
  return {
    privateUid: findChild(result.payload, Tag.PrivateKeyUniqueIdentifier)?.value as string,
    publicUid: findChild(result.payload, Tag.PublicKeyUniqueIdentifier)?.value as string,
  };
}

describe("two tokens", () => {
  it("each token's keys work under its own credential and are not found under the other's", async () => {
    const onFirst = await createOn(first());
    const onSecond = await createOn(SECOND);
    for (const [owner, other, uids] of [
      [first(), SECOND, onFirst],
      [SECOND, first(), onSecond],
    ] as const) {
      const got = await call(owner, Operation.Get, uidPayload(uids.publicUid));
      const { key } = publicKeyFromGet(got.payload);
      const message = randomBytes(32);
      const signed = await call(
        owner,
        Operation.Sign,
        signPayload(uids.privateUid, { data: message }),
      );
      const signature = findChild(signed.payload, Tag.SignatureData)?.value as Uint8Array;
      expect(signatureVerifies(key, { kind: "ecdsa", hash: "sha256" }, message, signature)).toBe(
        true,
      );

      for (const [operation, payload] of [
        [Operation.Get, uidPayload(uids.publicUid)],
        [Operation.Sign, signPayload(uids.privateUid, { data: message })],
        [Operation.Destroy, uidPayload(uids.privateUid)],
      ] as const) {
        const result = await call(other, operation, payload);
        expect(result.reason, `${other.label} op ${operation}`).toBe(ResultReason.ItemNotFound);
      }
    }
  });

  it("refuses a token's keys under the other token's PIN, and an unknown token", async () => {
    const { publicUid } = await createOn(SECOND);
    const wrongPin = await call(
      { label: SECOND.label, pin: relay.pin },
      Operation.Get,
      uidPayload(publicUid),
    );
    expect(wrongPin.reason).toBe(ResultReason.AuthenticationNotSuccessful);
    const unknown = await call(
      { label: "no-such-token", pin: "1234" },
      Operation.Get,
      uidPayload(publicUid),
    );
    expect(unknown.reason).toBe(ResultReason.AuthenticationNotSuccessful);
    const right = await call(SECOND, Operation.Get, uidPayload(publicUid));
    expect(right.status).toBe(ResultStatus.Success);
  });
});
