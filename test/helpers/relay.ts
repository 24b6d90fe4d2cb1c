/**
 * A whole relay for integration tests, in the test's process: a fresh SoftHSM2 token, a
 * config in the incumbent's TOML format, port 0, and the log lines kept for assertions.
 */
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { parseConfig } from "../../src/config/load.js";
import { type RunningRelay, startRelay } from "../../src/server/relay.js";
import {
  createSoftHsmToken,
  ensureWorkerBuilt,
  SOFTHSM2_LIB,
  type SoftHsmToken,
} from "./softhsm.js";

/** A running test relay. */
export interface TestRelay {
  readonly port: number;
  /** KMIP Username: the token label. */
  readonly username: string;
  /** KMIP Password: the token's user PIN. */
  readonly pin: string;
  /** The relay's self-signed certificate (PEM file), for clients that want a CA file. */
  readonly certPath: string;
  readonly token: SoftHsmToken;
  readonly relay: RunningRelay;
  /** Every log line so far, raw JSON text. */
  readonly logs: string[];
  close(): Promise<void>;
}

/** Options of {@link startTestRelay}. */
export interface TestRelayOptions {
  readonly workers?: number;
  readonly callTimeoutMs?: number;
  readonly logLevel?: "trace" | "debug" | "info";
  /** Extra lines for the `[server]` table, e.g. `idle-timeout-ms = 500`. */
  readonly serverToml?: string;
  /** Extra lines for the `[pkcs11]` table, e.g. `allow-rsa-1024 = true`. */
  readonly pkcs11Toml?: string;
  /** Extra top-level tables after `[server]`, e.g. `[[clients]]` entries. */
  readonly extraToml?: string;
}

/** Starts a relay on a fresh SoftHSM2 token. */
export async function startTestRelay(opts: TestRelayOptions = {}): Promise<TestRelay> {
  ensureWorkerBuilt();
  const token = createSoftHsmToken("relay-test", "4321");
  const stateDir = join(token.dir, "state");
  const config = parseConfig(
    [
      'version = "v1"',
      "[pkcs11]",
      `lib-path = ${JSON.stringify(SOFTHSM2_LIB)}`,
      `workers = ${opts.workers ?? 2}`,
      `call-timeout-ms = ${opts.callTimeoutMs ?? 10_000}`,
      `env = { SOFTHSM2_CONF = ${JSON.stringify(token.env.SOFTHSM2_CONF)} }`,
      opts.pkcs11Toml ?? "",
      "[server]",
      'addr = "127.0.0.1:0"',
      `state-dir = ${JSON.stringify(stateDir)}`,
      opts.serverToml ?? "",
      opts.extraToml ?? "",
    ].join("\n"),
    "test relay",
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: opts.logLevel ?? "info" }, sink);
  const relay = await startRelay({ config, logger }).catch((err: unknown) => {
    token.cleanup();
    throw err;
  });
  return {
    port: relay.address.port,
    username: token.label,
    pin: token.pin,
    certPath: join(stateDir, "self-signed-cert.pem"),
    token,
    relay,
    logs,
    async close() {
      await relay.close();
      token.cleanup();
    },
  };
}
