/**
 * Reloading the server certificate and key without a restart (SIGHUP): the files are read
 * and checked again, and the listener's secure context replaced. Connections already open
 * keep the identity they were made with; new ones get the new one. A reload that fails
 * (missing file, key not matching the certificate) leaves the old identity in place.
 */
import type tls from "node:tls";
import type { Logger } from "pino";
import type { ServerConfig } from "../config/schema.js";
import { loadServerIdentity, type ServerIdentity } from "./identity.js";

/** The outcome of one reload. */
export type IdentityReload =
  | { readonly ok: true; readonly fingerprintSha256: string }
  | { readonly ok: false; readonly error: string };

/**
 * Loads the identity `cfg` names and installs it on `server` with the options
 * `contextOptions` builds; on failure logs why and changes nothing.
 */
export async function reloadServerIdentity(
  server: tls.Server,
  cfg: ServerConfig,
  contextOptions: (identity: ServerIdentity) => tls.SecureContextOptions,
  logger: Logger,
): Promise<{ result: IdentityReload; identity?: ServerIdentity }> {
  try {
    const identity = await loadServerIdentity(cfg, logger);
    server.setSecureContext(contextOptions(identity));
    logger.info(
      { fingerprintSha256: identity.fingerprintSha256 },
      "TLS identity reloaded: new connections get the new certificate",
    );
    return { result: { ok: true, fingerprintSha256: identity.fingerprintSha256 }, identity };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    logger.error({ error }, "TLS identity reload failed: keeping the current certificate");
    return { result: { ok: false, error } };
  }
}
