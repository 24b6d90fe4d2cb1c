// The relay's TLS identity: the configured certificate and key files, or, with none
// configured, a self-signed certificate generated once and kept in `server.state-dir`
// (the incumbent generated a new one at every start, which clients cannot pin).
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { ServerConfig } from "../config/schema.js";
import { generateSelfSignedIdentity } from "./self-signed.js";

/** The certificate (chain) and key to serve, both PEM. */
export interface ServerIdentity {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** SHA-256 of the (first) certificate's DER, "AA:BB:...". */
  readonly fingerprintSha256: string;
  /** True when the certificate is the relay's own self-signed one. */
  readonly generated: boolean;
  /** The certificate's file; undefined for a generated one that could not be stored. */
  readonly certPath: string | undefined;
}

/** A certificate or key file that cannot be used; the message is one line. */
export class IdentityError extends Error {
  override readonly name = "IdentityError";
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`TLS identity ${path}: ${detail}`);
  }
}

/** Where the generated certificate and key are kept. */
export function selfSignedPaths(stateDir: string): { certPath: string; keyPath: string } {
  return {
    certPath: join(stateDir, "self-signed-cert.pem"),
    keyPath: join(stateDir, "self-signed-key.pem"),
  };
}

/**
 * Loads the configured certificate and key, or the self-signed pair in `stateDir` (generated
 * and stored there the first time), and logs the certificate's SHA-256 fingerprint.
 */
export async function loadServerIdentity(
  cfg: ServerConfig,
  logger: Logger,
): Promise<ServerIdentity> {
  const identity =
    cfg.identity === undefined
      ? await loadOrCreateSelfSigned(cfg.stateDir, logger)
      : await loadIdentityFiles(cfg.identity.certPath, cfg.identity.keyPath);
  logger.info(
    {
      fingerprintSha256: identity.fingerprintSha256,
      certPath: identity.certPath,
      generated: identity.generated,
    },
    `TLS certificate SHA-256 fingerprint ${identity.fingerprintSha256}`,
  );
  return identity;
}

async function loadIdentityFiles(certPath: string, keyPath: string): Promise<ServerIdentity> {
  const cert = await readPem(certPath);
  const key = await readPem(keyPath);
  const x509 = checkPair(cert, certPath, key, keyPath);
  return { cert, key, fingerprintSha256: x509.fingerprint256, generated: false, certPath };
}

async function loadOrCreateSelfSigned(stateDir: string, logger: Logger): Promise<ServerIdentity> {
  const paths = selfSignedPaths(stateDir);
  const existing = await readStoredPair(paths.certPath, paths.keyPath);
  if (existing !== undefined) {
    const x509 = checkPair(existing.cert, paths.certPath, existing.key, paths.keyPath);
    if (new Date(x509.validTo).getTime() > Date.now()) {
      logger.info({ certPath: paths.certPath }, "using the stored self-signed TLS certificate");
      return {
        ...existing,
        fingerprintSha256: x509.fingerprint256,
        generated: true,
        certPath: paths.certPath,
      };
    }
    logger.warn(
      { certPath: paths.certPath, validTo: x509.validTo },
      "the stored self-signed TLS certificate has expired: generating a new one",
    );
  }
  const pair = generateSelfSignedIdentity(new Date());
  const cert = Buffer.from(pair.certPem);
  const key = Buffer.from(pair.keyPem);
  const fingerprintSha256 = new X509Certificate(cert).fingerprint256;
  const stored = await storePair(stateDir, paths, cert, key, logger);
  logger.info({ certPath: stored }, "generated a self-signed TLS certificate");
  return { cert, key, fingerprintSha256, generated: true, certPath: stored };
}

/** Both stored files, or undefined when either is missing. */
async function readStoredPair(certPath: string, keyPath: string) {
  try {
    return { cert: await readFile(certPath), key: await readFile(keyPath) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new IdentityError(certPath, `cannot read: ${errorCode(err)}`);
  }
}

/** Writes key (mode 0600) then certificate, each atomically; undefined when it cannot. */
async function storePair(
  stateDir: string,
  paths: { certPath: string; keyPath: string },
  cert: Buffer,
  key: Buffer,
  logger: Logger,
): Promise<string | undefined> {
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await writeAtomically(paths.keyPath, key, 0o600);
    await writeAtomically(paths.certPath, cert, 0o644);
    return paths.certPath;
  } catch (err) {
    logger.warn(
      { stateDir, error: errorCode(err) },
      "cannot store the self-signed TLS certificate in state-dir: it lasts until the relay stops",
    );
    return undefined;
  }
}

async function writeAtomically(path: string, data: Buffer, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode, flag: "w" });
  await rename(tmp, path);
}

async function readPem(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new IdentityError(path, `cannot read: ${errorCode(err)}`);
  }
}

/** Parses the certificate and key and checks that they belong together. */
function checkPair(cert: Buffer, certPath: string, key: Buffer, keyPath: string): X509Certificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new IdentityError(certPath, "not a PEM certificate");
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new IdentityError(keyPath, "not an unencrypted PEM private key");
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new IdentityError(keyPath, `does not belong to the certificate ${certPath}`);
  }
  return x509;
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT"
    ? "no such file"
    : code === "EACCES"
      ? "permission denied"
      : (code ?? String(err));
}
