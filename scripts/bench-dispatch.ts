/**
 * The relay's own CPU per Sign, in one process, without TLS, workers or an HSM: the KMIP side
 * (handleRequestBytes: decode, parse, authentication memo, batch runner, lifecycle check,
 * Sign handler, response encoding) and the RPC codec of the sign frames (encoded as the
 * worker process would send them, and a prepared answer decoded as it would be received).
 * The PKCS#11 client is a stub returning a fixed P-256 r||s; the lifecycle store is real
 * (its cache filled on the first request). A steadier figure than the end-to-end benchmark
 * for changes on this path; the end-to-end one has the last word.
 *
 * Run: `npx tsc -p tsconfig.build.json && node dist/scripts/bench-dispatch.js [--seconds S]`
 * `--alloc`: instead, the bytes allocated per sign (V8's sampling heap profiler, counting
 * objects the garbage collector has already freed) and the functions that allocate most: a
 * figure that does not move with the machine's load, for work on the batch path's GC cost.
 */
import { parseArgs } from "node:util";
import { pino } from "pino";
import { LifecycleStore } from "../src/operations/lifecycle-store.js";
import type { Pkcs11Client } from "../src/pkcs11/client.js";
import { FRAME_HEADER_BYTES } from "../src/pkcs11/rpc/frames.js";
import { decodeResponse, encodeMessage } from "../src/pkcs11/rpc/protocol.js";
import { Authenticator } from "../src/server/auth.js";
import { CredentialMemo } from "../src/server/credential-memo.js";
import { type DispatchDeps, handleRequestBytes, type Peer } from "../src/server/dispatch.js";
import { allocationPerSign } from "./bench/allocation.js";
import { countSuccess, signRequest } from "./bench/requests.js";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "2" },
    alloc: { type: "boolean", default: false },
  },
});
const SECONDS = Number(args.seconds);
const UID = `${"AB".repeat(20)}_priv`;
const CREDENTIAL = { username: "bench", password: "1234" };
const SIGNATURE = new Uint8Array(64).fill(0x5a);
const ANSWER = encodeMessage({ id: 1, ok: true, result: SIGNATURE }).subarray(FRAME_HEADER_BYTES);

let rpcId = 1;
/** Only what a Sign request reaches; the RPC frames are encoded and decoded for real. */
const client = {
  pinEpoch: () => 1,
  login: async () => {},
  readDataObject: async () => [],
  // The lifecycle store keys its cache by the token's identity (serial number and label).
  tokenInfo: async () => ({ token: { serialNumber: "bench", label: "bench" } }),
  sign: async (token: string, ref: unknown, mechanism: unknown, data: Uint8Array) => {
    encodeMessage({ id: rpcId++, method: "sign", params: { token, ref, mechanism, data }, gen: 0 });
    const answer = decodeResponse(ANSWER);
    if (!answer.ok) throw new Error("stub answer");
    return answer.result as Uint8Array;
  },
} as unknown as Pkcs11Client;

const logger = pino({ level: "info" }, pino.destination("/dev/null"));
const deps: DispatchDeps = {
  client,
  authenticator: new Authenticator(client, logger),
  logger,
  server: { product: "kmip2pkcs11", version: "bench", libraryPath: "/lib.so" },
  limits: {},
  options: {},
  lifecycle: new LifecycleStore(client),
};
const peer: Peer = {
  key: "127.0.0.1",
  connectionId: 1,
  credentials: new CredentialMemo(),
  logger: logger.child({ conn: 1, client: "127.0.0.1" }),
};

/** CPU µs per Sign item over `seconds`, requests of `items` items one after the other. */
async function measure(items: number, seconds: number): Promise<number> {
  const bytes = signRequest(CREDENTIAL, "p256", UID, items);
  // A failing item costs far less (or more) than a Sign: every item must succeed.
  const succeeded = countSuccess(await handleRequestBytes(bytes, peer, deps));
  if (succeeded !== items) throw new Error(`${items - succeeded} of ${items} Sign items failed`);
  const until = performance.now() + seconds * 1000;
  const start = process.cpuUsage();
  let signs = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 20; i++) await handleRequestBytes(bytes, peer, deps);
    signs += 20 * items;
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / signs;
}

async function main(): Promise<void> {
  if (args.alloc) {
    for (const items of [1, 100]) {
      const request = signRequest(CREDENTIAL, "p256", UID, items);
      const run = () => handleRequestBytes(request, peer, deps);
      console.log(`${items}-item requests: ${await allocationPerSign(run, items)}`);
    }
    return;
  }
  await measure(1, 0.5);
  await measure(100, 0.5);
  const rows: string[] = [];
  for (const items of [1, 100]) {
    const runs = [];
    for (let r = 0; r < 3; r++) runs.push(await measure(items, SECONDS / 3));
    runs.sort((a, b) => a - b);
    rows.push(
      `${items}-item requests: ${runs.map((x) => x.toFixed(1)).join(" / ")} CPU µs per sign`,
    );
  }
  console.log(rows.join("\n"));
}

await main();
