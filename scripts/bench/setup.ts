/**
 * The keys the benchmark uses, made through the relay (Create Key Pair), and one signature of
 * each checked with node:crypto against the public key Get returns: a benchmark of wrong
 * answers would be worthless.
 */
import tls from "node:tls";
import { Tag } from "../../src/kmip/tags.js";
import { decodeTtlv } from "../../src/ttlv/decode.js";
import { TtlvFramer } from "../../src/ttlv/framing.js";
import type { TtlvItem } from "../../src/ttlv/types.js";
import {
  publicKeyFromGet,
  type SignatureScheme,
  signatureVerifies,
} from "../../test/helpers/keys.js";
import {
  ALG_NAMES,
  ALGS,
  type Alg,
  type Credential,
  createKeyPairRequest,
  getRequest,
  SIGN_DATA,
  signRequest,
} from "./requests.js";

/** A key pair's Unique Identifiers and its CKA_ID. */
export interface BenchKey {
  readonly privateUid: string;
  readonly publicUid: string;
  readonly idHex: string;
}

const SCHEMES: Readonly<Record<Alg, SignatureScheme>> = {
  rsa: { kind: "rsa-pkcs1", hash: "sha256" },
  p256: { kind: "ecdsa", hash: "sha256" },
  ed25519: { kind: "ed25519" },
};

/** One request at a time over one TLS connection, responses decoded. */
async function connection(port: number) {
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => resolve(s));
    s.once("error", reject);
  });
  const framer = new TtlvFramer({ maxMessageBytes: 16 * 1024 * 1024 });
  return {
    request(bytes: Uint8Array): Promise<TtlvItem> {
      return new Promise((resolve) => {
        const onData = (chunk: Buffer) => {
          const [message] = framer.push(chunk);
          if (message === undefined) return;
          socket.off("data", onData);
          resolve(decodeTtlv(message));
        };
        socket.on("data", onData);
        socket.write(bytes);
      });
    },
    close: () => socket.destroy(),
  };
}

/** The first item with `tag` anywhere under `item` (depth first). */
function find(item: TtlvItem, tag: number): TtlvItem | undefined {
  if (item.tag === tag) return item;
  if (item.type !== "Structure") return undefined;
  for (const child of item.value) {
    const found = find(child, tag);
    if (found !== undefined) return found;
  }
  return undefined;
}

function text(item: TtlvItem, tag: number, what: string): string {
  const found = find(item, tag);
  if (found?.type !== "TextString") throw new Error(`${what}: no ${tag.toString(16)} in response`);
  return found.value;
}

/** Creates one key pair per algorithm and checks a signature of each. */
export async function createKeys(port: number, cred: Credential): Promise<Record<Alg, BenchKey>> {
  const conn = await connection(port);
  try {
    const keys: Partial<Record<Alg, BenchKey>> = {};
    for (const alg of ALGS) {
      const created = await conn.request(createKeyPairRequest(cred, alg));
      const privateUid = text(created, Tag.PrivateKeyUniqueIdentifier, "Create Key Pair");
      const publicUid = text(created, Tag.PublicKeyUniqueIdentifier, "Create Key Pair");
      const signed = await conn.request(signRequest(cred, alg, privateUid, 1));
      const signature = find(signed, Tag.SignatureData);
      if (signature?.type !== "ByteString") throw new Error(`${ALG_NAMES[alg]}: no signature`);
      const got = await conn.request(getRequest(cred, publicUid));
      const payload = find(got, Tag.ResponsePayload);
      if (payload === undefined) throw new Error(`${ALG_NAMES[alg]}: Get failed`);
      const { key } = publicKeyFromGet(payload);
      if (!signatureVerifies(key, SCHEMES[alg], SIGN_DATA, signature.value)) {
        throw new Error(`${ALG_NAMES[alg]}: the relay's signature does not verify`);
      }
      keys[alg] = { privateUid, publicUid, idHex: privateUid.replace(/_priv$/, "") };
    }
    return keys as Record<Alg, BenchKey>;
  } finally {
    conn.close();
  }
}
