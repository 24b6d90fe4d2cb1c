/**
 * The TLS policy of the listener as `node:tls` options: oldest version, cipher suites,
 * certificate and key, client CA. Built once at start and again for each identity reload
 * (`tls.Server.setSecureContext` replaces the whole secure context).
 */
import type tls from "node:tls";
import type { ServerConfig } from "../config/schema.js";
import type { ServerIdentity } from "./identity.js";

const TLS_VERSIONS = { "1.2": "TLSv1.2", "1.3": "TLSv1.3" } as const;

/** Secure-context options for `identity` under the configured policy. */
export function secureContextOptions(
  cfg: Pick<ServerConfig, "tlsMinVersion" | "tlsCiphers">,
  identity: Pick<ServerIdentity, "cert" | "key">,
  ca: Buffer | undefined,
): tls.SecureContextOptions {
  return {
    cert: identity.cert,
    key: identity.key,
    minVersion: TLS_VERSIONS[cfg.tlsMinVersion],
    // OpenSSL takes TLS 1.2 and TLS 1.3 suites in separate lists; Node.js splits this one.
    ciphers: cfg.tlsCiphers.join(":"),
    ...(ca === undefined ? {} : { ca }),
  };
}
