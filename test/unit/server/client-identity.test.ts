/**
 * Client-certificate identity: subject CN, DNS/email/URI subject alternative names, and the
 * SHA-256 of the DER SubjectPublicKeyInfo. The certificate below was made with
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/O=Example/CN=signer-1"
 *     -addext "subjectAltName=DNS:signer.example,email:ops@example.org,
 *              URI:spiffe://example/signer,IP:127.0.0.1"
 * and its fingerprint computed independently with
 *   openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum
 */
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import {
  identityLabel,
  identityOfCertificate,
  parseSubjectAltNames,
  subjectCommonNames,
} from "../../../src/server/client-identity.js";
import { ClientPolicy, checkOperation, checkToken } from "../../../src/server/client-policy.js";

const PEM = `-----BEGIN CERTIFICATE-----
MIIB7jCCAZSgAwIBAgIUWfngrZGNOOnYUh/vZdBwzDa1YC0wCgYIKoZIzj0EAwIw
JTEQMA4GA1UECgwHRXhhbXBsZTERMA8GA1UEAwwIc2lnbmVyLTEwIBcNMjYxMTI2
MTMwODUzWhgPMjEyNjExMDIxMzA4NTNaMCUxEDAOBgNVBAoMB0V4YW1wbGUxETAP
BgNVBAMMCHNpZ25lci0xMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyKbHFu/d
zWA5371sVhrowRSJkcn6JLhWCxqjlZFUBr1YeCtGXPfh3/LUJmUyWbvQRDMg7hNP
JtYYXtKnFxA/SqOBnzCBnDAdBgNVHQ4EFgQUesVnIICESqbMDKkGp6mBpr6ed8Yw
HwYDVR0jBBgwFoAUesVnIICESqbMDKkGp6mBpr6ed8YwDwYDVR0TAQH/BAUwAwEB
/zBJBgNVHREEQjBAgg5zaWduZXIuZXhhbXBsZYEPb3BzQGV4YW1wbGUub3Jnhhdz
cGlmZmU6Ly9leGFtcGxlL3NpZ25lcocEfwAAATAKBggqhkjOPQQDAgNIADBFAiBh
Pywrsd5PxAZmX9j9BKUQq0R28rnioe+m78AT2jUH6wIhAIPOn9Fn10p2E7TXQfMI
wFw9zGwQbcov7zMn+8DJSxKZ
-----END CERTIFICATE-----
`;
const SPKI_SHA256 = "050cb2e72da61f08d13eff1afc365be4e869a14cbc04ee898aa6ad03b1f0295f";

describe("identityOfCertificate", () => {
  const identity = identityOfCertificate(new X509Certificate(PEM));

  it("reads the subject CN", () => {
    expect(identity.cns).toEqual(["signer-1"]);
  });

  it("reads DNS, email and URI names, not IP addresses", () => {
    expect(identity.sans).toEqual(["signer.example", "ops@example.org", "spiffe://example/signer"]);
  });

  it("fingerprints the SubjectPublicKeyInfo as openssl does", () => {
    expect(identity.spkiSha256).toBe(SPKI_SHA256);
  });

  it("labels a client by CN first", () => {
    expect(identityLabel(identity)).toBe("CN=signer-1");
    expect(identityLabel({ cns: [], sans: ["a.example"], spkiSha256: SPKI_SHA256 })).toBe(
      "SAN=a.example",
    );
    expect(identityLabel({ cns: [], sans: [], spkiSha256: SPKI_SHA256 })).toBe(
      "SPKI=050cb2e72da61f08",
    );
  });
});

describe("subject and SAN text", () => {
  it("finds every CN line and nothing else", () => {
    expect(subjectCommonNames("C=NL\nO=CN=not this\nCN=a\nCN=b")).toEqual(["a", "b"]);
    expect(subjectCommonNames("O=Example")).toEqual([]);
  });

  it("unquotes names with special characters", () => {
    expect(parseSubjectAltNames('DNS:"a,b.example", URI:x:y')).toEqual(["a,b.example", "x:y"]);
    expect(parseSubjectAltNames("")).toEqual([]);
    expect(parseSubjectAltNames("IP Address:10.0.0.1, DNS:d")).toEqual(["d"]);
  });
});

describe("ClientPolicy", () => {
  const policy = new ClientPolicy([
    { match: { type: "cn", value: "other" }, operations: ["Get"] },
    {
      match: { type: "spki-sha256", value: SPKI_SHA256 },
      tokens: ["dnssec"],
      operations: ["Sign", "DiscoverVersions"],
    },
    { match: { type: "san", value: "any.example" } },
  ]);
  const identity = identityOfCertificate(new X509Certificate(PEM));

  it("grants the first matching entry's tokens and operations", () => {
    const grant = policy.grantFor(identity);
    if (grant instanceof KmipError) throw grant;
    expect(checkOperation(grant, "Sign")).toBeUndefined();
    expect(checkOperation(grant, "Destroy")?.message).toMatch(/operation Destroy/);
    expect(checkOperation(grant, "Destroy")?.reason).toBe(ResultReason.PermissionDenied);
    expect(checkToken(grant, "dnssec")).toBeUndefined();
    expect(checkToken(grant, "other")?.message).toMatch(/token "other"/);
  });

  it("lets an entry without lists do anything", () => {
    const grant = policy.grantFor({ cns: [], sans: ["any.example"], spkiSha256: "0".repeat(64) });
    if (grant instanceof KmipError) throw grant;
    expect(checkOperation(grant, "Destroy")).toBeUndefined();
    expect(checkToken(grant, "anything")).toBeUndefined();
  });

  it("refuses a client matching no entry, or without a certificate", () => {
    const stranger = policy.grantFor({ cns: ["x"], sans: [], spkiSha256: "1".repeat(64) });
    expect(stranger).toBeInstanceOf(KmipError);
    expect((stranger as KmipError).reason).toBe(ResultReason.PermissionDenied);
    expect((stranger as KmipError).message).toContain("CN=x matches no [[clients]] entry");
    expect(policy.grantFor(undefined)).toBeInstanceOf(KmipError);
  });
});
