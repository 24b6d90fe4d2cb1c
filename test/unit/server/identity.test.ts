import { createPrivateKey, X509Certificate } from "node:crypto";
import tls from "node:tls";
import { describe, expect, it } from "vitest";
import { generateSelfSignedIdentity } from "../../../src/server/self-signed.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const { certPem, keyPem } = generateSelfSignedIdentity(NOW);
const x509 = new X509Certificate(certPem);

describe("generateSelfSignedIdentity", () => {
  it("produces a certificate node:crypto parses, signed by its own key", () => {
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    expect(x509.issuer).toBe(x509.subject);
  });

  it("names kmip2pkcs11, localhost, 127.0.0.1 and ::1", () => {
    expect(x509.subject).toBe("CN=kmip2pkcs11");
    expect(x509.subjectAltName).toBe(
      "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
    );
    expect(x509.checkHost("localhost")).toBe("localhost");
    expect(x509.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(x509.checkIP("::1")).toBe("::1");
    expect(x509.checkHost("example.org")).toBeUndefined();
  });

  it("is an ECDSA P-256 server certificate, not a CA", () => {
    expect(x509.publicKey.asymmetricKeyType).toBe("ec");
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(x509.ca).toBe(false);
    expect(x509.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // node reports extKeyUsage here
    const text = x509.toLegacyObject();
    expect(text.ext_key_usage).toEqual(["1.3.6.1.5.5.7.3.1"]);
  });

  it("is valid from just before now for about ten years", () => {
    const from = new Date(x509.validFrom).getTime();
    const to = new Date(x509.validTo).getTime();
    expect(from).toBeLessThanOrEqual(NOW.getTime());
    expect(NOW.getTime() - from).toBeLessThanOrEqual(3_600_000);
    expect((to - NOW.getTime()) / 86_400_000).toBe(3650);
  });

  it("has a fresh key and serial number each time", () => {
    const other = new X509Certificate(generateSelfSignedIdentity(NOW).certPem);
    expect(other.serialNumber).not.toBe(x509.serialNumber);
    expect(other.fingerprint256).not.toBe(x509.fingerprint256);
    expect(x509.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
  });

  it("gives a fingerprint in the AA:BB:... form", () => {
    expect(x509.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it("is accepted by node:tls as a server identity", () => {
    expect(() => tls.createSecureContext({ cert: certPem, key: keyPem })).not.toThrow();
    const server = tls.createServer({ cert: certPem, key: keyPem });
    expect(server.listening).toBe(false);
  });
});
