/**
 * systemd socket activation (sd_listen_fds(3)), as the incumbent relay does it: when the
 * service manager passes listening sockets, LISTEN_FDS holds their count (they start at file
 * descriptor 3) and LISTEN_PID the process they are meant for. The relay then serves the
 * first one instead of binding `[server] addr`.
 */

/** The first file descriptor a service manager passes (SD_LISTEN_FDS_START). */
const LISTEN_FDS_START = 3;

/** The variables of the protocol; removed once read, so the PKCS#11 workers never see them. */
const VARIABLES = ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"] as const;

/** What the environment says about passed sockets. */
export type ListenFds =
  | { readonly kind: "none" }
  | { readonly kind: "socket"; readonly fd: number; readonly count: number }
  | { readonly kind: "invalid"; readonly reason: string };

/**
 * Reads (and removes from `env`) the socket-activation variables. LISTEN_PID, when set, must
 * be `pid` (else the sockets were meant for another process, e.g. a parent shell: none).
 */
export function takeListenFds(env: NodeJS.ProcessEnv, pid: number): ListenFds {
  const count = env.LISTEN_FDS;
  const target = env.LISTEN_PID;
  for (const name of VARIABLES) delete env[name];
  if (count === undefined) return { kind: "none" };
  if (target !== undefined && target !== String(pid)) return { kind: "none" };
  if (!/^[0-9]{1,4}$/.test(count)) {
    return { kind: "invalid", reason: `LISTEN_FDS is not a count of sockets: "${count}"` };
  }
  const n = Number(count);
  if (n === 0) return { kind: "none" };
  return { kind: "socket", fd: LISTEN_FDS_START, count: n };
}
