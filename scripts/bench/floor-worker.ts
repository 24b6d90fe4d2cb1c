/**
 * A child of the floor server (floor-server.ts): the PKCS#11 half of the ideal relay. It
 * loads pkcs11js as the limit does (same library, token, login, key handles looked up once
 * by CKA_ID) and per request makes exactly the limit's call (limit.ts `signer`).
 *
 * Wire, on fd 3 (as the relay's workers, src/pkcs11/worker-process.ts): frames of
 * src/pkcs11/rpc/frames.ts (4-byte big-endian length, payload). The first frame from the
 * server is the {@link FloorJob} as JSON; the child answers with an empty frame once its
 * session and keys are ready. Every later frame is one request whose 1-byte payload is the
 * algorithm's index in ALGS; its answer is a frame holding the signature bytes, in order.
 */
import { Socket } from "node:net";
import pkcs11js from "pkcs11js";
import { CKO } from "../../src/pkcs11/constants.js";
import { encodeFrame, FrameDecoder } from "../../src/pkcs11/rpc/frames.js";
import type { FloorJob } from "./floor.js";
import { findKey, openSession, retrySetUp, signer } from "./limit.js";
import { ALGS } from "./requests.js";

const RPC_FD = 3;
/** As the relay's worker: the answers of one chunk leave together, held at most this long. */
const FLUSH_AFTER_MS = 2;

const channel = new Socket({ fd: RPC_FD, readable: true, writable: true });
const decoder = new FrameDecoder();
/** One signing call per algorithm index (undefined: no key for it); set by the job. */
let signers: ReadonlyArray<(() => Buffer) | undefined> | undefined;

function setUp(job: FloorJob): ReadonlyArray<(() => Buffer) | undefined> {
  process.env.SOFTHSM2_CONF = job.softhsmConf;
  const p11 = new pkcs11js.PKCS11();
  p11.load(job.libPath);
  const data = Buffer.from(job.data, "base64");
  const out = Buffer.alloc(4096);
  return retrySetUp(p11, () => {
    const session = openSession(p11, job);
    return ALGS.map((alg) => {
      const idHex = job.keys[alg]?.idHex;
      if (idHex === undefined) return undefined;
      const key = findKey(p11, session, CKO.PRIVATE_KEY, idHex);
      return signer(p11, session, alg, key, data, out);
    });
  });
}

/** The answer to one request frame: the signature, copied into its own frame. */
function answer(payload: Buffer): Buffer {
  const sign = signers?.[payload[0] ?? -1];
  if (payload.length !== 1 || sign === undefined) {
    throw new Error(`bad floor request ${payload.toString("hex")}`);
  }
  // encodeFrame copies: the signature is a view of the signer's reused output buffer.
  return encodeFrame(sign());
}

channel.on("data", (chunk: Buffer) => {
  channel.cork();
  let since = performance.now();
  try {
    for (const payload of decoder.push(chunk)) {
      if (signers === undefined) {
        signers = setUp(JSON.parse(payload.toString("utf8")) as FloorJob);
        channel.write(encodeFrame(new Uint8Array(0)));
        continue;
      }
      channel.write(answer(payload));
      if (performance.now() - since > FLUSH_AFTER_MS) {
        channel.uncork();
        channel.cork();
        since = performance.now();
      }
    }
  } catch (error) {
    process.stderr.write(`floor worker: ${(error as Error).message}\n`);
    process.exit(70);
  } finally {
    channel.uncork();
  }
});

// Ctrl-C reaches the whole process group: the server's end (fd 3 closing) ends this child.
process.on("SIGINT", () => {});
channel.on("close", () => process.exit(0));
channel.on("error", () => process.exit(71));
