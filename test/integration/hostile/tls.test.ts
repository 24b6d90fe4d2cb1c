/**
 * TLS clients the relay must refuse: TLS 1.1, and TLS 1.2 offering only suites without
 * forward secrecy (static RSA key exchange), with the relay's own ECDSA certificate and with
 * an RSA one (where such suites could be negotiated at all). Clients without a certificate
 * under mutual TLS are covered by test/integration/relay/mtls.test.ts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmipTestClient } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";
import { expectServes } from "./hostile.js";

/** TLS 1.2 suites with a static RSA key exchange: no forward secrecy. */
const NON_FORWARD_SECRET =
  "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA";

let ecdsaRelay: TestRelay;
let rsaRelay: TestRelay;
let rsaDir: string;
beforeAll(async () => {
  rsaDir = mkdtempSync(join(tmpdir(), "kmip2pkcs11-rsa-"));
  const cert = join(rsaDir, "cert.pem");
  const key = join(rsaDir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=localhost",
      "-days",
      "1",
    ].concat(["-keyout", key, "-out", cert]),
    { stdio: "ignore" },
  );
  [ecdsaRelay, rsaRelay] = await Promise.all([
    startTestRelay({ workers: 1 }),
    startTestRelay({
      workers: 1,
      serverToml: `[server.identity]\ncert-path = ${JSON.stringify(cert)}\nkey-path = ${JSON.stringify(key)}`,
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([ecdsaRelay?.close(), rsaRelay?.close()]);
  rmSync(rsaDir, { recursive: true, force: true });
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

describe.each([
  ["ECDSA", () => ecdsaRelay],
  ["RSA", () => rsaRelay],
])("relay with an %s certificate", (_kind, relayOf) => {
  it("refuses TLS 1.1", async () => {
    const port = relayOf().port;
    expect(await attempt(port, { minVersion: "TLSv1.1", maxVersion: "TLSv1.1" })).toBe("refused");
    await expectServes(port);
  });

  it("refuses TLS 1.2 with only non-forward-secret suites", async () => {
    const port = relayOf().port;
    const got = await attempt(port, { maxVersion: "TLSv1.2", ciphers: NON_FORWARD_SECRET });
    expect(got).toBe("refused");
    await expectServes(port);
  });

  it("accepts TLS 1.2 with an ECDHE suite, and TLS 1.3", async () => {
    const port = relayOf().port;
    expect(await attempt(port, { minVersion: "TLSv1.2", maxVersion: "TLSv1.2" })).toMatch(
      /^TLSv1\.2 ECDHE-/,
    );
    expect(await attempt(port, { minVersion: "TLSv1.3" })).toMatch(/^TLSv1\.3 TLS_/);
  });
});
