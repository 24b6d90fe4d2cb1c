/**
 * systemd socket activation: the relay serves the listening socket it is passed as fd 3
 * (LISTEN_FDS / LISTEN_PID), instead of binding `[server] addr`, as the incumbent does. A
 * small Python wrapper plays systemd: it binds a socket, puts it on fd 3, sets the variables
 * and execs the relay (same process, so LISTEN_PID matches).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureCliBuilt } from "./cli-helpers.js";
import { killStarted, listeningAddress, type Started, start, waitFor } from "./cli-process.js";

/** Binds 127.0.0.1:0, prints the port, moves the socket to fd 3, execs argv[1:]. */
const SYSTEMD_LIKE = `
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = sys.argv[1] if sys.argv[1] != "self" else str(os.getpid())
os.execv(sys.argv[2], sys.argv[2:])
`;

let dir: string;
beforeAll(async () => {
  ensureCliBuilt();
  dir = await mkdtemp(join(tmpdir(), "k2p-socket-activation-"));
});
afterAll(async () => {
  killStarted();
  await rm(dir, { recursive: true, force: true });
});

function startActivated(listenPid: string, embedded: string): Started {
  return start(["--embedded", join(dir, embedded), "--port", "0"], {
    file: "/usr/bin/python3",
    args: ["-c", SYSTEMD_LIKE, listenPid],
  });
}

function handshake(port: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const version = socket.getProtocol() ?? undefined;
      socket.destroy();
      resolve(version);
    });
    socket.on("error", reject);
  });
}

describe("socket activation (LISTEN_FDS)", () => {
  it("serves the passed socket, says so, and exits 0 on SIGTERM", async () => {
    const s = startActivated("self", "activated");
    await waitFor(s, () => s.stderr.includes('"msg":"listening on '), "listening");
    const passedPort = Number(s.stdout.split("\n")[0]);
    expect(passedPort).toBeGreaterThan(0);
    expect(listeningAddress(s.stderr).port).toBe(passedPort);
    expect(s.stderr).toContain('"socket":"passed by the service manager"');
    expect(await handshake(passedPort)).toMatch(/^TLSv1\.[23]$/);
    s.child.kill("SIGTERM");
    expect(await s.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it("ignores sockets meant for another process (LISTEN_PID) and binds its own address", async () => {
    const s = startActivated("1", "not-ours");
    await waitFor(s, () => s.stderr.includes('"msg":"listening on '), "listening");
    const passedPort = Number(s.stdout.split("\n")[0]);
    expect(listeningAddress(s.stderr).port).not.toBe(passedPort);
    expect(s.stderr).not.toContain("passed by the service manager");
    s.child.kill("SIGTERM");
    expect(await s.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
