// One reader per section of the v1 format: [pkcs11], [server] (+ [server.identity]),
// [daemon]. Each reads its keys, fills in defaults, and rejects keys it does not know.
import { parseHostPort } from "./addr.js";
import { defaultValues, LIMITS } from "./defaults.js";
import type {
  DaemonConfig,
  DefaultToken,
  IdentityFiles,
  LogLevel,
  LogTarget,
  NewKeyState,
  PinSource,
  Pkcs11Config,
  ProcessIdentity,
  ServerConfig,
} from "./schema.js";
import { readServerPolicy } from "./server-policy.js";
import { describe, isTable, type TableReader } from "./table.js";

const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warning", "error"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `[pkcs11]` (required: it holds the required `lib-path`). */
export function readPkcs11(t: TableReader): Pkcs11Config {
  const d = defaultValues();
  const cfg: Pkcs11Config = {
    libPath: t.requiredPath("lib-path"),
    workers: t.optionalInteger("workers", d.workers, 1, LIMITS.workers),
    callTimeoutMs: t.optionalInteger("call-timeout-ms", d.callTimeoutMs, 1, LIMITS.callTimeoutMs),
    workerNice: t.optionalInteger("worker-nice", d.workerNice, 0, LIMITS.workerNice),
    env: readEnv(t),
    allowRsa1024: t.optionalBoolean("allow-rsa-1024", false),
    newKeyState: readNewKeyState(t, d.newKeyState),
  };
  const defaultToken = readDefaultToken(t);
  t.finish();
  return defaultToken === undefined ? cfg : { ...cfg, defaultToken };
}

const NEW_KEY_STATES: readonly NewKeyState[] = ["active", "pre-active"];

/** `new-key-state`: "active" or "pre-active". */
function readNewKeyState(t: TableReader, fallback: NewKeyState): NewKeyState {
  const value = t.optionalString("new-key-state") ?? fallback;
  const known = NEW_KEY_STATES.find((s) => s === value);
  if (known === undefined) {
    throw t.invalid(
      "new-key-state",
      `expected "active" or "pre-active", got ${JSON.stringify(value)}`,
    );
  }
  return known;
}

/** `token-label` with `pin-file` or `pin-env` (one of them): the default token. */
function readDefaultToken(t: TableReader): DefaultToken | undefined {
  const label = t.optionalString("token-label");
  const file = t.optionalPath("pin-file");
  const env = t.optionalString("pin-env");
  if (label === undefined && file === undefined && env === undefined) return undefined;
  if (label === undefined || label === "") {
    throw t.invalid("token-label", "required with pin-file or pin-env (the default token)");
  }
  if ((file === undefined) === (env === undefined)) {
    const key = file === undefined ? "pin-file" : "pin-env";
    throw t.invalid(key, "give exactly one of pin-file or pin-env with token-label");
  }
  if (env !== undefined && !ENV_NAME.test(env)) {
    throw t.invalid("pin-env", "not a valid environment variable name");
  }
  const pin: PinSource =
    file === undefined ? { type: "env", name: env ?? "" } : { type: "file", path: file };
  return { label, pin };
}

function readEnv(t: TableReader): Readonly<Record<string, string>> {
  const env = t.optionalTable("env");
  if (env === undefined) return {};
  const out: Record<string, string> = {};
  for (const name of env.keys()) {
    if (!ENV_NAME.test(name)) throw env.invalid(name, "not a valid environment variable name");
    const v = env.value(name);
    if (typeof v !== "string") throw env.invalid(name, `expected a string, got ${describe(v)}`);
    out[name] = v;
  }
  env.finish();
  return out;
}

/** `[server]`; absent means all defaults. */
export function readServer(t: TableReader | undefined, empty: () => TableReader): ServerConfig {
  const r = t ?? empty();
  const d = defaultValues();
  const addrText = r.optionalString("addr") ?? d.addr;
  const addr = parseHostPort(addrText);
  if (typeof addr === "string") throw r.invalid("addr", addr);
  const identity = readIdentityFiles(r.optionalTable("identity"));
  const clientCaPath = r.optionalPath("client-ca-path");
  const clientCrlPath = r.optionalPath("client-crl-path");
  if (clientCrlPath !== undefined && clientCaPath === undefined) {
    throw r.invalid("client-crl-path", "needs client-ca-path (client certificates)");
  }
  const cfg: ServerConfig = {
    host: addr.host,
    port: addr.port,
    ...(identity === undefined ? {} : { identity }),
    ...(clientCaPath === undefined ? {} : { clientCaPath }),
    ...(clientCrlPath === undefined ? {} : { clientCrlPath }),
    idleTimeoutMs: r.optionalInteger("idle-timeout-ms", d.idleTimeoutMs, 0, LIMITS.idleTimeoutMs),
    requestReadTimeoutMs: r.optionalInteger(
      "request-read-timeout-ms",
      d.requestReadTimeoutMs,
      1,
      LIMITS.requestReadTimeoutMs,
    ),
    maxMessageBytes: r.optionalInteger(
      "max-message-bytes",
      d.maxMessageBytes,
      64,
      LIMITS.maxMessageBytes,
    ),
    maxDepth: r.optionalInteger("max-depth", d.maxDepth, 1, LIMITS.maxDepth),
    maxConnections: r.optionalInteger(
      "max-connections",
      d.maxConnections,
      1,
      LIMITS.maxConnections,
    ),
    maxBatchItems: r.optionalInteger("max-batch-items", d.maxBatchItems, 1, LIMITS.maxBatchItems),
    maxResponseBytes: r.optionalInteger(
      "max-response-bytes",
      d.maxResponseBytes,
      1024,
      LIMITS.maxResponseBytes,
    ),
    stateDir: r.optionalPath("state-dir") ?? d.stateDir,
    ...readServerPolicy(r),
  };
  r.finish();
  return cfg;
}

function readIdentityFiles(t: TableReader | undefined): IdentityFiles | undefined {
  if (t === undefined) return undefined;
  const files = { certPath: t.requiredPath("cert-path"), keyPath: t.requiredPath("key-path") };
  t.finish();
  return files;
}

/** `[daemon]`; absent means all defaults. */
export function readDaemon(t: TableReader | undefined, empty: () => TableReader): DaemonConfig {
  const r = t ?? empty();
  const d = defaultValues();
  const pidFile = r.optionalPath("pid-file");
  const identity = readProcessIdentity(r);
  const cfg: DaemonConfig = {
    logLevel: readLogLevel(r),
    logTarget: readLogTarget(r),
    daemonize: r.optionalBoolean("daemonize", d.daemonize),
    ...(pidFile === undefined ? {} : { pidFile }),
    ...(identity === undefined ? {} : { identity }),
  };
  r.finish();
  return cfg;
}

function readLogLevel(t: TableReader): LogLevel {
  const v = t.optionalString("log-level") ?? defaultValues().logLevel;
  const level = parseLogLevel(v);
  if (level === undefined) throw t.invalid("log-level", `expected one of ${LOG_LEVELS.join(", ")}`);
  return level;
}

/** A log level name, or undefined when it is not one. */
export function parseLogLevel(v: string): LogLevel | undefined {
  return LOG_LEVELS.find((l) => l === v);
}

function readLogTarget(t: TableReader): LogTarget {
  const raw = t.value("log-target");
  if (raw !== undefined && !isTable(raw)) {
    throw t.invalid(
      "log-target",
      `expected a table like { type = "stderr" }, got ${describe(raw)}`,
    );
  }
  const target = t.optionalTable("log-target");
  if (target === undefined) return { type: "stderr" };
  const type = target.requiredString("type");
  let out: LogTarget;
  if (type === "stderr" || type === "syslog") out = { type };
  else if (type === "file") out = { type, path: target.requiredPath("path") };
  else throw target.invalid("type", `expected "stderr", "file" or "syslog", got ${describe(type)}`);
  target.finish();
  return out;
}

/** `identity = "user:group"` or `"user"` (the group of the same name), names only. */
function readProcessIdentity(t: TableReader): ProcessIdentity | undefined {
  const v = t.optionalString("identity");
  if (v === undefined) return undefined;
  const [user = "", group = user, ...rest] = v.split(":");
  const name = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;
  if (rest.length > 0 || !name.test(user) || !name.test(group)) {
    throw t.invalid("identity", `expected "user:group" or "user" (names), got ${describe(v)}`);
  }
  return { user, group };
}
