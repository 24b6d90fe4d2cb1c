// Command line: what to do, from argv (node:util parseArgs). Pure, so it is unit-tested.
import { parseArgs } from "node:util";
import { DEFAULT_CONFIG_PATH } from "../config/defaults.js";
import type { LogLevel, LogTarget } from "../config/schema.js";
import { parseLogLevel } from "../config/sections.js";
import { DEFAULT_EMBEDDED_DIR } from "./embedded.js";

/** Command-line settings that override the configuration file. */
export interface Overrides {
  readonly logLevel?: LogLevel;
  readonly logTarget?: LogTarget;
  /** `-d`: accepted like `daemon.daemonize = true` (a warning; the relay stays in front). */
  readonly daemonize?: true;
}

/** What the command line asks for. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "ttlv"; readonly args: readonly string[] }
  | { readonly kind: "check-config"; readonly configPath: string }
  | { readonly kind: "run"; readonly configPath: string; readonly overrides: Overrides }
  | {
      readonly kind: "embedded";
      readonly dir: string;
      readonly port: number | undefined;
      readonly overrides: Overrides;
    };

/** A command line that makes no sense; the message is one line. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const USAGE = `Usage:
  kmip2pkcs11 [-c FILE] [--log-level LEVEL] [-l TARGET]   run the relay (foreground)
  kmip2pkcs11 --check-config [-c FILE]                     validate the configuration
  kmip2pkcs11 --embedded [DIR] [--port N]                  run on a SoftHSM2 token in DIR
  kmip2pkcs11 ttlv ...                                     TTLV tools (kmip2pkcs11 ttlv --help)

Options:
  -c, --config FILE     configuration file (default ${DEFAULT_CONFIG_PATH})
      --check-config    validate the configuration and exit (0: valid)
      --log-level LEVEL trace, debug, info, warning or error (overrides daemon.log-level)
  -l, --log TARGET      stderr, syslog or file:PATH (overrides daemon.log-target)
  -d, --daemonize       accepted for compatibility; the relay stays in the foreground
      --embedded [DIR]  no configuration file: create/reuse a SoftHSM2 token in DIR
                        (default ${DEFAULT_EMBEDDED_DIR}), listen on 127.0.0.1
      --port N          port for --embedded (default 5696, 0: any free port)
  -V, --version         print the version
  -h, --help            print this help
`;

const OPTIONS = {
  config: { type: "string", short: "c" },
  "check-config": { type: "boolean" },
  "log-level": { type: "string" },
  log: { type: "string", short: "l" },
  daemonize: { type: "boolean", short: "d" },
  embedded: { type: "boolean" },
  port: { type: "string" },
  version: { type: "boolean", short: "V" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses the arguments after `node main.js`. */
export function parseCommandLine(argv: readonly string[]): Command {
  if (argv[0] === "ttlv") return { kind: "ttlv", args: argv.slice(1) };
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    throw new UsageError((err as Error).message.split("\n")[0] ?? "invalid arguments");
  }
  const { values: v, positionals } = parsed;
  if (v.help) return { kind: "help" };
  if (v.version) return { kind: "version" };
  const overrides = {
    ...readOverrides(v["log-level"], v.log),
    ...(v.daemonize ? { daemonize: true as const } : {}),
  };
  if (v.embedded) return embeddedCommand(v, positionals, overrides);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (v.port !== undefined) throw new UsageError("--port goes with --embedded");
  const configPath = v.config ?? DEFAULT_CONFIG_PATH;
  if (v["check-config"]) return { kind: "check-config", configPath };
  return { kind: "run", configPath, overrides };
}

function parseOptions(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

function embeddedCommand(
  v: ReturnType<typeof parseOptions>["values"],
  positionals: string[],
  overrides: Overrides,
): Command {
  if (v.config !== undefined) throw new UsageError("--embedded takes no configuration file");
  if (v["check-config"]) throw new UsageError("--embedded has no configuration to check");
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
  const port = v.port === undefined ? undefined : parsePort(v.port);
  return { kind: "embedded", dir: positionals[0] ?? DEFAULT_EMBEDDED_DIR, port, overrides };
}

function parsePort(text: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0 && n <= 65535)) throw new UsageError(`--port: expected 0 to 65535, got ${text}`);
  return n;
}

function readOverrides(level: string | undefined, target: string | undefined): Overrides {
  const out: { logLevel?: LogLevel; logTarget?: LogTarget } = {};
  if (level !== undefined) {
    const parsed = parseLogLevel(level);
    if (parsed === undefined) {
      throw new UsageError(
        `--log-level: expected trace, debug, info, warning or error, got ${level}`,
      );
    }
    out.logLevel = parsed;
  }
  if (target !== undefined) out.logTarget = parseLogTarget(target);
  return out;
}

/** `-l`: "stderr", "syslog" or "file:PATH", as the incumbent's command line takes it. */
function parseLogTarget(text: string): LogTarget {
  if (text === "stderr" || text === "syslog") return { type: text };
  if (text.startsWith("file:") && text.length > "file:".length) {
    return { type: "file", path: text.slice("file:".length) };
  }
  throw new UsageError(`--log: expected stderr, syslog or file:PATH, got ${text}`);
}
