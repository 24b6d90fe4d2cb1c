/**
 * What is on a SoftHSM2 token, as OpenSC's pkcs11-tool (a second, independent PKCS#11 client)
 * lists it: lets a test check that KMIP Names and Destroy reached the token itself.
 */
import { execFileSync } from "node:child_process";

export interface TokenObject {
  /** "Private Key", "Public Key", ... */
  readonly kind: string;
  readonly label: string;
  /** CKA_ID, lower-case hex. */
  readonly id: string;
  /** pkcs11-tool's "Usage" words (CKA_SIGN -> "sign", ...), sorted. */
  readonly usage: readonly string[];
}

export interface TokenAccess {
  readonly lib: string;
  readonly label: string;
  readonly pin: string;
  readonly env: Record<string, string>;
}

/** Parses `pkcs11-tool --list-objects`: an "X Object; ..." line, then indented "key: value". */
export function parseObjectList(text: string): TokenObject[] {
  const objects: TokenObject[] = [];
  let current: { kind: string; label: string; id: string; usage: string[] } | undefined;
  for (const line of text.split("\n")) {
    if (/^\S/.test(line)) {
      // A new object; only "X Object;" ones are kept: the relay's lifecycle records are
      // "Data object" entries, whose label must not land on the key listed before them.
      const head = /^(\S.*?) Object;/.exec(line);
      current = head === null ? undefined : { kind: head[1] ?? "", label: "", id: "", usage: [] };
      if (current !== undefined) objects.push(current);
      continue;
    }
    const field = /^\s+(label|ID|Usage):\s*(.*)$/.exec(line);
    if (field === null || current === undefined) continue;
    const value = field[2] ?? "";
    if (field[1] === "label") current.label = value;
    else if (field[1] === "ID") current.id = value.toLowerCase();
    else
      current.usage = value
        .split(",")
        .map((w) => w.trim())
        .filter(Boolean)
        .sort();
  }
  return objects;
}

/** The token's objects (after a user login, so private keys are listed too). */
export function listTokenObjects(token: TokenAccess): TokenObject[] {
  const out = execFileSync(
    "pkcs11-tool",
    [
      "--module",
      token.lib,
      "--token-label",
      token.label,
      "--login",
      "--pin",
      token.pin,
      "--list-objects",
    ],
    { env: { ...process.env, ...token.env }, encoding: "utf8", timeout: 20_000 },
  );
  return parseObjectList(out);
}
