// The relay's logger: pino, JSON lines on stderr (or appended to a file). Secrets must not
// be logged in the first place; the redaction below is only a safety net for mistakes: any
// value under a key that names a secret (pin, password, keyMaterial, ...) is replaced.
import { type DestinationStream, type Logger, pino } from "pino";
import type { LogLevel, LogTarget } from "./config/schema.js";

export type { Logger } from "pino";

/** The config's level names -> pino's ("warning" is pino's "warn"). */
const PINO_LEVEL: Readonly<Record<LogLevel, pino.LevelWithSilent>> = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warning: "warn",
  error: "error",
};

/**
 * Keys that could hold a PIN, a password or key material. Matched without case, "-" and "_",
 * so `userPin`, `user_pin`, `UserPin` (a KMIP tag name in a decoded TTLV tree) are all caught.
 */
export const SECRET_KEYS: readonly string[] = [
  "pin",
  "userPin",
  "soPin",
  "password",
  "passwd",
  "passphrase",
  "secret",
  "secretKey",
  "secretData",
  "credential",
  "credentials",
  "credentialValue",
  "keyMaterial",
  "keyValue",
  "keyBlock",
  "privateKey",
  "authorization",
];

/** Keys compared without case, "-" and "_": `userPin`, `user_pin` and `USER-PIN` are one key. */
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, "");
}

/** Secret keys, normalised; also `env` (a vendor module's environment may hold credentials). */
const SECRET_KEY_SET: ReadonlySet<string> = new Set([...SECRET_KEYS, "env"].map(normalizeKey));

/** Objects nested deeper than this are replaced as a whole (this also stops cycles). */
const MAX_REDACT_DEPTH = 40;

/** The value a redacted key shows. */
export const REDACTED = "[redacted]";

/**
 * Returns `value` with every secret key's value replaced by REDACTED, at any depth. Copies
 * only the objects on the way to a secret; returns `value` itself when there is none.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return value;
  if (depth > MAX_REDACT_DEPTH) return "[too deep]";
  if (Array.isArray(value)) return redactArray(value, depth);
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    const r = SECRET_KEY_SET.has(normalizeKey(key)) ? REDACTED : redactSecrets(v, depth + 1);
    if (r !== v) {
      out ??= shallowCopy(obj);
      out[key] = r;
    }
  }
  return out ?? value;
}

function redactArray(arr: readonly unknown[], depth: number): unknown[] {
  let out: unknown[] | undefined;
  arr.forEach((v, i) => {
    const r = redactSecrets(v, depth + 1);
    if (r !== v) {
      out ??= arr.slice();
      out[i] = r;
    }
  });
  return out ?? (arr as unknown[]);
}

/** A copy with the same prototype and properties (an Error stays an Error for pino). */
function shallowCopy(obj: Record<string, unknown>): Record<string, unknown> {
  const copy = Object.create(Object.getPrototypeOf(obj)) as Record<string, unknown>;
  return Object.defineProperties(copy, Object.getOwnPropertyDescriptors(obj));
}

function redactRecord(obj: Record<string, unknown>): Record<string, unknown> {
  return redactSecrets(obj) as Record<string, unknown>;
}

/**
 * Creates the logger. `destination` replaces the configured target (tests pass an in-memory
 * stream). A `syslog` target is written to stderr, with a warning, see docs/configuration.md.
 */
export function createLogger(
  opts: { level: LogLevel; target: LogTarget },
  destination?: DestinationStream,
): Logger {
  const logger = pino(
    {
      level: PINO_LEVEL[opts.level],
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // The safety net: pino's own `redact` option costs ~140 µs a line with a wildcard path
      // per key and depth (measured, 2 cores); this walk costs ~1 µs and has no depth limit.
      formatters: {
        level: (label) => ({ level: label }),
        log: redactRecord,
        bindings: redactRecord,
      },
    },
    destination ?? openTarget(opts.target),
  );
  redactChildBindings(logger);
  if (destination === undefined && opts.target.type === "syslog") {
    logger.warn(
      "log-target syslog is not supported by this relay: logging to stderr instead " +
        "(under systemd, stderr goes to the journal)",
    );
  }
  return logger;
}

/**
 * pino applies `formatters.bindings` to the root's bindings only, not to `child()` ones:
 * redact those on the way in. Children inherit the root's methods, so one override covers all.
 */
function redactChildBindings(logger: Logger): void {
  const child = logger.child; // pino's, from the prototype: `this` stays the caller
  logger.child = function (
    this: Logger,
    bindings: pino.Bindings,
    options?: pino.ChildLoggerOptions,
  ) {
    return Reflect.apply(child, this, [redactRecord(bindings), options]) as Logger;
  } as unknown as Logger["child"]; // pino generic over custom levels; we define none
}

function openTarget(target: LogTarget): DestinationStream {
  if (target.type === "file") {
    return pino.destination({ dest: target.path, append: true, mkdir: true, sync: true });
  }
  return pino.destination({ dest: 2, sync: true });
}
