import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../../src/cli/args.js";

function usageError(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error("expected a UsageError");
}

describe("parseCommandLine", () => {
  it("runs /etc/kmip2pkcs11/config.toml by default, like the incumbent", () => {
    expect(parseCommandLine([])).toEqual({
      kind: "run",
      configPath: "/etc/kmip2pkcs11/config.toml",
      overrides: {},
    });
  });

  it.each([[["-c", "/x.toml"]], [["--config", "/x.toml"]], [["--config=/x.toml"]]])(
    "takes the configuration file from %j",
    (argv) => {
      expect(parseCommandLine(argv)).toMatchObject({ kind: "run", configPath: "/x.toml" });
    },
  );

  it("reads --check-config", () => {
    expect(parseCommandLine(["--check-config", "-c", "a.toml"])).toEqual({
      kind: "check-config",
      configPath: "a.toml",
    });
  });

  it("reads the log overrides in the incumbent's forms", () => {
    expect(
      parseCommandLine(["-c", "a", "--log-level", "warning", "-l", "file:/var/log/k.log"]),
    ).toEqual({
      kind: "run",
      configPath: "a",
      overrides: { logLevel: "warning", logTarget: { type: "file", path: "/var/log/k.log" } },
    });
    expect(parseCommandLine(["--log", "syslog", "-d"])).toMatchObject({
      overrides: { logTarget: { type: "syslog" }, daemonize: true },
    });
  });

  it.each([
    [["--version"], "version"],
    [["-V"], "version"],
    [["-h"], "help"],
    [["--help", "-c", "x"], "help"],
  ])("%j -> %s", (argv, kind) => {
    expect(parseCommandLine(argv).kind).toBe(kind);
  });

  it("hands everything after ttlv to the ttlv command", () => {
    expect(parseCommandLine(["ttlv", "decode", "--json"])).toEqual({
      kind: "ttlv",
      args: ["decode", "--json"],
    });
  });

  it("reads --embedded with and without DIR and --port", () => {
    expect(parseCommandLine(["--embedded"])).toEqual({
      kind: "embedded",
      dir: "./.kmip2pkcs11",
      port: undefined,
      overrides: {},
    });
    expect(parseCommandLine(["--embedded", "/tmp/k", "--port", "0"])).toMatchObject({
      kind: "embedded",
      dir: "/tmp/k",
      port: 0,
    });
    expect(parseCommandLine(["--port", "15696", "--embedded", "d"])).toMatchObject({ port: 15696 });
  });

  it.each([
    [["--bogus"], /Unknown option '--bogus'/],
    [
      ["--log-level", "warn"],
      /--log-level: expected trace, debug, info, warning or error, got warn/,
    ],
    [["-l", "stdout"], /--log: expected stderr, syslog or file:PATH, got stdout/],
    [["-l", "file:"], /--log: expected/],
    [["stray"], /unexpected argument stray/],
    [["--port", "1"], /--port goes with --embedded/],
    [["--embedded", "--port", "70000"], /--port: expected 0 to 65535, got 70000/],
    [["--embedded", "--port", "-1"], /--port/],
    [["--embedded", "a", "b"], /unexpected argument b/],
    [["--embedded", "-c", "x"], /--embedded takes no configuration file/],
    [["-c"], /argument missing/],
  ])("rejects %j", (argv, why) => {
    const message = usageError(argv);
    expect(message).toMatch(why);
    expect(message).not.toContain("\n");
  });
});
