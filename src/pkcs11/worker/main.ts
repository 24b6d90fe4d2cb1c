/**
 * Entry point of a PKCS#11 worker process (spawned by the supervisor, never imported by the
 * relay). It loads the vendor library with pkcs11js and answers requests read from fd 3, one
 * at a time, in order. It exits when the relay closes fd 3 or asks it to finalise.
 */
import { Socket } from "node:net";
import { Worker } from "node:worker_threads";
import { FrameDecoder } from "../rpc/frames.js";
import {
  decodeRequest,
  encodeMessage,
  type Methods,
  type Request,
  type SignOutcome,
  WRITE_METHODS,
} from "../rpc/protocol.js";
import { handlers } from "./ops.js";
import { Runtime } from "./runtime.js";
import { toWireError } from "./wire-error.js";

const RPC_FD = 3;

/**
 * Makes the process die with the relay even while the main thread is stuck in a PKCS#11
 * call. Started once the library is initialised (the answer to `init` is on its way), so the
 * thread's start-up does not delay the worker's readiness.
 */
function startWatchdog(): void {
  new Worker(new URL("./watchdog.js", import.meta.url), {
    workerData: { relayPid: process.ppid },
  }).unref();
}

const runtime = new Runtime();
const channel = new Socket({ fd: RPC_FD, readable: true, writable: true });
const decoder = new FrameDecoder();
let finalising = false;

function execute(request: Request): unknown {
  runtime.setRequestGen(request.gen);
  switch (request.method) {
    case "init": {
      const params = request.params as Methods["init"]["params"];
      runtime.load(params.libPath, request.gen);
      setImmediate(startWatchdog);
      return handlers.libraryInfo(runtime, {});
    }
    case "finalize":
      finalising = true;
      runtime.finalize();
      return null;
    case "ping":
      return null;
    case "signMany":
      return signMany(request.params as Methods["signMany"]["params"]);
    default: {
      const handler = handlers[request.method] as (rt: Runtime, params: unknown) => unknown;
      return handler(runtime, request.params);
    }
  }
}

/** Each item as a `sign` call of its own: its own recovery, its own outcome. */
function signMany(params: Methods["signMany"]["params"]): SignOutcome[] {
  return params.items.map((item): SignOutcome => {
    try {
      return { ok: true, signature: handlers.sign(runtime, { token: params.token, ...item }) };
    } catch (error) {
      return { ok: false, error: toWireError(error, "sign") };
    }
  });
}

function serve(request: Request): void {
  let frame: Buffer;
  try {
    frame = encodeMessage({ id: request.id, ok: true, result: execute(request) });
  } catch (error) {
    frame = encodeMessage({ id: request.id, ok: false, error: toWireError(error, request.method) });
  }
  channel.write(frame);
}

/**
 * Answers to the requests of one chunk leave together (fewer writes when the relay pipelines),
 * but never held for more than FLUSH_AFTER_MS, and the answer to a write is sent at once, so a
 * later call that hangs or crashes does not swallow a finished result.
 */
const FLUSH_AFTER_MS = 2;

channel.on("data", (chunk: Buffer) => {
  channel.cork();
  let since = performance.now();
  try {
    for (const payload of decoder.push(chunk)) {
      const request = decodeRequest(payload);
      serve(request);
      if (finalising) {
        channel.end(() => process.exit(0));
        return;
      }
      if (WRITE_METHODS.has(request.method) || performance.now() - since > FLUSH_AFTER_MS) {
        channel.uncork();
        channel.cork();
        since = performance.now();
      }
    }
  } catch (error) {
    process.stderr.write(`malformed request from the relay: ${(error as Error).message}\n`);
    process.exit(70);
  } finally {
    channel.uncork();
  }
});

// Ctrl-C in a terminal or a service manager's SIGTERM reaches the whole process group: the
// relay decides when its workers finalise (or dies, which closes fd 3), not the signal.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});

// The relay went away (or closed the channel): nothing left to serve.
channel.on("close", () => process.exit(0));
channel.on("error", () => process.exit(71));
