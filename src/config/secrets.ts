// Files holding secrets (the default token's PIN, or a configuration file with one in it) must
// be private to the relay's user: the relay refuses to start otherwise, like ssh does.
import { readFile, stat } from "node:fs/promises";
import { ConfigError } from "./errors.js";
import type { PinSource } from "./schema.js";

/** Permission bits of group and others. */
const GROUP_OTHER = 0o077;

/** Throws ConfigError when `path` is accessible by group or others (or cannot be read). */
export async function checkPrivateFile(path: string, what: string): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (err) {
    throw new ConfigError("io", path, undefined, `cannot read ${what}: ${errorCode(err)}`);
  }
  if ((mode & GROUP_OTHER) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, "0");
    throw new ConfigError(
      "invalid",
      path,
      undefined,
      `${what} is readable by group/other (mode ${octal}): run chmod 600 ${path}`,
    );
  }
}

/**
 * The default token's user PIN: the first line of the PIN file (checked to be mode 0600 or
 * stricter), or the environment variable (`env`: `[pkcs11] env` first, then the relay's own).
 */
export async function readPin(
  source: PinSource,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  if (source.type === "env") {
    const pin = env[source.name];
    if (pin === undefined || pin === "") {
      throw new ConfigError(
        "invalid",
        "environment",
        "pkcs11.pin-env",
        `the variable ${source.name} is not set`,
      );
    }
    return pin;
  }
  await checkPrivateFile(source.path, "the PIN file");
  let text: string;
  try {
    text = await readFile(source.path, "utf8");
  } catch (err) {
    throw new ConfigError(
      "io",
      source.path,
      undefined,
      `cannot read the PIN file: ${errorCode(err)}`,
    );
  }
  const pin = text.split(/\r?\n/)[0] ?? "";
  if (pin === "") throw new ConfigError("invalid", source.path, undefined, "the PIN file is empty");
  return pin;
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? "error";
  return code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code;
}
