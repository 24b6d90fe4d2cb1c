/**
 * Signature Verify over real TLS on SoftHSM2: the relay's own signatures verify for every
 * algorithm Sign supports (through the public and the private key's UID), tampered ones do
 * not, and Digested Data is accepted.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm,
  HashingAlgorithm,
  Operation,
  PaddingMethod,
  ResultReason,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { cryptoParams, KEY_KINDS, Session, signPayload } from "./session.js";

let relay: TestRelay;
let session: Session;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 1 });
  session = await Session.open(relay);
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

const message = new Uint8Array(Buffer.from("verify me"));

function verifyPayload(
  uid: string,
  input: { data: Uint8Array } | { digest: Uint8Array },
  signature: Uint8Array,
  params?: TtlvItem,
): TtlvItem[] {
  return [...signPayload(uid, input, params), build.byteString(Tag.SignatureData, signature)];
}

async function signed(
  uid: string,
  input: { data: Uint8Array } | { digest: Uint8Array },
  params?: TtlvItem,
) {
  const payload = await session.ok(Operation.Sign, signPayload(uid, input, params));
  return findChild(payload, Tag.SignatureData)?.value as Uint8Array;
}

async function validity(payload: TtlvItem[], version = { major: 1, minor: 4 }): Promise<number> {
  const result = await session.ok(Operation.SignatureVerify, payload, version);
  return findChild(result, Tag.ValidityIndicator)?.value as number;
}

function tampered(signature: Uint8Array): Uint8Array {
  const copy = new Uint8Array(signature);
  const at = copy.length - 3;
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

describe("Signature Verify", () => {
  const cases = [
    ["RSA PKCS#1 v1.5 SHA-256", KEY_KINDS.rsa2048, undefined],
    [
      "RSA PSS SHA-384",
      KEY_KINDS.rsa2048,
      cryptoParams({ padding: PaddingMethod.PSS, hash: HashingAlgorithm.SHA_384 }),
    ],
    [
      "RSA PKCS#1 v1.5 SHA-512",
      KEY_KINDS.rsa2048,
      cryptoParams({ hash: HashingAlgorithm.SHA_512 }),
    ],
    ["ECDSA P-256", KEY_KINDS.p256, undefined],
    ["ECDSA P-384 SHA-384", KEY_KINDS.p384, cryptoParams({ hash: HashingAlgorithm.SHA_384 })],
    ["ECDSA P-521 SHA-512", KEY_KINDS.p521, cryptoParams({ hash: HashingAlgorithm.SHA_512 })],
    ["Ed25519", KEY_KINDS.ed25519, undefined],
  ] as const;
  const rsaCache: { pair?: { privateUid: string; publicUid: string } } = {};

  it.each(cases)(
    "accepts the relay's own %s signature and refuses a tampered one",
    async (_, kind, params) => {
      if (kind === KEY_KINDS.rsa2048 && rsaCache.pair === undefined) {
        rsaCache.pair = await session.createKeyPair({ common: kind });
      }
      const pair =
        kind === KEY_KINDS.rsa2048 && rsaCache.pair !== undefined
          ? rsaCache.pair
          : await session.createKeyPair({ common: kind });
      const signature = await signed(pair.privateUid, { data: message }, params);
      for (const uid of [pair.publicUid, pair.privateUid]) {
        expect(await validity(verifyPayload(uid, { data: message }, signature, params))).toBe(
          ValidityIndicator.Valid,
        );
      }
      expect(
        await validity(
          verifyPayload(pair.publicUid, { data: message }, tampered(signature), params),
        ),
      ).toBe(ValidityIndicator.Invalid);
      const other = new Uint8Array(Buffer.from("verify mE"));
      expect(
        await validity(verifyPayload(pair.publicUid, { data: other }, signature, params), {
          major: 2,
          minor: 1,
        }),
      ).toBe(ValidityIndicator.Invalid);
    },
  );

  it("accepts Digested Data for RSA and ECDSA", async () => {
    const digest = new Uint8Array(createHash("sha256").update(message).digest());
    for (const kind of [KEY_KINDS.rsa2048, KEY_KINDS.p256]) {
      const pair = await session.createKeyPair({ common: kind });
      const signature = await signed(pair.privateUid, { data: message });
      expect(await validity(verifyPayload(pair.publicUid, { digest }, signature))).toBe(
        ValidityIndicator.Valid,
      );
      expect(
        await validity(verifyPayload(pair.publicUid, { digest: tampered(digest) }, signature)),
      ).toBe(ValidityIndicator.Invalid);
    }
  });

  it("answers Invalid for a malformed ECDSA signature and Item Not Found for an unknown key", async () => {
    const pair = await session.createKeyPair({ common: KEY_KINDS.p256 });
    const junk = new Uint8Array([0x30, 0x03, 0x02, 0x01]);
    expect(await validity(verifyPayload(pair.publicUid, { data: message }, junk))).toBe(
      ValidityIndicator.Invalid,
    );
    const result = await session.call(
      Operation.SignatureVerify,
      verifyPayload(`${"00".repeat(20)}_pub`, { data: message }, junk),
    );
    expect(result.reason).toBe(ResultReason.ItemNotFound);
    const mismatch = await session.call(
      Operation.SignatureVerify,
      verifyPayload(
        pair.publicUid,
        { data: message },
        new Uint8Array(256),
        cryptoParams({ algorithm: CryptographicAlgorithm.RSA }),
      ),
    );
    expect(mismatch.reason).toBe(ResultReason.InvalidField);
    expect(mismatch.message).toMatch(/ask for RSA but the key is EC/);
    const missing = await session.call(
      Operation.SignatureVerify,
      signPayload(pair.publicUid, { data: message }),
    );
    expect(missing.reason).toBe(ResultReason.MissingData);
    expect(missing.message).toMatch(/Signature Verify: Signature Data is required/);
  });
});
