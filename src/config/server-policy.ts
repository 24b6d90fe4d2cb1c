// The `[server]` keys that bound what one client can make the relay do (connections per
// address, requests in flight, handshake time, RNG output) and the TLS policy (oldest
// version, cipher suites). Listed together in docs/configuration.md, "Bounds".
import { getCiphers } from "node:tls";
import { defaultValues, LIMITS } from "./defaults.js";
import type { ServerConfig, TlsMinVersion } from "./schema.js";
import { describe, type TableReader } from "./table.js";

/** The fields of {@link ServerConfig} read here. */
export type ServerPolicy = Pick<
  ServerConfig,
  | "maxConnectionsPerAddress"
  | "maxInFlightPerConnection"
  | "tlsHandshakeTimeoutMs"
  | "maxRngBytes"
  | "tlsMinVersion"
  | "tlsCiphers"
>;

const TLS_MIN_VERSIONS: readonly TlsMinVersion[] = ["1.2", "1.3"];
/** An OpenSSL cipher suite name: no separators, so a list entry cannot smuggle in more. */
const CIPHER_NAME = /^[A-Za-z0-9_-]+$/;

/** Reads the bounds and TLS policy keys of `[server]`, defaults filled in. */
export function readServerPolicy(r: TableReader): ServerPolicy {
  const d = defaultValues();
  const tlsMinVersion = readTlsMinVersion(r);
  const tlsCiphers = readTlsCiphers(r) ?? d.tlsCiphers;
  if (tlsMinVersion === "1.3" && !tlsCiphers.some(isTls13Suite)) {
    throw r.invalid("tls-ciphers", 'lists no TLS 1.3 suite (TLS_*) but tls-min-version is "1.3"');
  }
  return {
    maxConnectionsPerAddress: r.optionalInteger(
      "max-connections-per-address",
      d.maxConnectionsPerAddress,
      0,
      LIMITS.maxConnectionsPerAddress,
    ),
    maxInFlightPerConnection: r.optionalInteger(
      "max-in-flight-per-connection",
      d.maxInFlightPerConnection,
      1,
      LIMITS.maxInFlightPerConnection,
    ),
    tlsHandshakeTimeoutMs: r.optionalInteger(
      "tls-handshake-timeout-ms",
      d.tlsHandshakeTimeoutMs,
      1,
      LIMITS.tlsHandshakeTimeoutMs,
    ),
    maxRngBytes: r.optionalInteger("max-rng-bytes", d.maxRngBytes, 1, LIMITS.maxRngBytes),
    tlsMinVersion,
    tlsCiphers,
  };
}

function readTlsMinVersion(r: TableReader): TlsMinVersion {
  const v = r.optionalString("tls-min-version");
  if (v === undefined) return defaultValues().tlsMinVersion;
  const version = TLS_MIN_VERSIONS.find((m) => m === v);
  if (version === undefined)
    throw r.invalid("tls-min-version", `expected "1.2" or "1.3", got ${describe(v)}`);
  return version;
}

/** A non-empty list of cipher suite names this Node.js / OpenSSL knows. */
function readTlsCiphers(r: TableReader): readonly string[] | undefined {
  const v = r.value("tls-ciphers");
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) {
    throw r.invalid("tls-ciphers", `expected a non-empty list of suite names, got ${describe(v)}`);
  }
  const known = new Set(getCiphers().map((c) => c.toLowerCase()));
  const names: string[] = [];
  for (const name of v as unknown[]) {
    if (typeof name !== "string" || !CIPHER_NAME.test(name)) {
      throw r.invalid("tls-ciphers", `expected OpenSSL suite names, got ${describe(name)}`);
    }
    if (!known.has(name.toLowerCase())) {
      throw r.invalid(
        "tls-ciphers",
        `unknown cipher suite ${describe(name)} (OpenSSL names, e.g. "ECDHE-RSA-AES128-GCM-SHA256")`,
      );
    }
    names.push(name);
  }
  return Object.freeze(names);
}

/** TLS 1.3 suites are named `TLS_AES_...` by OpenSSL (TLS 1.2 ones have no such prefix). */
export function isTls13Suite(name: string): boolean {
  return name.toUpperCase().startsWith("TLS_");
}
