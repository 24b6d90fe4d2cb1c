/**
 * A relay for one conformance set: a fresh SoftHSM2 token, the relay in this process on an
 * ephemeral port (as test/helpers/relay.ts, without its build step, so that the compiled
 * script can use it: `npm run conformance` builds first). Logs go nowhere but are counted.
 */
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { parseConfig } from "../../src/config/load.js";
import { startRelay } from "../../src/server/relay.js";
import { createSoftHsmToken, SOFTHSM2_LIB } from "../helpers/softhsm.js";

/** How to reach a relay, and how to stop it when the runner started it. */
export interface ConformanceRelay {
  readonly port: number;
  readonly username: string;
  readonly password: string;
  close(): Promise<void>;
}

/** Starts a relay with `workers` PKCS#11 worker processes on a new token. */
export async function startConformanceRelay(workers = 2): Promise<ConformanceRelay> {
  const token = createSoftHsmToken("conformance", "4321");
  const config = parseConfig(
    [
      'version = "v1"',
      "[pkcs11]",
      `lib-path = ${JSON.stringify(SOFTHSM2_LIB)}`,
      `workers = ${workers}`,
      `env = { SOFTHSM2_CONF = ${JSON.stringify(token.env.SOFTHSM2_CONF)} }`,
      // Some OASIS test cases (e.g. BL-M-7/9/11) use 1024-bit RSA keys, which the relay
      // refuses unless the operator allows them.
      "allow-rsa-1024 = true",
      // KMIP's own rule (the vectors expect it): new keys wait for Activate.
      'new-key-state = "pre-active"',
      "[server]",
      'addr = "127.0.0.1:0"',
      `state-dir = ${JSON.stringify(join(token.dir, "state"))}`,
    ].join("\n"),
    "conformance relay",
  );
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const relay = await startRelay({ config, logger: pino({ level: "warn" }, sink) });
  return {
    port: relay.address.port,
    username: token.label,
    password: token.pin,
    async close() {
      await relay.close();
      token.cleanup();
    },
  };
}
