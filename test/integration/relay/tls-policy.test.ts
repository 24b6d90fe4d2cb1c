/**
 * `[server]` TLS policy: tls-min-version, tls-ciphers (the KMIP 1.x profile suite
 * TLS_RSA_WITH_AES_128_CBC_SHA256 only when listed), and reloading the certificate and key
 * while connections stay open.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TLS_CIPHERS } from "../../../src/config/defaults.js";
import { ResultStatus } from "../../../src/kmip/enums.js";
import { Tag } from "../../../src/kmip/tags.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { batchItems, discoverItem, expectServes, field } from "../hostile/hostile.js";

/** OpenSSL's name of TLS_RSA_WITH_AES_128_CBC_SHA256 (KMIP Profiles 1.x, TLS 1.2). */
const KMIP_PROFILE_SUITE = "AES128-SHA256";

let dir: string;
let defaultRsa: TestRelay;
let profileRsa: TestRelay;
let reloadable: TestRelay;
/** The reloadable relay's certificate and key files, and two pairs to copy there. */
let served: { cert: string; key: string };
let pairA: { cert: string; key: string };
let pairB: { cert: string; key: string };

function makePair(name: string, keyArgs: string[]): { cert: string; key: string } {
  const pair = { cert: join(dir, `${name}-cert.pem`), key: join(dir, `${name}-key.pem`) };
  execFileSync(
    "openssl",
    ["req", "-x509", ...keyArgs, "-nodes", "-subj", "/CN=localhost", "-days", "1"].concat([
      "-keyout",
      pair.key,
      "-out",
      pair.cert,
    ]),
    { stdio: "ignore" },
  );
  return pair;
}
const ecdsa = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
const identityToml = (p: { cert: string; key: string }) =>
  `[server.identity]\ncert-path = ${JSON.stringify(p.cert)}\nkey-path = ${JSON.stringify(p.key)}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kmip2pkcs11-tls-policy-"));
  const rsa = makePair("rsa", ["-newkey", "rsa:2048"]);
  pairA = makePair("a", ecdsa);
  pairB = makePair("b", ecdsa);
  served = { cert: join(dir, "served-cert.pem"), key: join(dir, "served-key.pem") };
  copyFileSync(pairA.cert, served.cert);
  copyFileSync(pairA.key, served.key);
  const ciphers = JSON.stringify([...DEFAULT_TLS_CIPHERS, KMIP_PROFILE_SUITE]);
  [defaultRsa, profileRsa, reloadable] = await Promise.all([
    startTestRelay({ workers: 1, serverToml: identityToml(rsa) }),
    startTestRelay({ workers: 1, serverToml: `tls-ciphers = ${ciphers}\n${identityToml(rsa)}` }),
    startTestRelay({ workers: 1, serverToml: `tls-min-version = "1.3"\n${identityToml(served)}` }),
  ]);
});
afterAll(async () => {
  await Promise.all([defaultRsa?.close(), profileRsa?.close(), reloadable?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** The protocol and cipher a client with `options` gets, or "refused". */
function attempt(port: number, options: tls.ConnectionOptions): Promise<string> {
  return KmipTestClient.connect(port, options).then(
    (c) => {
      const got = `${c.socket.getProtocol()} ${c.socket.getCipher().name}`;
      c.close();
      return got;
    },
    () => "refused",
  );
}

/** The SHA-256 fingerprint of the certificate a new connection is served. */
async function servedFingerprint(port: number): Promise<string> {
  const client = await KmipTestClient.connect(port);
  const fingerprint = client.socket.getPeerCertificate().fingerprint256;
  client.close();
  return fingerprint;
}

const profileClient: tls.ConnectionOptions = {
  maxVersion: "TLSv1.2",
  ciphers: KMIP_PROFILE_SUITE,
};

describe("tls-ciphers", () => {
  it("refuses the KMIP 1.x profile suite (no forward secrecy) by default", async () => {
    expect(await attempt(defaultRsa.port, profileClient)).toBe("refused");
    await expectServes(defaultRsa.port);
  });

  it("accepts it with an RSA certificate when listed", async () => {
    expect(await attempt(profileRsa.port, profileClient)).toBe(`TLSv1.2 ${KMIP_PROFILE_SUITE}`);
    await expectServes(profileRsa.port);
  });
});

describe("tls-min-version", () => {
  it('"1.3" refuses a TLS 1.2 client and serves a TLS 1.3 one', async () => {
    const port = reloadable.port;
    expect(await attempt(port, { maxVersion: "TLSv1.2" })).toBe("refused");
    expect(await attempt(port, {})).toMatch(/^TLSv1\.3 TLS_/);
  });
});

describe("reloadIdentity", () => {
  it("serves the new certificate to new connections and keeps open ones working", async () => {
    const relay = reloadable;
    const fingerprintA = relay.relay.certificateFingerprint;
    const old = await KmipTestClient.connect(relay.port);
    expect(old.socket.getPeerCertificate().fingerprint256).toBe(fingerprintA);

    copyFileSync(pairB.cert, served.cert);
    copyFileSync(pairB.key, served.key);
    const result = await relay.relay.reloadIdentity();
    if (!result.ok) throw new Error(`reload failed: ${result.error}`);
    expect(result.fingerprintSha256).not.toBe(fingerprintA);
    expect(relay.relay.certificateFingerprint).toBe(result.fingerprintSha256);
    expect(await servedFingerprint(relay.port)).toBe(result.fingerprintSha256);
    expect(relay.logs.some((l) => l.includes(result.fingerprintSha256))).toBe(true);

    // The connection made with certificate A still answers requests.
    const response = await old.request(requestMessage({ items: [discoverItem(1)] }));
    expect(field(batchItems(response)[0]!, Tag.ResultStatus)).toBe(ResultStatus.Success);
    old.close();
  });

  it("keeps the current identity when the new files cannot be used, and logs why", async () => {
    const relay = reloadable;
    const before = relay.relay.certificateFingerprint;
    copyFileSync(pairA.cert, served.cert);
    writeFileSync(served.key, "not a key\n");
    const result = await relay.relay.reloadIdentity();
    expect(result.ok).toBe(false);
    expect(relay.relay.certificateFingerprint).toBe(before);
    expect(await servedFingerprint(relay.port)).toBe(before);
    expect(relay.logs.some((l) => l.includes("TLS identity reload failed"))).toBe(true);
    await expectServes(relay.port);
  });
});
