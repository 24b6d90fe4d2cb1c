/**
 * Sign over real TLS for every signature scheme the relay offers: RSA PKCS#1 v1.5 and PSS,
 * ECDSA on P-256 and P-384, Ed25519; by Cryptographic Parameters, by Digital Signature
 * Algorithm, by the key's default, over Data and over Digested Data. Every signature is
 * verified with node:crypto against the public key that Get returned.
 */
import { createHash, type KeyObject, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CryptographicAlgorithm as A,
  DigitalSignatureAlgorithm as DSA,
  HashingAlgorithm as H,
  Operation,
  PaddingMethod as PM,
  ResultReason,
  ResultStatus,
} from "../../../src/kmip/enums.js";
import type { ProtocolVersion } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import {
  ecdsaDerToRaw,
  publicKeyFromGet,
  type SignatureScheme,
  signatureVerifies,
} from "../../helpers/keys.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { type Attr, cryptoParams, KEY_KINDS, Session, signPayload, uidPayload } from "./session.js";

type KeyName = "rsa" | "p256" | "p384" | "ed25519";
interface TestKey {
  readonly privateUid: string;
  readonly publicUid: string;
  readonly key: KeyObject;
}

let relay: TestRelay;
let session: Session;
const keys = {} as Record<KeyName, TestKey>;

beforeAll(async () => {
  relay = await startTestRelay({ workers: 2 });
  session = await Session.open(relay);
  const kinds = {
    rsa: KEY_KINDS.rsa2048,
    p256: KEY_KINDS.p256,
    p384: KEY_KINDS.p384,
    ed25519: KEY_KINDS.ed25519,
  };
  for (const [name, common] of Object.entries(kinds) as [KeyName, readonly Attr[]][]) {
    const uids = await session.createKeyPair({ common });
    const got = publicKeyFromGet(await session.ok(Operation.Get, uidPayload(uids.publicUid)));
    keys[name] = { ...uids, key: got.key };
  }
});
afterAll(async () => {
  session?.close();
  await relay?.close();
});

const COORDINATE_BYTES: Partial<Record<KeyName, number>> = { p256: 32, p384: 48 };

interface SignCase {
  readonly title: string;
  readonly key: KeyName;
  readonly params?: TtlvItem;
  /** Sign the message's digest (Digested Data) made with this node:crypto hash. */
  readonly digest?: string;
  readonly version?: ProtocolVersion;
  readonly scheme: SignatureScheme;
}

const pkcs1 = (hash: string): SignatureScheme => ({ kind: "rsa-pkcs1", hash });
const ecdsa = (hash: string): SignatureScheme => ({ kind: "ecdsa", hash });
const ED: SignatureScheme = { kind: "ed25519" };

const CASES: SignCase[] = [
  // Cryptographic Parameters with hashing and padding, as Cascade's client sends them.
  {
    title: "RSA PKCS#1 v1.5 SHA-256",
    key: "rsa",
    params: cryptoParams({ padding: PM.PKCS1V1_5, hash: H.SHA_256, algorithm: A.RSA }),
    scheme: pkcs1("sha256"),
  },
  {
    title: "RSA PKCS#1 v1.5 SHA-384",
    key: "rsa",
    params: cryptoParams({ padding: PM.PKCS1V1_5, hash: H.SHA_384 }),
    scheme: pkcs1("sha384"),
  },
  {
    title: "RSA PKCS#1 v1.5 SHA-512",
    key: "rsa",
    params: cryptoParams({ padding: PM.PKCS1V1_5, hash: H.SHA_512, algorithm: A.RSA }),
    scheme: pkcs1("sha512"),
  },
  {
    title: "RSA-PSS SHA-256",
    key: "rsa",
    params: cryptoParams({ padding: PM.PSS, hash: H.SHA_256, algorithm: A.RSA }),
    scheme: { kind: "rsa-pss", hash: "sha256" },
  },
  {
    title: "RSA-PSS SHA-384 salt 20",
    key: "rsa",
    params: cryptoParams({ padding: PM.PSS, hash: H.SHA_384, saltLength: 20 }),
    scheme: { kind: "rsa-pss", hash: "sha384", saltLength: 20 },
  },
  {
    title: "RSA-PSS SHA-256 salt 0",
    key: "rsa",
    params: cryptoParams({ padding: PM.PSS, hash: H.SHA_256, saltLength: 0 }),
    scheme: { kind: "rsa-pss", hash: "sha256", saltLength: 0 },
  },
  {
    title: "RSA-PSS SHA-256 salt 222 (the most a 2048-bit key allows)",
    key: "rsa",
    params: cryptoParams({ padding: PM.PSS, hash: H.SHA_256, saltLength: 222 }),
    scheme: { kind: "rsa-pss", hash: "sha256", saltLength: 222 },
  },
  {
    title: "ECDSA P-256 SHA-256",
    key: "p256",
    params: cryptoParams({ hash: H.SHA_256, algorithm: A.ECDSA }),
    scheme: ecdsa("sha256"),
  },
  {
    title: "ECDSA P-384 SHA-384",
    key: "p384",
    params: cryptoParams({ hash: H.SHA_384, algorithm: A.ECDSA }),
    scheme: ecdsa("sha384"),
  },
  { title: "Ed25519", key: "ed25519", params: cryptoParams({ algorithm: A.Ed25519 }), scheme: ED },
  {
    title: "Ed25519 under a 2.1 header",
    key: "ed25519",
    version: { major: 2, minor: 1 },
    scheme: ED,
  },
  // No Cryptographic Parameters: the key's default (SHA-256; PKCS#1 v1.5 for RSA).
  { title: "RSA default", key: "rsa", scheme: pkcs1("sha256") },
  { title: "P-256 default", key: "p256", scheme: ecdsa("sha256") },
  { title: "P-384 default", key: "p384", scheme: ecdsa("sha256") },
  { title: "Ed25519 default", key: "ed25519", scheme: ED },
  // Digital Signature Algorithm instead of hashing and padding.
  {
    title: "DSA SHA256WithRSAEncryption",
    key: "rsa",
    params: cryptoParams({ dsa: DSA.SHA_256WithRSAEncryption }),
    scheme: pkcs1("sha256"),
  },
  {
    title: "DSA SHA512WithRSAEncryption",
    key: "rsa",
    params: cryptoParams({ dsa: DSA.SHA_512WithRSAEncryption }),
    scheme: pkcs1("sha512"),
  },
  {
    title: "DSA RSASSA-PSS",
    key: "rsa",
    params: cryptoParams({ dsa: DSA.RSASSA_PSS, hash: H.SHA_256 }),
    scheme: { kind: "rsa-pss", hash: "sha256" },
  },
  {
    title: "DSA ECDSAWithSHA256",
    key: "p256",
    params: cryptoParams({ dsa: DSA.ECDSAWithSHA256 }),
    scheme: ecdsa("sha256"),
  },
  {
    title: "DSA ECDSAWithSHA384",
    key: "p384",
    params: cryptoParams({ dsa: DSA.ECDSAWithSHA384 }),
    scheme: ecdsa("sha384"),
  },
  // Digested Data: the client hashed, the relay only signs.
  {
    title: "digested RSA PKCS#1 v1.5 SHA-256",
    key: "rsa",
    digest: "sha256",
    params: cryptoParams({ padding: PM.PKCS1V1_5, hash: H.SHA_256 }),
    scheme: pkcs1("sha256"),
  },
  {
    title: "digested RSA PKCS#1 v1.5 SHA-512",
    key: "rsa",
    digest: "sha512",
    params: cryptoParams({ dsa: DSA.SHA_512WithRSAEncryption }),
    scheme: pkcs1("sha512"),
  },
  {
    title: "digested RSA-PSS SHA-256",
    key: "rsa",
    digest: "sha256",
    params: cryptoParams({ padding: PM.PSS, hash: H.SHA_256 }),
    scheme: { kind: "rsa-pss", hash: "sha256" },
  },
  {
    title: "digested ECDSA P-256 SHA-256",
    key: "p256",
    digest: "sha256",
    params: cryptoParams({ hash: H.SHA_256 }),
    scheme: ecdsa("sha256"),
  },
  {
    title: "digested ECDSA P-384 SHA-384",
    key: "p384",
    digest: "sha384",
    params: cryptoParams({ dsa: DSA.ECDSAWithSHA384 }),
    scheme: ecdsa("sha384"),
  },
];

describe("Sign", () => {
  it.each(CASES)("$title: the signature verifies with node:crypto", async (c) => {
    const key = keys[c.key];
    const message = randomBytes(100);
    const input =
      c.digest === undefined
        ? { data: message }
        : { digest: createHash(c.digest).update(message).digest() };
    const payload = await session.ok(
      Operation.Sign,
      signPayload(key.privateUid, input, c.params),
      c.version,
    );
    const items = payload.value as TtlvItem[];
    expect(items.map((i) => i.tag)).toEqual([Tag.UniqueIdentifier, Tag.SignatureData]);
    expect(items[0]?.value).toBe(key.privateUid);
    const signature = items[1]?.value as Uint8Array;
    expect(signatureVerifies(key.key, c.scheme, message, signature)).toBe(true);
    expect(signatureVerifies(key.key, c.scheme, Buffer.from("other"), signature)).toBe(false);
    const coordinate = COORDINATE_BYTES[c.key];
    if (coordinate !== undefined) expect(() => ecdsaDerToRaw(signature, coordinate)).not.toThrow();
  });

  async function failure(payload: TtlvItem[]) {
    const result = await session.call(Operation.Sign, payload);
    expect(result.status).toBe(ResultStatus.OperationFailed);
    return result;
  }

  it("refuses to sign with a public key's UID, saying so", async () => {
    const result = await failure(signPayload(keys.rsa.publicUid, { data: Buffer.from("x") }));
    expect(result.reason).toBe(ResultReason.IllegalOperation);
    expect(result.message).toMatch(/public key/);
  });

  it("answers Item Not Found for a private key that does not exist", async () => {
    const result = await failure(
      signPayload(`${"AB".repeat(20)}_priv`, { data: Buffer.from("x") }),
    );
    expect(result.reason).toBe(ResultReason.ItemNotFound);
  });

  it("refuses Digested Data of the wrong length and Digested Data for Ed25519", async () => {
    const short = await failure(
      signPayload(
        keys.rsa.privateUid,
        { digest: randomBytes(20) },
        cryptoParams({ hash: H.SHA_256 }),
      ),
    );
    expect(short.reason).toBe(ResultReason.InvalidField);
    const ed = await failure(signPayload(keys.ed25519.privateUid, { digest: randomBytes(64) }));
    expect(ed.reason).toBe(ResultReason.FeatureNotSupported);
  });

  it("refuses RSA padding on an EC key", async () => {
    const result = await failure(
      signPayload(
        keys.p256.privateUid,
        { data: Buffer.from("x") },
        cryptoParams({ padding: PM.PSS }),
      ),
    );
    expect(result.reason).toBe(ResultReason.InvalidField);
  });

  // Regressions: bugs these tests found in the relay (fixed in f6601d6).
  it("refuses an RSA-PSS Salt Length longer than the key allows with Invalid Field", async () => {
    const result = await failure(
      signPayload(
        keys.rsa.privateUid,
        { data: Buffer.from("x") },
        cryptoParams({ padding: PM.PSS, hash: H.SHA_256, saltLength: 223 }),
      ),
    );
    expect(result.reason).toBe(ResultReason.InvalidField);
    expect(result.message).toMatch(/Salt Length/);
  });

  it("refuses empty Digested Data for ECDSA", async () => {
    const result = await failure(signPayload(keys.p256.privateUid, { digest: new Uint8Array(0) }));
    expect(result.reason).toBe(ResultReason.InvalidField);
  });
});
