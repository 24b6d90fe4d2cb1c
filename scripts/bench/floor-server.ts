/**
 * The floor server: the best a KMIP-over-TLS relay with PKCS#11 in child processes can do on
 * this machine, doing only the work no such relay can avoid. It is forked by floor.ts with an
 * IPC channel that carries the {@link FloorJob} in and the listening ports out.
 *
 * - TLS (node:tls, the relay's default policy: TLS 1.2+, its cipher list, a self-signed
 *   P-256 certificate made as the relay makes its own), Nagle off, one port per algorithm
 *   (the port says which key signs: nothing in the request is read).
 * - Requests cut by the relay's TtlvFramer; no TTLV decoding, no KMIP, no authentication,
 *   no logging.
 * - Per request one 5-byte frame (rpc/frames.ts length + the algorithm's index) to the child
 *   with the fewest requests in flight (children at the relay's default worker priority); frames of one event-loop turn leave in one write
 *   (as the relay's worker-process.ts does); answers come back in order per child.
 * - The response: a KMIP Sign response (Success, Unique Identifier, Signature Data) encoded
 *   once per algorithm with the project's encoder; per response the template is copied and
 *   the signature spliced in.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Socket } from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { DEFAULT_TLS_CIPHERS, defaultValues } from "../../src/config/defaults.js";
import { Operation, ResultStatus } from "../../src/kmip/enums.js";
import { build } from "../../src/kmip/item.js";
import { buildResponse } from "../../src/kmip/messages.js";
import { Tag } from "../../src/kmip/tags.js";
import { silentLogger } from "../../src/pkcs11/logger.js";
import { encodeFrame, FrameDecoder } from "../../src/pkcs11/rpc/frames.js";
import { lowerPriority } from "../../src/pkcs11/worker-priority.js";
import { generateSelfSignedIdentity } from "../../src/server/self-signed.js";
import { secureContextOptions } from "../../src/server/tls-options.js";
import { encodeTtlv } from "../../src/ttlv/encode.js";
import { TtlvFramer } from "../../src/ttlv/framing.js";
import type { FloorJob, FloorReady } from "./floor.js";
import { ALGS, type Alg } from "./requests.js";

const WORKER_MAIN = join(import.meta.dirname, "floor-worker.js");
/** TTLV values are padded to a multiple of 8 bytes (KMIP 1.4 section 9.1.1.3). */
const TTLV_ALIGN = 8;
/** Signature sizes: RSA-2048 256 bytes, P-256 raw r||s 2 x 32, Ed25519 64 (RFC 8032). */
const SIGNATURE_BYTES: Readonly<Record<Alg, number>> = { rsa: 256, p256: 64, ed25519: 64 };

/** A Sign response encoded once: the signature goes at `signatureAt`. */
interface Template {
  readonly bytes: Buffer;
  readonly signatureAt: number;
  readonly signatureBytes: number;
}

/**
 * Response Message (KMIP 1.4 section 7.2) with one Sign batch item: Operation, Result Status
 * Success, Response Payload {Unique Identifier, Signature Data} (section 4.31). Signature Data
 * is the message's last value, so the signature is its last bytes before the padding.
 * P-256 signatures are CKM_ECDSA's raw r||s, where the relay sends DER: the load client
 * only counts Success items and never parses a signature.
 */
function responseTemplate(uid: string, signatureBytes: number): Template {
  const payload = [
    build.textString(Tag.UniqueIdentifier, uid),
    build.byteString(Tag.SignatureData, new Uint8Array(signatureBytes)),
  ];
  const item = { operation: Operation.Sign, uniqueBatchItemId: undefined };
  const message = buildResponse({ major: 1, minor: 2 }, [
    { ...item, status: ResultStatus.Success, payload },
  ]);
  const bytes = encodeTtlv(message);
  const padded = Math.ceil(signatureBytes / TTLV_ALIGN) * TTLV_ALIGN;
  return { bytes, signatureAt: bytes.length - padded, signatureBytes };
}

/** A client connection; its port chose the algorithm. */
interface Connection {
  readonly socket: Socket;
  /** The algorithm's index in ALGS. */
  readonly alg: number;
  /** The request frame sent to a child for each of its requests. */
  readonly frame: Buffer;
}

/** A child process and the connections waiting for its answers, in order. */
interface Child {
  readonly process: ChildProcess;
  readonly channel: Socket;
  readonly decoder: FrameDecoder;
  readonly waiting: Connection[];
}

/** Nice steps below the server for the children: the relay's default `worker-nice`. */
const CHILD_NICE = defaultValues().workerNice;

function spawnChild(job: FloorJob): { child: Child; ready: Promise<void> } {
  const proc = spawn(process.execPath, [WORKER_MAIN], {
    stdio: ["ignore", "inherit", "inherit", "pipe"],
  });
  // The relay's default worker priority ([pkcs11] worker-nice), so that the two compare alike.
  if (proc.pid !== undefined) lowerPriority(proc.pid, CHILD_NICE, silentLogger);
  const channel = proc.stdio[3] as Socket;
  const child: Child = { process: proc, channel, decoder: new FrameDecoder(), waiting: [] };
  const ready = new Promise<void>((resolve, reject) => {
    const onStart = (chunk: Buffer): void => {
      if (child.decoder.push(chunk).length === 0) return;
      channel.off("data", onStart);
      resolve();
    };
    channel.on("data", onStart);
    proc.once("exit", (code) => reject(new Error(`floor worker exited with ${code}`)));
  });
  channel.write(encodeFrame(Buffer.from(JSON.stringify(job))));
  return { child, ready };
}

/** Routes the child's answers (signatures) to their connections as Sign responses. */
function answerFrom(child: Child, templates: Array<Template | undefined>): void {
  child.channel.on("data", (chunk: Buffer) => {
    for (const signature of child.decoder.push(chunk)) {
      const conn = child.waiting.shift();
      if (conn === undefined) throw new Error("floor worker: answer without a request");
      const template = templates[conn.alg];
      if (template === undefined || template.signatureBytes !== signature.length) {
        throw new Error(`floor worker: ${signature.length}-byte signature, template differs`);
      }
      const response = Buffer.allocUnsafe(template.bytes.length);
      template.bytes.copy(response);
      signature.copy(response, template.signatureAt);
      if (!conn.socket.destroyed) conn.socket.write(response);
    }
  });
}

/** Sends one request to the child with the fewest in flight, in this turn's write. */
function dispatch(children: readonly Child[], conn: Connection): void {
  let best = children[0];
  for (const child of children) {
    if (best === undefined || child.waiting.length < best.waiting.length) best = child;
  }
  if (best === undefined) throw new Error("no floor workers");
  best.waiting.push(conn);
  const channel = best.channel;
  if (channel.writableCorked === 0) {
    channel.cork();
    setImmediate(() => channel.uncork());
  }
  channel.write(conn.frame);
}

function serve(server: tls.Server, alg: number, children: readonly Child[]): void {
  const frame = encodeFrame(Uint8Array.of(alg));
  server.on("secureConnection", (socket: tls.TLSSocket) => {
    socket.setNoDelay(true);
    const conn: Connection = { socket, alg, frame };
    const framer = new TtlvFramer();
    socket.on("data", (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = framer.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (let i = 0; i < messages.length; i++) dispatch(children, conn);
    });
    socket.on("error", () => socket.destroy());
  });
}

function listen(server: tls.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
}

async function start(job: FloorJob): Promise<void> {
  const spawned = Array.from({ length: job.workers }, () => spawnChild(job));
  const children = spawned.map((s) => s.child);
  process.once("exit", () => {
    for (const child of children) child.process.kill("SIGKILL");
  });
  await Promise.all(spawned.map((s) => s.ready));
  const { certPem, keyPem } = generateSelfSignedIdentity(new Date());
  const options = secureContextOptions(
    { tlsMinVersion: "1.2", tlsCiphers: DEFAULT_TLS_CIPHERS },
    { cert: Buffer.from(certPem), key: Buffer.from(keyPem) },
    undefined,
  );
  const templates = ALGS.map((alg) => {
    const key = job.keys[alg];
    return key === undefined ? undefined : responseTemplate(key.uid, SIGNATURE_BYTES[alg]);
  });
  for (const child of children) answerFrom(child, templates);
  const ports: Partial<Record<Alg, number>> = {};
  for (const [index, alg] of ALGS.entries()) {
    if (job.keys[alg] === undefined) continue;
    const server = tls.createServer(options);
    serve(server, index, children);
    ports[alg] = await listen(server);
  }
  const ready: FloorReady = { ports };
  process.send?.(ready);
}

// The harness went away: so does the floor (its children follow when fd 3 closes).
process.once("disconnect", () => process.exit(1));
process.once("message", (job: FloorJob) => {
  start(job).catch((error: unknown) => {
    process.stderr.write(`floor server: ${(error as Error).message}\n`);
    process.exit(70);
  });
});
