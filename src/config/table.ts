// Reads one TOML table with typed accessors that name the offending key (dotted path) in
// their errors, and rejects keys nobody asked for, like serde's `deny_unknown_fields`.
import { ConfigError } from "./errors.js";

/** A plain TOML table (smol-toml gives null-prototype objects; embedded mode plain ones). */
export type RawTable = Readonly<Record<string, unknown>>;

/** True for a TOML table (not an array, date or scalar). */
export function isTable(value: unknown): value is RawTable {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** One table being read; call `finish()` after the last accessor to reject unknown keys. */
export class TableReader {
  private readonly read = new Set<string>();

  constructor(
    private readonly raw: RawTable,
    /** Dotted path of this table, "" for the top level. */
    readonly path: string,
    readonly source: string,
  ) {}

  /** Dotted path of `key` in this table. */
  keyPath(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }

  /** An error about `key` of this table. */
  invalid(key: string, detail: string): ConfigError {
    return new ConfigError("invalid", this.source, this.keyPath(key), detail);
  }

  /** The keys present in the table (for tables with free-form keys such as `env`). */
  keys(): string[] {
    return Object.keys(this.raw);
  }

  /** The raw value of `key` (marked as read), or undefined. */
  value(key: string): unknown {
    this.read.add(key);
    return this.raw[key];
  }

  /** A required value. */
  required(key: string, what: string): unknown {
    const v = this.value(key);
    if (v === undefined) {
      // `lib_path` for `lib-path`: name the misspelt key rather than the missing one.
      const misspelt = Object.keys(this.raw).find((k) => kebabCase(k) === key && k !== key);
      if (misspelt !== undefined) {
        throw new ConfigError(
          "unknown-key",
          this.source,
          this.keyPath(misspelt),
          `did you mean ${key}?`,
        );
      }
      throw new ConfigError("missing", this.source, this.keyPath(key), `expected ${what}`);
    }
    return v;
  }

  optionalString(key: string): string | undefined {
    const v = this.value(key);
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw this.invalid(key, `expected a string, got ${describe(v)}`);
    return v;
  }

  requiredString(key: string): string {
    const v = this.required(key, "a string");
    if (typeof v !== "string") throw this.invalid(key, `expected a string, got ${describe(v)}`);
    return v;
  }

  /** A non-empty path string. */
  optionalPath(key: string): string | undefined {
    const v = this.optionalString(key);
    if (v === "") throw this.invalid(key, "expected a path, got an empty string");
    return v;
  }

  requiredPath(key: string): string {
    const v = this.requiredString(key);
    if (v === "") throw this.invalid(key, "expected a path, got an empty string");
    return v;
  }

  optionalBoolean(key: string, fallback: boolean): boolean {
    const v = this.value(key);
    if (v === undefined) return fallback;
    if (typeof v !== "boolean")
      throw this.invalid(key, `expected true or false, got ${describe(v)}`);
    return v;
  }

  /** An integer in [min, max], or the fallback when absent. */
  optionalInteger(key: string, fallback: number, min: number, max: number): number {
    const v = this.value(key);
    if (v === undefined) return fallback;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw this.invalid(key, `expected an integer, got ${describe(v)}`);
    }
    if (v < min || v > max) throw this.invalid(key, `expected ${min} to ${max}, got ${v}`);
    return v;
  }

  /** A sub-table, or undefined when absent. */
  optionalTable(key: string): TableReader | undefined {
    const v = this.value(key);
    if (v === undefined) return undefined;
    if (!isTable(v)) throw this.invalid(key, `expected a table, got ${describe(v)}`);
    return new TableReader(v, this.keyPath(key), this.source);
  }

  /** Throws for the first key of the table that no accessor asked for. */
  finish(): void {
    const known = [...this.read];
    for (const key of Object.keys(this.raw)) {
      if (!this.read.has(key)) {
        throw new ConfigError("unknown-key", this.source, this.keyPath(key), suggest(key, known));
      }
    }
  }
}

/** "did you mean lib-path?" for `lib_path` or `libPath`, else "". */
function suggest(key: string, known: readonly string[]): string {
  const kebab = kebabCase(key);
  return kebab !== key && known.includes(kebab) ? `did you mean ${kebab}?` : "";
}

/** `lib_path` and `libPath` -> `lib-path`. */
function kebabCase(key: string): string {
  return key
    .replace(/_/g, "-")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase();
}

/** A short description of a TOML value for error messages. */
export function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return "an array";
  if (v instanceof Date) return "a date";
  if (isTable(v)) return "a table";
  return typeof v;
}
