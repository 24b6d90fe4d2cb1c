// Embedded quick start: `kmip2pkcs11 --embedded [DIR]` runs the relay without a configuration
// file, on a SoftHSM2 token it creates itself in DIR (once; later starts reuse it):
//   DIR/softhsm2.conf   token store in DIR/tokens, file backend
//   DIR/user-pin        the token's user PIN (mode 0600) = the KMIP Password
//   DIR/self-signed-*   the relay's TLS certificate and key (see server/identity.ts)
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { access, mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { formatHostPort } from "../config/addr.js";
import { KMIP_PORT } from "../config/defaults.js";
import { validateConfig } from "../config/load.js";
import type { LogLevel, RelayConfig } from "../config/schema.js";
import { selfSignedPaths } from "../server/identity.js";

const run = promisify(execFile);

/** DIR when `--embedded` is given without one. */
export const DEFAULT_EMBEDDED_DIR = "./.kmip2pkcs11";
/** The token's label, which is also the KMIP Username. */
export const EMBEDDED_TOKEN_LABEL = "kmip2pkcs11";
/** Where distributions install the SoftHSM2 module, most common first. */
export const SOFTHSM2_LIB_CANDIDATES: readonly string[] = [
  "/usr/lib/softhsm/libsofthsm2.so",
  "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
  "/usr/lib64/pkcs11/libsofthsm2.so",
  "/usr/lib/pkcs11/libsofthsm2.so",
  "/usr/lib64/softhsm/libsofthsm2.so",
  "/usr/local/lib/softhsm/libsofthsm2.so",
  "/opt/homebrew/lib/softhsm/libsofthsm2.so",
];
/** Random PINs: 18 bytes, 24 base64url characters (SoftHSM2 accepts 4 to 255). */
const PIN_BYTES = 18;
const INSTALL_HINT = "is SoftHSM2 installed? (apt-get install softhsm2)";

/** The embedded token, ready for the relay. */
export interface EmbeddedToken {
  /** The SoftHSM2 PKCS#11 module. */
  readonly libPath: string;
  /** DIR/softhsm2.conf, for SOFTHSM2_CONF. */
  readonly softhsmConf: string;
  /** Token label = KMIP Username. */
  readonly tokenLabel: string;
  /** File holding the user PIN = KMIP Password. */
  readonly pinFile: string;
}

/** Embedded mode cannot start; the message is one line and says what to do. */
export class EmbeddedError extends Error {
  override readonly name = "EmbeddedError";
}

/** The first SoftHSM2 module found among `candidates`. */
export function findSoftHsmLibrary(
  candidates: readonly string[] = SOFTHSM2_LIB_CANDIDATES,
  exists: (path: string) => boolean = existsSync,
): string {
  const found = candidates.find((p) => exists(p));
  if (found === undefined) {
    throw new EmbeddedError(`no SoftHSM2 module (libsofthsm2.so) found: ${INSTALL_HINT}`);
  }
  return found;
}

/**
 * Creates (first time) or finds (later) the SoftHSM2 token in `dir`: writes DIR/softhsm2.conf,
 * initialises a token labelled kmip2pkcs11 with random SO and user PINs, keeps the user PIN
 * in DIR/user-pin (0600). The SO PIN is not kept: delete DIR to start over.
 */
export async function prepareEmbeddedToken(dir: string): Promise<EmbeddedToken> {
  const root = resolve(dir);
  const libPath = findSoftHsmLibrary();
  const tokenDir = join(root, "tokens");
  await mkdir(tokenDir, { recursive: true, mode: 0o700 });
  const softhsmConf = join(root, "softhsm2.conf");
  await writeFile(softhsmConf, softhsmConfText(tokenDir), { mode: 0o600 });
  const pinFile = join(root, "user-pin");
  const env = { ...process.env, SOFTHSM2_CONF: softhsmConf };
  const token = { libPath, softhsmConf, tokenLabel: EMBEDDED_TOKEN_LABEL, pinFile };
  if (await tokenExists(env, EMBEDDED_TOKEN_LABEL)) {
    if (!(await fileExists(pinFile))) {
      throw new EmbeddedError(
        `the token ${EMBEDDED_TOKEN_LABEL} in ${tokenDir} exists but ${pinFile} is missing: delete ${root} to start over`,
      );
    }
    return token;
  }
  const pin = randomPin();
  // A new file (an earlier, failed attempt may have left one): mode 0600 from the first byte.
  await rm(pinFile, { force: true });
  await writeFile(pinFile, `${pin}\n`, { mode: 0o600, flag: "wx" });
  await softhsmUtil(env, [
    "--init-token",
    "--free",
    "--label",
    EMBEDDED_TOKEN_LABEL,
    "--so-pin",
    randomPin(),
    "--pin",
    pin,
  ]);
  return token;
}

/** SoftHSM2's configuration: a private token directory, file backend, errors only. */
export function softhsmConfText(tokenDir: string): string {
  return [
    "# Written by kmip2pkcs11 --embedded",
    `directories.tokendir = ${tokenDir}`,
    "objectstore.backend = file",
    "log.level = ERROR",
    "",
  ].join("\n");
}

function randomPin(): string {
  return randomBytes(PIN_BYTES).toString("base64url");
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `softhsm2-util --show-slots` lists a token with this label. */
async function tokenExists(env: NodeJS.ProcessEnv, label: string): Promise<boolean> {
  const out = await softhsmUtil(env, ["--show-slots"]);
  return tokenLabels(out).includes(label);
}

/** The token labels in `softhsm2-util --show-slots` output ("Label:   name   "). */
export function tokenLabels(showSlots: string): string[] {
  return [...showSlots.matchAll(/^\s*Label:[ \t]*(.*?)[ \t]*$/gm)].map((m) => m[1] ?? "");
}

async function softhsmUtil(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  try {
    const { stdout } = await run("softhsm2-util", args, { env });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new EmbeddedError(`softhsm2-util not found: ${INSTALL_HINT}`);
    // The command line holds PINs: report softhsm2-util's own words, not the command.
    const why = (e.stderr ?? "").trim().split("\n")[0] || "failed";
    throw new EmbeddedError(`softhsm2-util ${args[0]}: ${why}`);
  }
}

/** Options of the embedded relay. */
export interface EmbeddedOptions {
  /** Listening port on 127.0.0.1 (default 5696; 0: any free port). */
  readonly port?: number;
  readonly logLevel?: LogLevel;
}

/** The relay configuration of embedded mode, built through the same validation as a file. */
export function embeddedConfig(
  dir: string,
  token: EmbeddedToken,
  opts: EmbeddedOptions = {},
): RelayConfig {
  return validateConfig(
    {
      version: "v1",
      pkcs11: { "lib-path": token.libPath, env: { SOFTHSM2_CONF: token.softhsmConf } },
      server: {
        addr: formatHostPort("127.0.0.1", opts.port ?? KMIP_PORT),
        "state-dir": resolve(dir),
      },
      daemon: { "log-level": opts.logLevel ?? "info" },
    },
    "--embedded",
  );
}

/** What a client needs to connect, printed to stdout once the relay listens. No PIN. */
export function connectionDetails(d: {
  address: string;
  fingerprintSha256: string;
  stateDir: string;
  token: EmbeddedToken;
}): string {
  return [
    "kmip2pkcs11 is running on an embedded SoftHSM2 token.",
    `  KMIP server:        ${d.address} (TLS)`,
    `  TLS certificate:    ${selfSignedPaths(d.stateDir).certPath}`,
    `  SHA-256:            ${d.fingerprintSha256}`,
    `  KMIP Username:      ${d.token.tokenLabel} (the token label)`,
    `  KMIP Password:      the user PIN, in ${d.token.pinFile}`,
    `  PKCS#11 module:     ${d.token.libPath} with SOFTHSM2_CONF=${d.token.softhsmConf}`,
    "Stop with Ctrl-C.",
    "",
  ].join("\n");
}
