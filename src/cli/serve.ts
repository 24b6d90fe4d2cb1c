// Running the relay in the foreground until SIGTERM or SIGINT: daemon settings, start,
// a `listening` log line, then an orderly close on the first signal (a second one exits
// at once). SIGHUP reloads the TLS certificate and key (open connections are kept).
import { formatHostPort } from "../config/addr.js";
import type { RelayConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import { takeListenFds } from "../server/listen-fds.js";
import { type RunningRelay, startRelay } from "../server/relay.js";
import { applyDaemonSettings, type DaemonState } from "./daemon.js";

const STOP_SIGNALS = ["SIGTERM", "SIGINT"] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];
/** Exit status after a second signal: 128 + the signal's number, as shells report it. */
const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Starts the relay, calls `onListening` once it accepts connections, and resolves with the
 * exit status once a stop signal has closed it (0) or closing failed (1).
 */
export async function serve(
  config: RelayConfig,
  logger: Logger,
  onListening: (relay: RunningRelay) => void = () => {},
): Promise<number> {
  const stop = waitForStopSignal(logger);
  // Installed before the start so that an early SIGHUP does not kill the process (its default).
  let running: RunningRelay | undefined;
  const reload = (): void => {
    if (running === undefined) logger.warn("SIGHUP before the relay started: ignored");
    else {
      logger.info({ signal: "SIGHUP" }, "reloading the TLS certificate and key");
      void running.reloadIdentity();
    }
  };
  process.on("SIGHUP", reload);
  let daemon: DaemonState | undefined;
  try {
    daemon = applyDaemonSettings(config.daemon, logger);
    const listenFd = passedSocket(logger);
    const relay = await startRelay({
      config,
      logger,
      ...(listenFd === undefined ? {} : { listenFd }),
    });
    running = relay;
    const address = formatHostPort(relay.address.address, relay.address.port);
    const passed = listenFd === undefined ? {} : { socket: "passed by the service manager" };
    logger.info({ address, ...passed }, `listening on ${address}`);
    onListening(relay);
    const signal = await stop.signal;
    logger.info({ signal }, "stopping: closing connections and PKCS#11 workers");
    await relay.close();
    logger.info("stopped");
    return 0;
  } finally {
    process.off("SIGHUP", reload);
    stop.dispose();
    daemon?.cleanup();
  }
}

/**
 * The listening socket systemd passed (socket activation, LISTEN_FDS), if any: served instead
 * of `[server] addr`, as the incumbent does. Bad variables are an error, not silently ignored.
 */
function passedSocket(logger: Logger): number | undefined {
  const passed = takeListenFds(process.env, process.pid);
  if (passed.kind === "none") return undefined;
  if (passed.kind === "invalid") throw new Error(`socket activation: ${passed.reason}`);
  if (passed.count > 1) {
    logger.warn({ sockets: passed.count }, "socket activation: serving the first socket only");
  }
  return passed.fd;
}

/** The first stop signal; any later one exits the process at once. */
function waitForStopSignal(logger: Logger): { signal: Promise<StopSignal>; dispose(): void } {
  let received: StopSignal | undefined;
  let resolveSignal: (s: StopSignal) => void = () => {};
  const signal = new Promise<StopSignal>((resolve) => {
    resolveSignal = resolve;
  });
  const handler = (s: StopSignal) => {
    if (received !== undefined) {
      logger.warn({ signal: s }, "second signal: exiting at once");
      process.exit(SIGNAL_EXIT[s]);
    }
    received = s;
    resolveSignal(s);
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return {
    signal,
    dispose: () => {
      for (const s of STOP_SIGNALS) process.off(s, handler);
    },
  };
}
