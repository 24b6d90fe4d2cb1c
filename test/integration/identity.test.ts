// loadServerIdentity against real files, and a real TLS handshake with the generated certificate.
import { X509Certificate } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import type { ServerConfig } from "../../src/config/schema.js";
import { createLogger } from "../../src/log.js";
import { IdentityError, loadServerIdentity, selfSignedPaths } from "../../src/server/identity.js";
import { generateSelfSignedIdentity } from "../../src/server/self-signed.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "k2p-identity-"));
  dirs.push(d);
  return d;
}

function serverConfig(extra: string): ServerConfig {
  const text = `version = "v1"\n[pkcs11]\nlib-path = "/x.so"\n[server]\n${extra}`;
  return parseConfig(text, "test.toml").server;
}

function memoryLogger() {
  const lines: string[] = [];
  const logger = createLogger(
    { level: "info", target: { type: "stderr" } },
    { write: (s: string) => void lines.push(s) },
  );
  return { logger, text: () => lines.join("") };
}

describe("loadServerIdentity", () => {
  it("generates a certificate in state-dir once (key mode 0600), then reuses it", async () => {
    const stateDir = join(await tempDir(), "state");
    const cfg = serverConfig(`state-dir = "${stateDir}"\n`);
    const { logger, text } = memoryLogger();
    const first = await loadServerIdentity(cfg, logger);
    const paths = selfSignedPaths(stateDir);
    expect(first.generated).toBe(true);
    expect(first.certPath).toBe(paths.certPath);
    expect((await stat(paths.keyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    expect(await readFile(paths.certPath)).toEqual(first.cert);
    expect(new X509Certificate(first.cert).fingerprint256).toBe(first.fingerprintSha256);
    expect(text()).toContain(`TLS certificate SHA-256 fingerprint ${first.fingerprintSha256}`);

    const second = await loadServerIdentity(cfg, memoryLogger().logger);
    expect(second.fingerprintSha256).toBe(first.fingerprintSha256);
    expect(second.key).toEqual(first.key);
  });

  it("never logs the private key", async () => {
    const { logger, text } = memoryLogger();
    const id = await loadServerIdentity(serverConfig(`state-dir = "${await tempDir()}"\n`), logger);
    const keyBody = id.key.toString().split("\n")[1] ?? "";
    expect(keyBody.length).toBeGreaterThan(20);
    expect(text()).not.toContain(keyBody);
  });

  it("replaces an expired stored certificate", async () => {
    const stateDir = await tempDir();
    const old = generateSelfSignedIdentity(new Date("2000-01-01T00:00:00Z"));
    const paths = selfSignedPaths(stateDir);
    await writeFile(paths.certPath, old.certPem);
    await writeFile(paths.keyPath, old.keyPem, { mode: 0o600 });
    const { logger, text } = memoryLogger();
    const id = await loadServerIdentity(serverConfig(`state-dir = "${stateDir}"\n`), logger);
    expect(id.fingerprintSha256).not.toBe(new X509Certificate(old.certPem).fingerprint256);
    expect(new Date(new X509Certificate(id.cert).validTo).getTime()).toBeGreaterThan(Date.now());
    expect(text()).toContain("expired");
  });

  it("keeps going with an in-memory certificate when state-dir cannot be written", async () => {
    const parent = await tempDir();
    await writeFile(join(parent, "file"), "not a directory");
    const cfg = serverConfig(`state-dir = "${join(parent, "file", "state")}"\n`);
    const { logger, text } = memoryLogger();
    const id = await loadServerIdentity(cfg, logger);
    expect(id.generated).toBe(true);
    expect(id.certPath).toBeUndefined();
    expect(text()).toContain("cannot store the self-signed TLS certificate");
  });

  it("loads configured files and rejects a key of another certificate", async () => {
    const dir = await tempDir();
    const a = generateSelfSignedIdentity(new Date());
    const b = generateSelfSignedIdentity(new Date());
    await writeFile(join(dir, "cert.pem"), a.certPem);
    await writeFile(join(dir, "key.pem"), a.keyPem);
    await writeFile(join(dir, "other-key.pem"), b.keyPem);
    const ok = await loadServerIdentity(
      serverConfig(
        `[server.identity]\ncert-path = "${dir}/cert.pem"\nkey-path = "${dir}/key.pem"\n`,
      ),
      memoryLogger().logger,
    );
    expect(ok.generated).toBe(false);
    expect(ok.fingerprintSha256).toBe(new X509Certificate(a.certPem).fingerprint256);

    const mismatch = loadServerIdentity(
      serverConfig(
        `[server.identity]\ncert-path = "${dir}/cert.pem"\nkey-path = "${dir}/other-key.pem"\n`,
      ),
      memoryLogger().logger,
    );
    await expect(mismatch).rejects.toThrow(IdentityError);
    await expect(mismatch).rejects.toThrow(/other-key\.pem: does not belong to the certificate/);
  });

  it("names a missing or unreadable file", async () => {
    const dir = await tempDir();
    const missing = loadServerIdentity(
      serverConfig(`[server.identity]\ncert-path = "${dir}/nope.pem"\nkey-path = "${dir}/k.pem"\n`),
      memoryLogger().logger,
    );
    await expect(missing).rejects.toThrow(
      `TLS identity ${dir}/nope.pem: cannot read: no such file`,
    );
    await writeFile(join(dir, "garbage.pem"), "hello");
    await writeFile(join(dir, "k.pem"), generateSelfSignedIdentity(new Date()).keyPem);
    await chmod(join(dir, "garbage.pem"), 0o644);
    const garbage = loadServerIdentity(
      serverConfig(
        `[server.identity]\ncert-path = "${dir}/garbage.pem"\nkey-path = "${dir}/k.pem"\n`,
      ),
      memoryLogger().logger,
    );
    await expect(garbage).rejects.toThrow(/garbage\.pem: not a PEM certificate/);
  });

  it("serves TLS that a client trusting the certificate verifies for localhost and 127.0.0.1", async () => {
    const id = await loadServerIdentity(
      serverConfig(`state-dir = "${await tempDir()}"\n`),
      memoryLogger().logger,
    );
    const server = tls.createServer({ cert: id.cert, key: id.key }, (socket) => socket.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const servername of ["localhost", undefined]) {
        const reply = await new Promise<string>((resolve, reject) => {
          const socket = tls.connect(
            { host: "127.0.0.1", port, ca: id.cert, ...(servername ? { servername } : {}) },
            () => {
              expect(socket.authorized).toBe(true);
              expect(socket.getPeerX509Certificate()?.fingerprint256).toBe(id.fingerprintSha256);
            },
          );
          let data = "";
          socket.on("data", (d: Buffer) => (data += d.toString()));
          socket.on("end", () => resolve(data));
          socket.on("error", reject);
        });
        expect(reply).toBe("ok");
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
