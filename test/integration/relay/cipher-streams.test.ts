/**
 * Multi-part Encrypt / Decrypt over real TLS on SoftHSM2 (KMIP 1.4 sections 4.29-4.30): Init
 * Indicator, Correlation Value, Final Indicator; the parts' outputs joined equal node:crypto's
 * one-shot AES-GCM / AES-CBC of the same key (read back with Get), and a finished or unknown
 * Correlation Value is refused.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultReason } from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import {
  bytesField,
  CBC,
  type CipherFields,
  cipherPayload,
  createSecret,
  EXPORTABLE,
  GCM,
  keyBytesOf,
  SECRET_KINDS,
} from "./cipher-requests.js";
import { relaySession } from "./relay-session.js";
import { Session } from "./session.js";

const fixture = relaySession({ workers: 2 });
let uid: string;
let key: Buffer;
const V2 = { major: 2, minor: 1 };

beforeAll(async () => {
  uid = await createSecret(fixture.session, [...SECRET_KINDS.aes128, ...EXPORTABLE], "v2");
  key = await keyBytesOf(fixture.session, uid);
});

const init = build.boolean(Tag.InitIndicator, true);
const final = build.boolean(Tag.FinalIndicator, true);
const correlationOf = (c: Buffer) => build.byteString(Tag.CorrelationValue, c);

/** One part: Unique Identifier, Data and the stream fields. */
function part(data: Uint8Array, extra: TtlvItem[], f: CipherFields = {}): TtlvItem[] {
  return [...cipherPayload(uid, data, f), ...extra];
}

describe("multi-part over TLS", () => {
  it("AES-GCM Encrypt in three parts equals node:crypto; Decrypt in two gives the plaintext back", async () => {
    const iv = randomBytes(12);
    const aad = randomBytes(9);
    const parts = [randomBytes(20), randomBytes(37), randomBytes(5)];
    const first = await fixture.session.ok(
      Operation.Encrypt,
      part(parts[0] as Buffer, [init], { params: GCM, iv, aad }),
      V2,
    );
    const correlation = bytesField(first, Tag.CorrelationValue) as Buffer;
    expect(correlation).toHaveLength(16);
    expect(bytesField(first, Tag.AuthenticatedEncryptionTag)).toBeUndefined();
    const second = await fixture.session.ok(
      Operation.Encrypt,
      part(parts[1] as Buffer, [correlationOf(correlation)]),
      V2,
    );
    const third = await fixture.session.ok(
      Operation.Encrypt,
      part(parts[2] as Buffer, [correlationOf(correlation), final]),
      V2,
    );
    const cipher = Buffer.concat(
      [first, second, third].map((p) => bytesField(p, Tag.Data) as Buffer),
    );
    const node = createCipheriv("aes-128-gcm", key, iv).setAAD(aad);
    const expected = Buffer.concat([node.update(Buffer.concat(parts)), node.final()]);
    expect(cipher.equals(expected)).toBe(true);
    expect(bytesField(third, Tag.AuthenticatedEncryptionTag)?.equals(node.getAuthTag())).toBe(true);

    const d1 = await fixture.session.ok(
      Operation.Decrypt,
      part(cipher.subarray(0, 30), [init], { params: GCM, iv, aad }),
      V2,
    );
    const d2 = await fixture.session.ok(
      Operation.Decrypt,
      part(
        cipher.subarray(30),
        [correlationOf(bytesField(d1, Tag.CorrelationValue) as Buffer), final],
        {
          tag: node.getAuthTag(),
        },
      ),
      V2,
    );
    const plain = Buffer.concat([d1, d2].map((p) => bytesField(p, Tag.Data) as Buffer));
    expect(plain.equals(Buffer.concat(parts))).toBe(true);
  });

  it("AES-CBC-PKCS5 Decrypt in parts of any length; a wrong GCM tag is Cryptographic Failure", async () => {
    const iv = randomBytes(16);
    const plain = randomBytes(50);
    const node = createCipheriv("aes-128-cbc", key, iv);
    const cipher = Buffer.concat([node.update(plain), node.final()]);
    const d1 = await fixture.session.ok(
      Operation.Decrypt,
      part(cipher.subarray(0, 7), [init], { params: CBC, iv }),
    );
    const corr = correlationOf(bytesField(d1, Tag.CorrelationValue) as Buffer);
    const d2 = await fixture.session.ok(Operation.Decrypt, part(cipher.subarray(7, 40), [corr]));
    const d3 = await fixture.session.ok(
      Operation.Decrypt,
      part(cipher.subarray(40), [corr, final]),
    );
    const out = Buffer.concat([d1, d2, d3].map((p) => bytesField(p, Tag.Data) as Buffer));
    expect(out.equals(plain)).toBe(true);

    const g = await fixture.session.ok(
      Operation.Decrypt,
      part(randomBytes(32), [init], { params: GCM, iv: randomBytes(12) }),
      V2,
    );
    const bad = await fixture.session.call(
      Operation.Decrypt,
      part(Buffer.alloc(0), [correlationOf(bytesField(g, Tag.CorrelationValue) as Buffer), final], {
        tag: randomBytes(16),
      }),
      V2,
    );
    expect(bad.reason).toBe(ResultReason.CryptographicFailure);
    expect(bad.message).toMatch(/C_DecryptFinal/);
  });

  it("refuses a finished or unknown Correlation Value with Invalid Field", async () => {
    const first = await fixture.session.ok(
      Operation.Encrypt,
      part(randomBytes(16), [init], { params: CBC, iv: randomBytes(16) }),
    );
    const corr = correlationOf(bytesField(first, Tag.CorrelationValue) as Buffer);
    await fixture.session.ok(Operation.Encrypt, part(randomBytes(3), [corr, final]));
    const again = await fixture.session.call(Operation.Encrypt, part(randomBytes(3), [corr]));
    expect(again.reason).toBe(ResultReason.InvalidField);
    expect(again.message).toMatch(/names no open multi-part Encrypt/);
    const unknown = await fixture.session.call(
      Operation.Encrypt,
      part(randomBytes(3), [correlationOf(randomBytes(16))]),
    );
    expect(unknown.reason).toBe(ResultReason.InvalidField);
  });

  it("a stream belongs to its connection: another one on the same token cannot continue it", async () => {
    const other = await Session.open(fixture.relay);
    try {
      const first = await other.ok(
        Operation.Encrypt,
        part(randomBytes(16), [init], { params: CBC, iv: randomBytes(16) }),
      );
      const corr = correlationOf(bytesField(first, Tag.CorrelationValue) as Buffer);
      // Same token, another connection: as unknown as a random value.
      const stolen = await fixture.session.call(Operation.Encrypt, part(randomBytes(3), [corr]));
      expect(stolen.reason).toBe(ResultReason.InvalidField);
      expect(stolen.message).toMatch(/names no open multi-part Encrypt/);
      // Still open for its own connection.
      await other.ok(Operation.Encrypt, part(randomBytes(16), [corr]));
    } finally {
      other.close();
    }
  });
});
