// The incumbent's [daemon] settings besides logging: `pid-file`, `identity` (user:group to
// switch to) and `daemonize` (accepted; Node cannot fork, so the relay stays in front).
import { unlinkSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import type { ProcessIdentity, RelayConfig } from "../config/schema.js";
import type { Logger } from "../log.js";

/** A [daemon] setting that cannot be applied; the message is one line. */
export class DaemonError extends Error {
  override readonly name = "DaemonError";
}

/** What `applyDaemonSettings` set up, to undo on exit. */
export interface DaemonState {
  /** Removes the pid file, if one was written (errors ignored). */
  cleanup(): void;
}

/**
 * Applies [daemon]: warns about `daemonize`, writes the pid file, then switches user and
 * group. Call before the relay starts, so that its worker processes run as that user too.
 */
export function applyDaemonSettings(daemon: RelayConfig["daemon"], logger: Logger): DaemonState {
  if (daemon.daemonize) {
    logger.warn(
      "daemonize = true is not supported: the relay stays in the foreground " +
        "(run it under a service manager such as systemd)",
    );
  }
  const pidFile = daemon.pidFile;
  if (pidFile !== undefined) writePidFile(pidFile);
  const cleanup = () => {
    if (pidFile !== undefined) removeQuietly(pidFile);
  };
  try {
    if (daemon.identity !== undefined) switchIdentity(daemon.identity, logger);
  } catch (err) {
    cleanup();
    throw err;
  }
  return { cleanup };
}

function writePidFile(path: string): void {
  try {
    writeFileSync(path, `${process.pid}\n`, { mode: 0o644 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DaemonError(`daemon.pid-file ${path}: cannot write: ${code}`);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or no longer ours to remove after the identity switch
  }
}

/** setgroups/setgid/setuid to `identity`; nothing to do when already running as that user. */
function switchIdentity(identity: ProcessIdentity, logger: Logger): void {
  if (userInfo().username === identity.user) return;
  if (process.getuid?.() !== 0 || !process.setuid || !process.setgid || !process.setgroups) {
    throw new DaemonError(
      `daemon.identity ${identity.user}:${identity.group}: switching user needs root ` +
        "(or let the service manager do it, e.g. systemd's User=)",
    );
  }
  try {
    process.setgroups([identity.group]); // drop root's supplementary groups
    process.setgid(identity.group);
    process.setuid(identity.user);
  } catch (err) {
    const why = (err as Error).message.split("\n")[0];
    throw new DaemonError(`daemon.identity ${identity.user}:${identity.group}: ${why}`);
  }
  logger.info({ user: identity.user, group: identity.group }, "switched user and group");
}
