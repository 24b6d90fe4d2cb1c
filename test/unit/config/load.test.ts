import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { DEFAULT_TLS_CIPHERS } from "../../../src/config/defaults.js";
import { ConfigError, holdsPin, parseConfig } from "../../../src/config/load.js";

const MINIMAL = `version = "v1"
[pkcs11]
lib-path = "/usr/lib/softhsm/libsofthsm2.so"
`;

/** The ConfigError that parsing `text` throws (fails the test when none is thrown). */
function errorOf(text: string): ConfigError {
  try {
    parseConfig(text, "test.toml");
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig: valid files", () => {
  it("fills in every default for the minimal file", () => {
    const cfg = parseConfig(MINIMAL, "test.toml");
    expect(cfg).toEqual({
      pkcs11: {
        libPath: "/usr/lib/softhsm/libsofthsm2.so",
        workers: availableParallelism(),
        callTimeoutMs: 10_000,
        workerNice: 5,
        env: {},
        allowRsa1024: false,
        newKeyState: "active",
      },
      server: {
        host: "127.0.0.1",
        port: 5696,
        idleTimeoutMs: 300_000,
        requestReadTimeoutMs: 30_000,
        maxMessageBytes: 1_048_576,
        maxDepth: 32,
        maxConnections: 1024,
        maxBatchItems: 1000,
        maxResponseBytes: 8 * 1024 * 1024,
        maxConnectionsPerAddress: 0,
        maxInFlightPerConnection: 64,
        tlsHandshakeTimeoutMs: 10_000,
        maxRngBytes: 65_536,
        tlsMinVersion: "1.2",
        tlsCiphers: DEFAULT_TLS_CIPHERS,
        stateDir: "/var/lib/kmip2pkcs11",
      },
      daemon: { logLevel: "info", logTarget: { type: "stderr" }, daemonize: false },
    });
    expect(cfg.server.identity).toBeUndefined();
  });

  it("reads every key", () => {
    const cfg = parseConfig(
      `version = "v1"
[pkcs11]
lib-path = "/opt/hsm/lib.so"
workers = 3
call-timeout-ms = 2500
worker-nice = 0
env = { SOFTHSM2_CONF = "/etc/softhsm2.conf", VENDOR_DEBUG = "1" }
allow-rsa-1024 = true
new-key-state = "pre-active"
[server]
addr = "0.0.0.0:15696"
client-ca-path = "/etc/kmip2pkcs11/clients.pem"
idle-timeout-ms = 0
request-read-timeout-ms = 5000
max-message-bytes = 65536
max-depth = 8
max-connections = 10
max-batch-items = 50
max-response-bytes = 65536
max-connections-per-address = 4
max-in-flight-per-connection = 8
tls-handshake-timeout-ms = 2000
max-rng-bytes = 4096
tls-min-version = "1.3"
tls-ciphers = ["TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA256"]
state-dir = "/tmp/state"
[server.identity]
cert-path = "/etc/kmip2pkcs11/cert.pem"
key-path = "/etc/kmip2pkcs11/key.pem"
[daemon]
log-level = "warning"
log-target = { type = "file", path = "/var/log/kmip2pkcs11.log" }
daemonize = true
pid-file = "/run/kmip2pkcs11.pid"
identity = "relay:hsm"
`,
      "test.toml",
    );
    expect(cfg.pkcs11).toEqual({
      libPath: "/opt/hsm/lib.so",
      workers: 3,
      callTimeoutMs: 2500,
      workerNice: 0,
      env: { SOFTHSM2_CONF: "/etc/softhsm2.conf", VENDOR_DEBUG: "1" },
      allowRsa1024: true,
      newKeyState: "pre-active",
    });
    expect(cfg.server).toEqual({
      host: "0.0.0.0",
      port: 15696,
      identity: { certPath: "/etc/kmip2pkcs11/cert.pem", keyPath: "/etc/kmip2pkcs11/key.pem" },
      clientCaPath: "/etc/kmip2pkcs11/clients.pem",
      idleTimeoutMs: 0,
      requestReadTimeoutMs: 5000,
      maxMessageBytes: 65536,
      maxDepth: 8,
      maxConnections: 10,
      maxBatchItems: 50,
      maxResponseBytes: 65536,
      maxConnectionsPerAddress: 4,
      maxInFlightPerConnection: 8,
      tlsHandshakeTimeoutMs: 2000,
      maxRngBytes: 4096,
      tlsMinVersion: "1.3",
      tlsCiphers: ["TLS_AES_256_GCM_SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA256"],
      stateDir: "/tmp/state",
    });
    expect(cfg.daemon).toEqual({
      logLevel: "warning",
      logTarget: { type: "file", path: "/var/log/kmip2pkcs11.log" },
      daemonize: true,
      pidFile: "/run/kmip2pkcs11.pid",
      identity: { user: "relay", group: "hsm" },
    });
  });

  it("accepts the incumbent's packaged system-service file", () => {
    const cfg = parseConfig(
      `version = "v1"
[pkcs11]
lib-path = "/path/to/your/pkcs11.so"
[daemon]
log-level = "info"
log-target = { type = "syslog" }
daemonize = true
`,
      "config.toml",
    );
    expect(cfg.daemon.logTarget).toEqual({ type: "syslog" });
  });

  it("takes a lone identity name as both user and group", () => {
    const cfg = parseConfig(`${MINIMAL}[daemon]\nidentity = "kmip"\n`, "t");
    expect(cfg.daemon.identity).toEqual({ user: "kmip", group: "kmip" });
  });
});

describe("parseConfig: server.addr forms", () => {
  const addr = (a: string) => parseConfig(`${MINIMAL}[server]\naddr = "${a}"\n`, "t").server;

  it.each([
    ["127.0.0.1:5696", "127.0.0.1", 5696],
    ["0.0.0.0:1", "0.0.0.0", 1],
    ["[::1]:5696", "::1", 5696],
    ["[::]:0", "::", 0],
    ["[2001:db8::7]:65535", "2001:db8::7", 65535],
    ["localhost:5696", "localhost", 5696],
    ["hsm-relay.example.org:5696", "hsm-relay.example.org", 5696],
  ])("%s", (text, host, port) => {
    expect(addr(text)).toMatchObject({ host, port });
  });

  it.each([
    ["127.0.0.1", /expected "host:port"/],
    ["::1:5696", /IPv6 address needs brackets: "\[::1\]:5696"/],
    ["[127.0.0.1]:5696", /not an IPv6 address/],
    ["127.0.0.1:65536", /port "65536" is not 0 to 65535/],
    ["127.0.0.1:http", /port "http"/],
    ["127.0.0.1:", /port ""/],
    ["999.1.1.1:5696", /neither an IP address nor a host name/],
    ["bad_host:5696", /neither an IP address nor a host name/],
    [":5696", /expected "host:port"/],
  ])("rejects %s naming server.addr", (text, why) => {
    const err = errorOf(`${MINIMAL}[server]\naddr = "${text}"\n`);
    expect(err.key).toBe("server.addr");
    expect(err.message).toMatch(/^test\.toml: server\.addr: /);
    expect(err.message).toMatch(why);
  });
});

describe("parseConfig: errors name the key", () => {
  it("rejects an unknown key with its dotted path and a kebab-case hint", () => {
    // The snake_case spelling instead of the required key: named as unknown, not "missing".
    const instead = errorOf(`version = "v1"\n[pkcs11]\nlib_path = "x"\n`);
    expect(instead.kind).toBe("unknown-key");
    expect(instead.message).toBe("test.toml: unknown key pkcs11.lib_path (did you mean lib-path?)");
    const extra = errorOf(`${MINIMAL}lib_path = "x"\n`);
    expect(extra.kind).toBe("unknown-key");
    expect(extra.message).toBe("test.toml: unknown key pkcs11.lib_path (did you mean lib-path?)");
    const camel = errorOf(`version = "v1"\n[pkcs11]\nlibPath = "x"\n`);
    expect(camel.key).toBe("pkcs11.libPath");
  });

  it.each([
    [`${MINIMAL}[server]\nmaxDepth = 3\n`, "server.maxDepth", /did you mean max-depth\?/],
    [
      `${MINIMAL}[server.identity]\ncert-path = "a"\nkey-path = "b"\nchain = "c"\n`,
      "server.identity.chain",
      /unknown key/,
    ],
    [
      `${MINIMAL}[daemon]\nlog-target = { type = "file", path = "x", mode = 1 }\n`,
      "daemon.log-target.mode",
      /unknown key/,
    ],
    [`colour = "blue"\n${MINIMAL}`, "colour", /unknown key colour$/],
    [`${MINIMAL}[logging]\n`, "logging", /unknown key logging$/],
  ])("unknown key %#", (text, key, why) => {
    const err = errorOf(text);
    expect(err.kind).toBe("unknown-key");
    expect(err.key).toBe(key);
    expect(err.message).toMatch(why);
  });

  it.each([
    ["", "version", "missing", /version: missing, expected version = "v1"/],
    [`version = "v2"\n`, "version", "invalid", /unsupported "v2", expected "v1"/],
    [`version = "v1"\n`, "pkcs11.lib-path", "missing", /pkcs11\.lib-path: missing/],
    [`version = "v1"\n[pkcs11]\nworkers = 2\n`, "pkcs11.lib-path", "missing", /missing/],
    [`version = "v1"\n[pkcs11]\nlib-path = ""\n`, "pkcs11.lib-path", "invalid", /empty string/],
    [
      `version = "v1"\n[pkcs11]\nlib-path = 3\n`,
      "pkcs11.lib-path",
      "invalid",
      /expected a string, got 3/,
    ],
    [`${MINIMAL}workers = 0\n`, "pkcs11.workers", "invalid", /expected 1 to 256, got 0/],
    [`${MINIMAL}worker-nice = 20\n`, "pkcs11.worker-nice", "invalid", /expected 0 to 19, got 20/],
    [`${MINIMAL}worker-nice = -1\n`, "pkcs11.worker-nice", "invalid", /expected 0 to 19, got -1/],
    [
      `${MINIMAL}new-key-state = "preactive"\n`,
      "pkcs11.new-key-state",
      "invalid",
      /expected "active" or "pre-active", got "preactive"/,
    ],
    [`${MINIMAL}new-key-state = 1\n`, "pkcs11.new-key-state", "invalid", /expected a string/],
    [`${MINIMAL}workers = 1.5\n`, "pkcs11.workers", "invalid", /expected an integer, got 1.5/],
    [
      `${MINIMAL}call-timeout-ms = "10s"\n`,
      "pkcs11.call-timeout-ms",
      "invalid",
      /expected an integer, got "10s"/,
    ],
    [
      `${MINIMAL}env = { SOFTHSM2_CONF = 1 }\n`,
      "pkcs11.env.SOFTHSM2_CONF",
      "invalid",
      /expected a string/,
    ],
    [`${MINIMAL}env = { "A=B" = "c" }\n`, "pkcs11.env.A=B", "invalid", /environment variable name/],
    [`${MINIMAL}env = "X=1"\n`, "pkcs11.env", "invalid", /expected a table/],
    [
      `${MINIMAL}[server]\nmax-message-bytes = 10\n`,
      "server.max-message-bytes",
      "invalid",
      /expected 64 to/,
    ],
    [`${MINIMAL}[server]\nmax-depth = 0\n`, "server.max-depth", "invalid", /expected 1 to 1024/],
    [
      `${MINIMAL}[server]\nmax-connections = -1\n`,
      "server.max-connections",
      "invalid",
      /expected 1 to/,
    ],
    [
      `${MINIMAL}[server]\nmax-batch-items = 0\n`,
      "server.max-batch-items",
      "invalid",
      /expected 1 to 65536, got 0/,
    ],
    [
      `${MINIMAL}[server]\nidle-timeout-ms = true\n`,
      "server.idle-timeout-ms",
      "invalid",
      /got true/,
    ],
    [`${MINIMAL}[server]\nstate-dir = ""\n`, "server.state-dir", "invalid", /empty string/],
    [
      `${MINIMAL}[server]\nmax-connections-per-address = -1\n`,
      "server.max-connections-per-address",
      "invalid",
      /expected 0 to 1000000, got -1/,
    ],
    [
      `${MINIMAL}[server]\nmax-in-flight-per-connection = 0\n`,
      "server.max-in-flight-per-connection",
      "invalid",
      /expected 1 to 65536, got 0/,
    ],
    [
      `${MINIMAL}[server]\ntls-handshake-timeout-ms = 0\n`,
      "server.tls-handshake-timeout-ms",
      "invalid",
      /expected 1 to/,
    ],
    [`${MINIMAL}[server]\nmax-rng-bytes = 0\n`, "server.max-rng-bytes", "invalid", /expected 1 to/],
    [
      `${MINIMAL}[server]\ntls-min-version = "1.1"\n`,
      "server.tls-min-version",
      "invalid",
      /expected "1.2" or "1.3", got "1.1"/,
    ],
    [
      `${MINIMAL}[server]\ntls-min-version = 1.3\n`,
      "server.tls-min-version",
      "invalid",
      /expected a string/,
    ],
    [`${MINIMAL}[server]\ntls-ciphers = []\n`, "server.tls-ciphers", "invalid", /non-empty list/],
    [
      `${MINIMAL}[server]\ntls-ciphers = "AES128-SHA256"\n`,
      "server.tls-ciphers",
      "invalid",
      /non-empty list/,
    ],
    [
      `${MINIMAL}[server]\ntls-ciphers = ["AES128-SHA256:NULL"]\n`,
      "server.tls-ciphers",
      "invalid",
      /OpenSSL suite names/,
    ],
    [
      `${MINIMAL}[server]\ntls-ciphers = ["NO-SUCH-SUITE"]\n`,
      "server.tls-ciphers",
      "invalid",
      /unknown cipher suite "NO-SUCH-SUITE"/,
    ],
    [
      `${MINIMAL}[server]\ntls-min-version = "1.3"\ntls-ciphers = ["ECDHE-RSA-AES128-GCM-SHA256"]\n`,
      "server.tls-ciphers",
      "invalid",
      /no TLS 1\.3 suite/,
    ],
    [
      `${MINIMAL}[server]\nclient-ca-path = []\n`,
      "server.client-ca-path",
      "invalid",
      /got an array/,
    ],
    [`${MINIMAL}[server]\nidentity = "x"\n`, "server.identity", "invalid", /expected a table/],
    [
      `${MINIMAL}[server.identity]\ncert-path = "a"\n`,
      "server.identity.key-path",
      "missing",
      /missing/,
    ],
    [
      `${MINIMAL}[daemon]\nlog-level = "warn"\n`,
      "daemon.log-level",
      "invalid",
      /trace, debug, info, warning, error/,
    ],
    [
      `${MINIMAL}[daemon]\nlog-target = "syslog"\n`,
      "daemon.log-target",
      "invalid",
      /\{ type = "stderr" \}/,
    ],
    [
      `${MINIMAL}[daemon]\nlog-target = { type = "stdout" }\n`,
      "daemon.log-target.type",
      "invalid",
      /"stderr", "file" or "syslog"/,
    ],
    [
      `${MINIMAL}[daemon]\nlog-target = { type = "file" }\n`,
      "daemon.log-target.path",
      "missing",
      /missing/,
    ],
    [`${MINIMAL}[daemon]\ndaemonize = "yes"\n`, "daemon.daemonize", "invalid", /true or false/],
    [`${MINIMAL}[daemon]\nidentity = "a:b:c"\n`, "daemon.identity", "invalid", /user:group/],
    [`${MINIMAL}[daemon]\nidentity = "1000"\n`, "daemon.identity", "invalid", /names/],
    [`${MINIMAL}[daemon]\npid-file = 1\n`, "daemon.pid-file", "invalid", /expected a string/],
  ])("%#: %j -> %s", (text, key, kind, why) => {
    const err = errorOf(text);
    expect(err.key).toBe(key);
    expect(err.kind).toBe(kind);
    expect(err.message).toMatch(why);
    expect(err.message).toContain(key);
    expect(err.message).not.toContain("\n");
  });

  it("reports TOML syntax errors with line and column, on one line", () => {
    const err = errorOf(`version = "v1"\n[pkcs11\n`);
    expect(err.kind).toBe("syntax");
    expect(err.key).toBeUndefined();
    expect(err.message).toMatch(/^test\.toml: invalid TOML at line 2, column \d+: /);
    expect(err.message).not.toContain("\n");
  });

  it("reports a duplicate key as a syntax error", () => {
    expect(errorOf(`${MINIMAL}lib-path = "y"\n`).kind).toBe("syntax");
  });
});

describe("parseConfig: client identities and authorization", () => {
  const MTLS = `${MINIMAL}[server]\nclient-ca-path = "/etc/kmip2pkcs11/clients.pem"\n`;

  it("reads [[clients]], client-crl-path and the default token", () => {
    const cfg = parseConfig(
      `version = "v1"
[pkcs11]
lib-path = "/opt/hsm/lib.so"
token-label = "dnssec"
pin-file = "/etc/kmip2pkcs11/user-pin"
[server]
client-ca-path = "/etc/kmip2pkcs11/clients.pem"
client-crl-path = "/etc/kmip2pkcs11/clients.crl"
[[clients]]
cn = "signer-1"
tokens = ["dnssec"]
operations = ["Sign", "Get", "Query", "DiscoverVersions"]
[[clients]]
san = "ops@example.org"
[[clients]]
spki-sha256 = "AB:${"0".repeat(62)}"
operations = ["Get"]
`,
      "test.toml",
    );
    expect(cfg.pkcs11.defaultToken).toEqual({
      label: "dnssec",
      pin: { type: "file", path: "/etc/kmip2pkcs11/user-pin" },
    });
    expect(cfg.server.clientCrlPath).toBe("/etc/kmip2pkcs11/clients.crl");
    expect(cfg.clients).toEqual([
      {
        match: { type: "cn", value: "signer-1" },
        tokens: ["dnssec"],
        operations: ["Sign", "Get", "Query", "DiscoverVersions"],
      },
      { match: { type: "san", value: "ops@example.org" } },
      { match: { type: "spki-sha256", value: `ab${"0".repeat(62)}` }, operations: ["Get"] },
    ]);
    expect(holdsPin(cfg)).toBe(false);
  });

  it("knows when the file itself holds the PIN (pin-env set in [pkcs11] env)", () => {
    const cfg = parseConfig(
      MTLS.replace(
        "[server]",
        'token-label = "t"\npin-env = "HSM_PIN"\nenv = { HSM_PIN = "1234" }\n[server]',
      ),
      "t",
    );
    expect(cfg.pkcs11.defaultToken?.pin).toEqual({ type: "env", name: "HSM_PIN" });
    expect(holdsPin(cfg)).toBe(true);
  });

  it.each([
    [
      `${MINIMAL}token-label = "t"\npin-file = "/p"\n`,
      "pkcs11.token-label",
      /needs server.client-ca-path/,
    ],
    [`${MINIMAL}[[clients]]\ncn = "a"\n`, "clients", /needs server.client-ca-path/],
    [
      `${MINIMAL}[server]\nclient-crl-path = "/c.crl"\n`,
      "server.client-crl-path",
      /client-ca-path/,
    ],
    [MTLS.replace("[server]", 'pin-file = "/p"\n[server]'), "pkcs11.token-label", /required/],
    [MTLS.replace("[server]", 'token-label = "t"\n[server]'), "pkcs11.pin-file", /exactly one/],
    [
      MTLS.replace("[server]", 'token-label = "t"\npin-file = "/p"\npin-env = "P"\n[server]'),
      "pkcs11.pin-env",
      /exactly one/,
    ],
    [`${MTLS}[[clients]]\ncn = "a"\nsan = "b"\n`, "clients[0]", /exactly one of cn, san/],
    [`${MTLS}[[clients]]\ntokens = ["t"]\n`, "clients[0]", /exactly one of cn, san/],
    [`${MTLS}[[clients]]\nspki-sha256 = "abc"\n`, "clients[0].spki-sha256", /64 hex/],
    [`${MTLS}[[clients]]\ncn = "a"\noperations = ["Sgin"]\n`, "clients[0].operations", /Sgin/],
    [`${MTLS}[[clients]]\ncn = "a"\ntokens = "t"\n`, "clients[0].tokens", /array/],
  ])("rejects %j naming %s", (text, key, detail) => {
    const err = errorOf(text);
    expect(err.key).toBe(key);
    expect(err.message).toMatch(detail);
  });

  it("rejects an unknown key in a [[clients]] entry", () => {
    const err = errorOf(`${MTLS}[[clients]]\ncn = "a"\nop = ["Get"]\n`);
    expect(err.kind).toBe("unknown-key");
    expect(err.key).toBe("clients[0].op");
  });
});
