#!/usr/bin/env node
// kmip2pkcs11: the command-line entry point (package.json "bin"). Errors end the process
// with one line on stderr and a non-zero status, never a stack trace.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../config/load.js";
import type { RelayConfig } from "../config/schema.js";
import { createLogger, type Logger } from "../log.js";
import { PRODUCT_NAME, PRODUCT_VERSION } from "../server/product.js";
import { type Command, type Overrides, parseCommandLine, USAGE, UsageError } from "./args.js";
import { connectionDetails, embeddedConfig, prepareEmbeddedToken } from "./embedded.js";
import { serve } from "./serve.js";

/** The process's standard streams (replaceable in tests). */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Exit status of a usage error (as the incumbent's clap and most Unix tools use). */
const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;

/** Runs the command line `argv` (without `node main.js`); resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let logger: Logger | undefined;
  try {
    const command = parseCommandLine(argv);
    return await execute(command, io, (l) => {
      logger = l;
    });
  } catch (err) {
    const message = oneLine(err);
    logger?.error({ error: message }, "cannot run");
    io.stderr.write(`${PRODUCT_NAME}: ${message}\n`);
    if (err instanceof UsageError) io.stderr.write(`Try '${PRODUCT_NAME} --help'.\n`);
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
}

async function execute(
  command: Command,
  io: CliIo,
  setLogger: (l: Logger) => void,
): Promise<number> {
  switch (command.kind) {
    case "help":
      io.stdout.write(USAGE);
      return 0;
    case "version":
      io.stdout.write(`${PRODUCT_NAME} ${PRODUCT_VERSION}\n`);
      return 0;
    case "ttlv": {
      const { runTtlvCommand } = await import("./ttlv.js");
      return runTtlvCommand([...command.args], io);
    }
    case "check-config":
      await loadConfig(command.configPath);
      io.stdout.write(`${command.configPath}: valid\n`);
      return 0;
    case "run": {
      const config = withOverrides(await loadConfig(command.configPath), command.overrides);
      const logger = loggerFor(config, setLogger);
      logger.info({ version: PRODUCT_VERSION, config: command.configPath }, "starting");
      return serve(config, logger);
    }
    case "embedded": {
      const token = await prepareEmbeddedToken(command.dir);
      const base = embeddedConfig(
        command.dir,
        token,
        command.port === undefined ? {} : { port: command.port },
      );
      const config = withOverrides(base, command.overrides);
      const logger = loggerFor(config, setLogger);
      logger.info({ version: PRODUCT_VERSION, dir: config.server.stateDir }, "starting (embedded)");
      return serve(config, logger, (relay) => {
        const address = `${relay.address.address}:${relay.address.port}`;
        const fingerprintSha256 = relay.certificateFingerprint;
        io.stdout.write(
          connectionDetails({
            address,
            fingerprintSha256,
            stateDir: config.server.stateDir,
            token,
          }),
        );
      });
    }
  }
}

/**
 * The relay's logger. A fatal error is also logged when logs go to a file; on stderr the
 * one-line message is enough.
 */
function loggerFor(config: RelayConfig, setLogger: (l: Logger) => void): Logger {
  const { logLevel, logTarget } = config.daemon;
  const logger = createLogger({ level: logLevel, target: logTarget });
  if (logTarget.type === "file") setLogger(logger);
  return logger;
}

/** The configuration with the command line's overrides applied. */
export function withOverrides(config: RelayConfig, o: Overrides): RelayConfig {
  return {
    ...config,
    daemon: {
      ...config.daemon,
      ...(o.logLevel === undefined ? {} : { logLevel: o.logLevel }),
      ...(o.logTarget === undefined ? {} : { logTarget: o.logTarget }),
      ...(o.daemonize ? { daemonize: true } : {}),
    },
  };
}

/** The first line of an error's message (no stack trace for operators). */
function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0] ?? message;
}

/** True when this module is the process's entry point (not imported by a test). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const status = await main(process.argv.slice(2), process);
  process.exit(status);
}
