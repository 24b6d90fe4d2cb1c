// Default values of every optional key, in one place (the example file and
// docs/configuration.md repeat them; a unit test keeps the example in step).
import { availableParallelism } from "node:os";

/** The KMIP port registered with IANA (KMIP Profiles v1.2, section 3.16). */
export const KMIP_PORT = 5696;

/** The configuration file read when neither `-c` nor `--embedded` is given. */
export const DEFAULT_CONFIG_PATH = "/etc/kmip2pkcs11/config.toml";

/**
 * TLS suites: the TLS 1.3 ones, and for TLS 1.2 only ECDHE key exchange with AEAD or SHA-2
 * (forward secrecy). Node's default list also allows static-RSA suites (AES256-GCM-SHA384,
 * ...), which a relay with an RSA certificate would otherwise negotiate with a client offering
 * nothing better; the KMIP 1.x profile suite TLS_RSA_WITH_AES_128_CBC_SHA256 (AES128-SHA256)
 * is one of them, so it is served only when `tls-ciphers` lists it.
 */
export const DEFAULT_TLS_CIPHERS: readonly string[] = Object.freeze([
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_AES_128_GCM_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-ECDSA-AES128-SHA256",
  "ECDHE-RSA-AES128-SHA256",
  "ECDHE-ECDSA-AES256-SHA384",
  "ECDHE-RSA-AES256-SHA384",
]);

/** Defaults of the optional keys. `workers` is the number of CPUs, read when called. */
export function defaultValues() {
  return {
    addr: `127.0.0.1:${KMIP_PORT}`,
    workers: availableParallelism(),
    callTimeoutMs: 10_000,
    workerNice: 5,
    newKeyState: "active" as const,
    idleTimeoutMs: 300_000,
    requestReadTimeoutMs: 30_000,
    maxMessageBytes: 1024 * 1024,
    maxDepth: 32,
    maxConnections: 1024,
    maxBatchItems: 1000,
    maxResponseBytes: 8 * 1024 * 1024,
    // A sidecar's clients all come from loopback: no per-address cap unless asked for.
    maxConnectionsPerAddress: 0,
    maxInFlightPerConnection: 64,
    tlsHandshakeTimeoutMs: 10_000,
    maxRngBytes: 65_536,
    tlsMinVersion: "1.2",
    tlsCiphers: DEFAULT_TLS_CIPHERS,
    stateDir: "/var/lib/kmip2pkcs11",
    logLevel: "info",
    daemonize: false,
  } as const;
}

/** Upper bounds that catch typos (a few extra zeros) rather than limit real use. */
export const LIMITS = {
  workers: 256,
  callTimeoutMs: 3_600_000,
  /** The lowest scheduling priority there is (nice 19). */
  workerNice: 19,
  idleTimeoutMs: 86_400_000,
  requestReadTimeoutMs: 3_600_000,
  maxMessageBytes: 256 * 1024 * 1024,
  maxDepth: 1024,
  maxConnections: 1_000_000,
  maxBatchItems: 65_536,
  maxResponseBytes: 1024 * 1024 * 1024,
  maxConnectionsPerAddress: 1_000_000,
  maxInFlightPerConnection: 65_536,
  tlsHandshakeTimeoutMs: 600_000,
  maxRngBytes: 16 * 1024 * 1024,
} as const;
