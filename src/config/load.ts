// Reading the configuration file: TOML (smol-toml) -> validated, defaulted RelayConfig.
// The format is the incumbent's "v1" (kebab-case keys, unknown keys rejected).
import { readFile } from "node:fs/promises";
import { parse as parseToml, TomlError } from "smol-toml";
import { readClients } from "./clients.js";
import { ConfigError } from "./errors.js";
import type { RelayConfig } from "./schema.js";
import { checkPrivateFile } from "./secrets.js";
import { readDaemon, readPkcs11, readServer } from "./sections.js";
import { isTable, type RawTable, TableReader } from "./table.js";

export { ConfigError } from "./errors.js";

/** The only format version there is. */
export const CONFIG_VERSION = "v1";

/** Parses and validates configuration text; `source` names it in errors (a file path). */
export function parseConfig(text: string, source: string): RelayConfig {
  return validateConfig(parseTomlText(text, source), source);
}

/** Reads, parses and validates the configuration file at `path`. */
export async function loadConfig(path: string): Promise<RelayConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code;
    throw new ConfigError("io", path, undefined, `cannot read the configuration file: ${why}`);
  }
  const config = parseConfig(text, path);
  if (holdsPin(config)) await checkPrivateFile(path, "the configuration file (it holds a PIN)");
  return config;
}

/** True when the default token's PIN comes from the file's own `[pkcs11] env` table. */
export function holdsPin(config: RelayConfig): boolean {
  const pin = config.pkcs11.defaultToken?.pin;
  return pin?.type === "env" && Object.hasOwn(config.pkcs11.env, pin.name);
}

/**
 * Validates an already parsed document (kebab-case keys, as in the file) and fills in the
 * defaults. Embedded mode builds its configuration through here too.
 */
export function validateConfig(doc: RawTable, source: string): RelayConfig {
  const top = new TableReader(doc, "", source);
  const empty = (path: string) => () => new TableReader({}, path, source);
  readVersion(top);
  const pkcs11 = top.optionalTable("pkcs11");
  if (pkcs11 === undefined) {
    throw new ConfigError("missing", source, "pkcs11.lib-path", "expected the PKCS#11 module path");
  }
  const config: RelayConfig = {
    pkcs11: readPkcs11(pkcs11),
    server: readServer(top.optionalTable("server"), empty("server")),
    daemon: readDaemon(top.optionalTable("daemon"), empty("daemon")),
  };
  const clients = readClients(top);
  top.finish();
  checkNeedsClientCa(config, clients, source);
  return clients === undefined ? config : { ...config, clients };
}

/** Certificate identities exist only with client certificates (`server.client-ca-path`). */
function checkNeedsClientCa(
  config: RelayConfig,
  clients: readonly unknown[] | undefined,
  source: string,
): void {
  if (config.server.clientCaPath !== undefined) return;
  if (config.pkcs11.defaultToken !== undefined) {
    throw new ConfigError(
      "invalid",
      source,
      "pkcs11.token-label",
      "a default token (token-label with pin-file/pin-env) needs server.client-ca-path: without client certificates any client could use it",
    );
  }
  if (clients !== undefined) {
    throw new ConfigError(
      "invalid",
      source,
      "clients",
      "[[clients]] identifies clients by their certificate: it needs server.client-ca-path",
    );
  }
}

function readVersion(top: TableReader): void {
  const version = top.required("version", `version = "${CONFIG_VERSION}"`);
  if (version !== CONFIG_VERSION) {
    throw top.invalid(
      "version",
      `unsupported ${JSON.stringify(version)}, expected "${CONFIG_VERSION}"`,
    );
  }
}

function parseTomlText(text: string, source: string): RawTable {
  try {
    const doc: unknown = parseToml(text);
    if (!isTable(doc)) throw new ConfigError("syntax", source, undefined, "not a TOML table");
    return doc;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // smol-toml's message is "Invalid TOML document: <why>" followed by a code excerpt.
    const why = (err.message.split("\n")[0] ?? "").replace(/^Invalid TOML document: /, "");
    const where = `line ${err.line}, column ${err.column}`;
    throw new ConfigError("syntax", source, undefined, `invalid TOML at ${where}: ${why}`);
  }
}
