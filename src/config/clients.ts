// `[[clients]]`: the policy table binding a client-certificate identity to the tokens and
// KMIP operations it may use (docs/configuration.md, "Client identities and authorization").
import { Operation } from "../kmip/enums.js";
import { ConfigError } from "./errors.js";
import type { ClientMatch, ClientRule } from "./schema.js";
import { describe, isTable, TableReader } from "./table.js";

const MATCH_KEYS = ["cn", "san", "spki-sha256"] as const;
const SPKI_HEX = /^[0-9a-f]{64}$/;

/** Reads the top-level `clients` array of tables; undefined when absent. */
export function readClients(top: TableReader): ClientRule[] | undefined {
  const raw = top.value("clients");
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw top.invalid("clients", `expected [[clients]] tables, got ${describe(raw)}`);
  }
  return raw.map((entry: unknown, i) => {
    const path = `clients[${i}]`;
    if (!isTable(entry)) {
      throw new ConfigError(
        "invalid",
        top.source,
        path,
        `expected a table, got ${describe(entry)}`,
      );
    }
    return readClientRule(new TableReader(entry, path, top.source));
  });
}

function readClientRule(t: TableReader): ClientRule {
  const match = readMatch(t);
  const tokens = optionalStringList(t, "tokens");
  const operations = optionalStringList(t, "operations");
  for (const name of operations ?? []) {
    if (!Object.hasOwn(Operation, name)) {
      throw t.invalid("operations", `unknown KMIP operation ${describe(name)} (e.g. "Sign")`);
    }
  }
  t.finish();
  return {
    match,
    ...(tokens === undefined ? {} : { tokens }),
    ...(operations === undefined ? {} : { operations }),
  };
}

/** Exactly one of `cn`, `san`, `spki-sha256`. */
function readMatch(t: TableReader): ClientMatch {
  const given = MATCH_KEYS.flatMap((type) => {
    const value = t.optionalString(type);
    return value === undefined ? [] : [{ type, value }];
  });
  const [first, second] = given;
  if (first === undefined || second !== undefined) {
    throw new ConfigError(
      "invalid",
      t.source,
      t.path,
      "expected exactly one of cn, san, spki-sha256",
    );
  }
  if (first.value === "") throw t.invalid(first.type, "expected a non-empty string");
  if (first.type === "spki-sha256") {
    const hex = first.value.replace(/:/g, "").toLowerCase();
    if (!SPKI_HEX.test(hex)) {
      throw t.invalid(first.type, "expected a SHA-256 fingerprint: 64 hex digits");
    }
    return { type: first.type, value: hex };
  }
  return first;
}

function optionalStringList(t: TableReader, key: string): string[] | undefined {
  const v = t.value(key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string" && s !== "")) {
    throw t.invalid(key, `expected an array of non-empty strings, got ${describe(v)}`);
  }
  return v as string[];
}
