/**
 * Client identities and authorization over mutual TLS: `[[clients]]` entries matched by CN,
 * SAN or SPKI fingerprint grant tokens and operations; clients without a Credential use the
 * default token (`token-label` + `pin-file`); a revoked certificate (CRL) is refused; failed
 * logins are throttled per certificate key; a PIN file readable by others stops the start.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultReason, ResultStatus } from "../../../src/kmip/enums.js";
import { findChild, findChildren } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";

const dir = mkdtempSync(join(tmpdir(), "kmip2pkcs11-clients-"));
const path = (name: string) => join(dir, name);
const TOKEN = "relay-test"; // the label startTestRelay gives its token
const PIN = "4321";

function openssl(...args: string[]): Buffer {
  return execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "ignore"] });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A client certificate `name`.pem / `name`.key signed by the test CA. */
function issue(name: string, subject: string, san?: string): void {
  openssl("req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
  const ext = san === undefined ? [] : ["-extfile", writeExt(name, san)];
  openssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    ...ext,
  );
}

function writeExt(name: string, san: string): string {
  writeFileSync(path(`${name}.ext`), `subjectAltName = ${san}\n`);
  return `${name}.ext`;
}

/** SHA-256 of the DER SubjectPublicKeyInfo of `name`.key, as openssl exports it. */
function spkiSha256(name: string): string {
  const der = openssl("pkey", "-in", `${name}.key`, "-pubout", "-outform", "DER");
  return createHash("sha256").update(der).digest("hex");
}

/** A CA, clients of each kind, one of them revoked by the CA's CRL. */
function makeCertificates(): void {
  openssl("req", "-x509", ...EC, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=test CA");
  issue("signer", "/CN=signer-1");
  issue("ops", "/CN=ops", "DNS:ops.example");
  issue("keyed", "/CN=keyed");
  issue("nobody", "/CN=nobody");
  issue("revoked", "/CN=signer-1");
  writeFileSync(path("index.txt"), "");
  writeFileSync(path("crlnumber"), "01\n");
  writeFileSync(
    path("ca.cnf"),
    "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\n" +
      "default_md = sha256\ndefault_crl_days = 2\n",
  );
  const ca = ["-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem"];
  openssl("ca", ...ca, "-revoke", "revoked.pem");
  openssl("ca", ...ca, "-gencrl", "-out", "ca.crl");
  writeFileSync(path("pin"), `${PIN}\n`, { mode: 0o600 });
  chmodSync(path("pin"), 0o600);
}

let relay: TestRelay;
beforeAll(async () => {
  makeCertificates();
  relay = await startTestRelay({
    workers: 1,
    pkcs11Toml: `token-label = "${TOKEN}"\npin-file = ${JSON.stringify(path("pin"))}`,
    serverToml: [
      `client-ca-path = ${JSON.stringify(path("ca.pem"))}`,
      `client-crl-path = ${JSON.stringify(path("ca.crl"))}`,
    ].join("\n"),
    extraToml: [
      "[[clients]]",
      'cn = "signer-1"',
      `tokens = ["${TOKEN}"]`,
      'operations = ["Locate", "DiscoverVersions"]',
      "[[clients]]",
      'san = "ops.example"',
      "[[clients]]",
      `spki-sha256 = "${spkiSha256("keyed")}"`,
      'operations = ["DiscoverVersions"]',
    ].join("\n"),
  });
});
afterAll(async () => {
  await relay?.close();
  rmSync(dir, { recursive: true, force: true });
});

function connect(name: string): Promise<KmipTestClient> {
  return KmipTestClient.connect(relay.port, {
    cert: readFileSync(path(`${name}.pem`)),
    key: readFileSync(path(`${name}.key`)),
  });
}

interface Outcome {
  status: number | undefined;
  reason: number | undefined;
  message: string | undefined;
}

/** Runs one item as `name` (optionally with a Credential) and returns its result. */
async function run(
  name: string,
  operation: number,
  credential?: { username: string; password: string },
): Promise<Outcome> {
  const client = await connect(name);
  try {
    const response = await client.request(
      requestMessage({ ...credential, items: [{ operation, payload: [] }] }),
    );
    const item = findChildren(response, Tag.BatchItem)[0]!;
    return {
      status: findChild(item, Tag.ResultStatus)?.value as number | undefined,
      reason: findChild(item, Tag.ResultReason)?.value as number | undefined,
      message: findChild(item, Tag.ResultMessage)?.value as string | undefined,
    };
  } finally {
    client.close();
  }
}

describe("[[clients]] authorization", () => {
  it("lets a client matched by CN use its token without a Credential (default token)", async () => {
    expect((await run("signer", Operation.Locate)).status).toBe(ResultStatus.Success);
    expect((await run("signer", Operation.DiscoverVersions)).status).toBe(ResultStatus.Success);
  });

  it("refuses an operation outside the grant, naming it", async () => {
    const out = await run("signer", Operation.Query);
    expect(out.reason).toBe(ResultReason.PermissionDenied);
    expect(out.message).toMatch(/operation Query/);
  });

  it("refuses a token outside the grant, naming it, before any login", async () => {
    const out = await run("signer", Operation.Locate, { username: "other", password: PIN });
    expect(out.reason).toBe(ResultReason.PermissionDenied);
    expect(out.message).toMatch(/token "other"/);
  });

  it("matches by SAN (an entry without lists grants everything)", async () => {
    expect((await run("ops", Operation.Query)).status).toBe(ResultStatus.Success);
    const withCredential = await run("ops", Operation.Locate, { username: TOKEN, password: PIN });
    expect(withCredential.status).toBe(ResultStatus.Success);
  });

  it("matches by SPKI fingerprint", async () => {
    expect((await run("keyed", Operation.DiscoverVersions)).status).toBe(ResultStatus.Success);
    expect((await run("keyed", Operation.Locate)).reason).toBe(ResultReason.PermissionDenied);
  });

  it("refuses every item of a client matching no entry, and logs it", async () => {
    const before = relay.logs.length;
    const out = await run("nobody", Operation.DiscoverVersions);
    expect(out.reason).toBe(ResultReason.PermissionDenied);
    expect(out.message).toMatch(/CN=nobody matches no \[\[clients\]\] entry/);
    const logged = relay.logs.slice(before).some((l) => l.includes("client not authorized"));
    expect(logged).toBe(true);
  });

  it("refuses a revoked certificate (CRL) and logs the reason", async () => {
    const before = relay.logs.length;
    const outcome = await run("revoked", Operation.DiscoverVersions).then(
      () => "served",
      () => "refused",
    );
    expect(outcome).toBe("refused");
    const refusal = relay.logs
      .slice(before)
      .map((l) => JSON.parse(l) as { msg?: string; reason?: string })
      .find((l) => l.msg === "client certificate refused");
    expect(refusal?.reason).toMatch(/revoked/i);
  });

  it("throttles failed logins per certificate key, visibly in the logs", async () => {
    const before = relay.logs.length;
    const wrong = { username: TOKEN, password: "0000" };
    for (let i = 0; i < 3; i++) {
      const out = await run("ops", Operation.Locate, wrong);
      expect(out.reason).toBe(ResultReason.AuthenticationNotSuccessful);
    }
    const locked = await run("ops", Operation.Locate, { username: TOKEN, password: PIN });
    expect(locked.message).toMatch(/too many failed logins/);
    const lines = relay.logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    const lockout = lines.find((l) => l.msg === "login failures: client locked out");
    expect(lockout?.client).toBe(`spki:${spkiSha256("ops")}`);
    expect(lines.some((l) => String(l.msg).startsWith("login refused: client locked out"))).toBe(
      true,
    );
    // Another client (another key) from the same address is not locked out.
    expect((await run("signer", Operation.Locate)).status).toBe(ResultStatus.Success);
  });
});

describe("default token PIN file", () => {
  it("refuses to start when the PIN file is readable by group/other", async () => {
    writeFileSync(path("open-pin"), `${PIN}\n`);
    chmodSync(path("open-pin"), 0o644);
    const started = startTestRelay({
      workers: 1,
      pkcs11Toml: `token-label = "${TOKEN}"\npin-file = ${JSON.stringify(path("open-pin"))}`,
      serverToml: `client-ca-path = ${JSON.stringify(path("ca.pem"))}`,
    });
    await expect(started).rejects.toThrow(/open-pin.*readable by group\/other.*chmod 600/);
  });
});
