// The compiled CLI as an operator runs it, and the embedded SoftHSM2 token preparation.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedError, prepareEmbeddedToken, tokenLabels } from "../../src/cli/embedded.js";
import { parseConfig } from "../../src/config/load.js";
import { ensureCliBuilt, ROOT, runCli } from "./cli-helpers.js";

let dir: string;
beforeAll(async () => {
  ensureCliBuilt();
  dir = await mkdtemp(join(tmpdir(), "k2p-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function configFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("kmip2pkcs11 command line", () => {
  it("-V prints the package version", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    const r = await runCli(["-V"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`kmip2pkcs11 ${pkg.version}\n`);
  });

  it("--help lists the options", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const opt of [
      "--config",
      "--check-config",
      "--log-level",
      "--embedded",
      "--port",
      "ttlv",
    ]) {
      expect(r.stdout).toContain(opt);
    }
  });

  it("--check-config accepts a valid file (exit 0)", async () => {
    const path = await configFile(
      "good.toml",
      'version = "v1"\n[pkcs11]\nlib-path = "/usr/lib/softhsm/libsofthsm2.so"\n[server]\naddr = "[::1]:5696"\n',
    );
    const r = await runCli(["--check-config", "-c", path]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it.each([
    [
      "unknown key",
      '[pkcs11]\nlib-path = "x"\nlib_path = "y"\n',
      "unknown key pkcs11.lib_path (did you mean lib-path?)",
    ],
    [
      "bad addr",
      '[pkcs11]\nlib-path = "x"\n[server]\naddr = "localhost"\n',
      'server.addr: expected "host:port"',
    ],
    [
      "bad level",
      '[pkcs11]\nlib-path = "x"\n[daemon]\nlog-level = "loud"\n',
      "daemon.log-level: expected one of",
    ],
    ["missing lib-path", "[pkcs11]\n", "pkcs11.lib-path: missing"],
    ["TOML syntax", "[pkcs11\n", "invalid TOML at line"],
  ])("--check-config rejects %s with one line naming the key", async (name, body, expected) => {
    const path = await configFile(`${name.replace(/ /g, "-")}.toml`, `version = "v1"\n${body}`);
    const r = await runCli(["--check-config", "-c", path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`kmip2pkcs11: ${path}: `);
    expect(r.stderr).toContain(expected);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("names a missing configuration file", async () => {
    const r = await runCli(["-c", join(dir, "nope.toml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `kmip2pkcs11: ${join(dir, "nope.toml")}: cannot read the configuration file: no such file\n`,
    );
  });

  it("ends a failed start with one line naming the cause, exit 1, no stack trace", async () => {
    const path = await configFile(
      "nolib.toml",
      [
        'version = "v1"',
        "[pkcs11]",
        'lib-path = "/nonexistent/libpkcs11.so"',
        "workers = 1",
        "[server]",
        'addr = "127.0.0.1:0"',
        `state-dir = "${join(dir, "nolib-state")}"`,
        "",
      ].join("\n"),
    );
    const r = await runCli(["-c", path]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/^kmip2pkcs11: .*\/nonexistent\/libpkcs11\.so/);
    expect(lines.filter((l) => l.startsWith("kmip2pkcs11: "))).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain("listening");
  });

  it("exits 2 on a usage error, without a stack trace", async () => {
    const r = await runCli(["--frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kmip2pkcs11: Unknown option '--frobnicate'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("hands `ttlv` to the TTLV tool", async () => {
    const r = await runCli(["ttlv"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("usage: kmip2pkcs11 ttlv");
  });
});

describe("kmip2pkcs11.toml.example", () => {
  const examplePath = join(ROOT, "kmip2pkcs11.toml.example");
  /** Keys whose commented line is an example value, not the default. */
  const NOT_DEFAULTS = [
    "workers",
    "env",
    "client-ca-path",
    "cert-path",
    "key-path",
    "pid-file",
    "identity",
  ];

  it("passes --check-config", async () => {
    const r = await runCli(["--check-config", "-c", examplePath]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("shows the real default on every commented '#key = value' line", async () => {
    const text = await readFile(examplePath, "utf8");
    const uncommented = text
      .split("\n")
      .map((line) => {
        const m = /^#([a-z-]+) = /.exec(line);
        return m !== null && !NOT_DEFAULTS.includes(m[1] ?? "") ? line.slice(1) : line;
      })
      .join("\n");
    expect(uncommented).not.toBe(text);
    const withDefaults = parseConfig(uncommented, "example");
    const bare = parseConfig(text, "example");
    expect(withDefaults).toEqual(bare);
    expect(withDefaults.server.stateDir).toBe("/var/lib/kmip2pkcs11");
  });

  it("mentions every key docs/configuration.md documents", async () => {
    const text = await readFile(examplePath, "utf8");
    const keys = documentedKeys(await readFile(join(ROOT, "docs/configuration.md"), "utf8"));
    expect(keys).toContain("max-connections");
    expect(keys).toContain("token-label");
    // "#key = value" shows a default, "# key = value" an example value.
    const missing = keys.filter((key) => !new RegExp(`^(# ?)?${key} = `, "m").test(text));
    expect(missing).toEqual([]);
  });
});

/**
 * The configuration keys docs/configuration.md documents: the names in the first cell of its
 * key tables' rows (`cn` / `san` / `spki-sha256` is one row), and the `key` column of its
 * Bounds table (`[pkcs11] call-timeout-ms` counts as call-timeout-ms).
 */
function documentedKeys(markdown: string): string[] {
  const keys = new Set<string>();
  const name = /`(?:\[[a-z0-9.-]+\] )?([a-z][a-z0-9-]*)`/g;
  for (const line of markdown.split("\n")) {
    const [, first = "", second = ""] = line.split("|").map((cell) => cell.trim());
    if (first.startsWith("`")) for (const m of first.matchAll(name)) keys.add(m[1] ?? "");
    if (/^`[^`]+`$/.test(second)) for (const m of second.matchAll(name)) keys.add(m[1] ?? "");
  }
  keys.delete("");
  return [...keys];
}

describe("prepareEmbeddedToken", () => {
  const showSlots = (conf: string) =>
    execFileSync("softhsm2-util", ["--show-slots"], {
      env: { ...process.env, SOFTHSM2_CONF: conf },
    }).toString();

  it("creates a SoftHSM2 token once and reuses it on the next call", async () => {
    const emb = join(dir, "embedded");
    const first = await prepareEmbeddedToken(emb);
    expect(first).toEqual({
      libPath: "/usr/lib/softhsm/libsofthsm2.so",
      softhsmConf: join(emb, "softhsm2.conf"),
      tokenLabel: "kmip2pkcs11",
      pinFile: join(emb, "user-pin"),
    });
    expect(tokenLabels(showSlots(first.softhsmConf))).toContain("kmip2pkcs11");
    expect((await stat(first.pinFile)).mode & 0o777).toBe(0o600);
    const pin = (await readFile(first.pinFile, "utf8")).trim();
    expect(pin).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await readFile(first.softhsmConf, "utf8")).toContain(
      `directories.tokendir = ${join(emb, "tokens")}`,
    );

    const second = await prepareEmbeddedToken(emb);
    expect(second).toEqual(first);
    expect((await readFile(second.pinFile, "utf8")).trim()).toBe(pin);
    const labels = tokenLabels(showSlots(second.softhsmConf)).filter((l) => l === "kmip2pkcs11");
    expect(labels).toHaveLength(1);
  });

  it("accepts a relative DIR and stores absolute paths", async () => {
    const rel = join(dir, "rel");
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      const token = await prepareEmbeddedToken("rel");
      expect(token.softhsmConf).toBe(join(rel, "softhsm2.conf"));
    } finally {
      process.chdir(cwd);
    }
  });

  it("refuses to guess when the token exists but its PIN file is gone", async () => {
    const emb = join(dir, "lost-pin");
    const token = await prepareEmbeddedToken(emb);
    await unlink(token.pinFile);
    await expect(prepareEmbeddedToken(emb)).rejects.toThrow(EmbeddedError);
    await expect(prepareEmbeddedToken(emb)).rejects.toThrow(
      /user-pin is missing: delete .* to start over/,
    );
  });
});
