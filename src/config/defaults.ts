// Default values of every optional key, in one place (the example file and
// docs/configuration.md repeat them; a unit test keeps the example in step).
import { availableParallelism } from "node:os";

/** The KMIP port registered with IANA (KMIP Profiles v1.2, section 3.16). */
export const KMIP_PORT = 5696;

/** The configuration file read when neither `-c` nor `--embedded` is given. */
export const DEFAULT_CONFIG_PATH = "/etc/kmip2pkcs11/config.toml";

/** Defaults of the optional keys. `workers` is the number of CPUs, read when called. */
export function defaultValues() {
  return {
    addr: `127.0.0.1:${KMIP_PORT}`,
    workers: availableParallelism(),
    callTimeoutMs: 10_000,
    idleTimeoutMs: 300_000,
    requestReadTimeoutMs: 30_000,
    maxMessageBytes: 1024 * 1024,
    maxDepth: 32,
    maxConnections: 1024,
    maxBatchItems: 1000,
    maxResponseBytes: 8 * 1024 * 1024,
    stateDir: "/var/lib/kmip2pkcs11",
    logLevel: "info",
    daemonize: false,
  } as const;
}

/** Upper bounds that catch typos (a few extra zeros) rather than limit real use. */
export const LIMITS = {
  workers: 256,
  callTimeoutMs: 3_600_000,
  idleTimeoutMs: 86_400_000,
  requestReadTimeoutMs: 3_600_000,
  maxMessageBytes: 256 * 1024 * 1024,
  maxDepth: 1024,
  maxConnections: 1_000_000,
  maxBatchItems: 65_536,
  maxResponseBytes: 1024 * 1024 * 1024,
} as const;
