/**
 * The test relay's token as a separate program sees it: OpenSC's pkcs11-tool lists the
 * objects, so label and usage checks do not go through the relay's own PKCS#11 code.
 */
import { execFileSync } from "node:child_process";
import type { TestRelay } from "../../helpers/relay.js";
import { SOFTHSM2_LIB } from "../../helpers/softhsm.js";

/** One object as pkcs11-tool prints it. */
export interface TokenObject {
  /** "Public Key Object", "Private Key Object", ... */
  readonly kind: string;
  readonly label: string;
  /** CKA_ID, upper-case hex (the relay's UID without its suffix). */
  readonly id: string;
  /** pkcs11-tool's usage words: sign, verify, decrypt, ... */
  readonly usage: readonly string[];
}

/** Every object on the relay's token, logged in with its PIN. */
export function tokenObjects(relay: TestRelay): TokenObject[] {
  const text = execFileSync(
    "pkcs11-tool",
    [
      "--module",
      SOFTHSM2_LIB,
      "--list-objects",
      "--login",
      "--pin",
      relay.pin,
      "--token-label",
      relay.username,
    ],
    { env: { ...process.env, ...relay.token.env }, encoding: "utf8", stdio: "pipe" },
  );
  const objects: TokenObject[] = [];
  let current: { kind: string; label: string; id: string; usage: string[] } | undefined;
  for (const line of text.split("\n")) {
    if (/^\S/.test(line)) {
      // A new object. Only key objects are kept: the relay's lifecycle records are data
      // objects ("Data object 1234"), whose label must not land on the key before them.
      const header = /^(\w[\w ]* Object)/.exec(line);
      current = header ? { kind: header[1]!, label: "", id: "", usage: [] } : undefined;
      if (current !== undefined) objects.push(current);
      continue;
    }
    const field = /^\s+(label|ID|Usage):\s*(.*)$/.exec(line);
    if (current === undefined || field === null) continue;
    const value = field[2]!.trim();
    if (field[1] === "label") current.label = value;
    if (field[1] === "ID") current.id = value.toUpperCase();
    if (field[1] === "Usage") current.usage = value.split(/,\s*/).filter(Boolean);
  }
  return objects;
}

/** The object with CKA_ID `id` (hex) of `kind`, if on the token. */
export function findTokenObject(
  relay: TestRelay,
  id: string,
  kind: "Public Key Object" | "Private Key Object",
): TokenObject | undefined {
  return tokenObjects(relay).find((o) => o.id === id.toUpperCase() && o.kind === kind);
}
