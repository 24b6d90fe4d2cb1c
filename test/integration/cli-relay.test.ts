// The whole relay started by the CLI as a child process: embedded mode and a configuration
// file; both must print/log `listening`, accept TLS, and exit 0 on SIGTERM/SIGINT.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareEmbeddedToken } from "../../src/cli/embedded.js";
import { CLI_MAIN, ensureCliBuilt } from "./cli-helpers.js";
import { killStarted, listeningAddress, start, tlsFingerprint, waitFor } from "./cli-process.js";

let dir: string;
beforeAll(async () => {
  ensureCliBuilt();
  dir = await mkdtemp(join(tmpdir(), "k2p-cli-relay-"));
});
afterAll(async () => {
  killStarted();
  await rm(dir, { recursive: true, force: true });
});

describe("kmip2pkcs11 --embedded DIR --port 0", () => {
  it("prints the connection details, serves TLS, exits 0 on SIGTERM, and reuses token and certificate", async () => {
    const emb = join(dir, "embedded");
    const fingerprints: string[] = [];
    for (let run = 0; run < 2; run++) {
      const s = start(["--embedded", emb, "--port", "0"]);
      await waitFor(s, () => s.stderr.includes('"msg":"listening on '), "listening");
      await waitFor(s, () => s.stdout.includes("Stop with Ctrl-C."), "connection details");
      const { port } = listeningAddress(s.stderr);
      const certPath = join(emb, "self-signed-cert.pem");
      expect(s.stdout).toContain(`127.0.0.1:${port}`);
      expect(s.stdout).toContain(certPath);
      expect(s.stdout).toMatch(/KMIP Username: +kmip2pkcs11/);
      expect(s.stdout).toContain(join(emb, "user-pin"));
      const pin = (await readFile(join(emb, "user-pin"), "utf8")).trim();
      expect(s.stdout).not.toContain(pin);
      expect(s.stderr).not.toContain(pin);

      const printed = /SHA-256: +([0-9A-F:]+)/.exec(s.stdout)?.[1];
      expect(await tlsFingerprint(port, await readFile(certPath))).toBe(printed);
      fingerprints.push(printed ?? "");

      s.child.kill("SIGTERM");
      expect(await s.exited).toEqual({ code: 0, signal: null });
      expect(s.stderr).toContain('"msg":"stopped"');
    }
    expect(fingerprints[1]).toBe(fingerprints[0]);
  });
});

describe("SIGHUP", () => {
  it("reloads the certificate and key: new connections get the new one, open ones stay", async () => {
    const emb = join(dir, "embedded-reload");
    const s = start(["--embedded", emb, "--port", "0"]);
    await waitFor(s, () => s.stderr.includes('"msg":"listening on '), "listening");
    const { port } = listeningAddress(s.stderr);
    const certPath = join(emb, "self-signed-cert.pem");
    const open = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () =>
        resolve(socket),
      );
      socket.on("error", reject);
    });
    let openClosed = false;
    open.on("close", () => {
      openClosed = true;
    });
    // A new pair in place of the stored self-signed one.
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        .concat(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-days", "1"])
        .concat(["-keyout", join(emb, "self-signed-key.pem"), "-out", certPath]),
      { stdio: "ignore" },
    );
    const expected = new crypto.X509Certificate(await readFile(certPath)).fingerprint256;
    s.child.kill("SIGHUP");
    await waitFor(s, () => s.stderr.includes("TLS identity reloaded"), "reload");
    expect(s.stderr).toContain(expected);
    expect(await tlsFingerprint(port, await readFile(certPath))).toBe(expected);
    expect(openClosed).toBe(false);
    open.destroy();
    s.child.kill("SIGTERM");
    expect(await s.exited).toEqual({ code: 0, signal: null });
  });
});

/** A configuration: the token, 1 worker, any free port, `stateDir`, then `daemon` lines. */
function relayToml(
  token: { libPath: string; softhsmConf: string },
  stateDir: string,
  daemon: readonly string[],
): string {
  return [
    'version = "v1"',
    "[pkcs11]",
    `lib-path = "${token.libPath}"`,
    "workers = 1",
    `env = { SOFTHSM2_CONF = "${token.softhsmConf}" }`,
    "[server]",
    'addr = "127.0.0.1:0"',
    `state-dir = "${stateDir}"`,
    "[daemon]",
    ...daemon,
    "",
  ].join("\n");
}

describe("kmip2pkcs11 -c FILE", () => {
  it("runs from a configuration file, keeps a pid file, and exits 0 on SIGINT", async () => {
    const token = await prepareEmbeddedToken(join(dir, "token"));
    const pidFile = join(dir, "relay.pid");
    const config = join(dir, "relay.toml");
    await writeFile(
      config,
      relayToml(token, join(dir, "state"), ['log-level = "debug"', `pid-file = "${pidFile}"`]),
    );
    const s = start(["-c", config, "--log-level", "info"]);
    await waitFor(s, () => s.stderr.includes('"msg":"listening on '), "listening");
    expect(s.stderr).not.toContain('"level":"debug"'); // --log-level overrides the file
    expect((await readFile(pidFile, "utf8")).trim()).toBe(String(s.child.pid));
    const { port } = listeningAddress(s.stderr);
    const cert = await readFile(join(dir, "state", "self-signed-cert.pem"));
    expect(await tlsFingerprint(port, cert)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    s.child.kill("SIGINT");
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(pidFile)).toBe(false);
  });
});

/** True when `user` can read `path` (every directory on the way included). */
function readableBy(user: string, path: string): boolean {
  try {
    execFileSync("runuser", ["-u", user, "--", "test", "-r", path], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The real user id of a process (Linux /proc). */
async function uidOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
}

/** Direct children of a process (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

describe("[daemon] identity", () => {
  it("switches the relay and its PKCS#11 workers to the user (as root), or says it needs root", async () => {
    const home = join(dir, "as-nobody");
    await mkdir(home);
    const token = await prepareEmbeddedToken(join(home, "token"));
    const config = join(home, "relay.toml");
    await writeFile(config, relayToml(token, join(home, "state"), ['identity = "nobody:nogroup"']));
    const nobody = Number(execFileSync("id", ["-u", "nobody"]).toString().trim());
    if (process.getuid?.() !== 0) {
      const s = start(["-c", config]);
      expect(await s.exited).toMatchObject({ code: 1 });
      expect(s.stderr).toContain("daemon.identity nobody:nogroup: switching user needs root");
      return;
    }
    // As root: nobody must be able to reach the token store and the state directory.
    await chmod(dir, 0o711);
    await chmod(home, 0o711);
    execFileSync("chown", ["-R", "nobody:nogroup", join(home, "token")]);
    await mkdir(join(home, "state"), { mode: 0o700 });
    await chown(join(home, "state"), nobody, nobody);
    const s = start(["-c", config]);
    if (!readableBy("nobody", CLI_MAIN)) {
      // A clone under a private home directory: once switched, the workers cannot load.
      expect(await s.exited).toMatchObject({ code: 1 });
      expect(s.stderr.trimEnd().split("\n").at(-1)).toMatch(/^kmip2pkcs11: /);
      return;
    }
    await waitFor(s, () => s.stderr.includes('"msg":"listening on '), "listening");
    const pid = s.child.pid ?? 0;
    expect(await uidOf(pid)).toBe(nobody);
    const workers = await childrenOf(pid);
    expect(workers.length).toBeGreaterThanOrEqual(1);
    for (const w of workers) expect(await uidOf(w)).toBe(nobody);
    s.child.kill("SIGTERM");
    expect(await s.exited).toEqual({ code: 0, signal: null });
  });
});
