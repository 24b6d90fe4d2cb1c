/** The human-readable dump and its redaction of secrets. */
import { describe, expect, it } from "vitest";
import { dumpTtlv, SECRET_TAGS } from "../../../src/kmip/dump.js";
import { Tag } from "../../../src/kmip/tags.js";
import { xmlToTtlv } from "../../../src/kmip/xml.js";

const [message] = xmlToTtlv(`<RequestMessage>
  <RequestHeader>
    <Authentication><Credential>
      <CredentialType type="Enumeration" value="UsernameAndPassword"/>
      <CredentialValue>
        <Username type="TextString" value="alice"/>
        <Password type="TextString" value="s3cret-PIN"/>
      </CredentialValue>
    </Credential></Authentication>
  </RequestHeader>
  <BatchItem>
    <Operation type="Enumeration" value="Register"/>
    <RequestPayload>
      <CryptographicUsageMask type="Integer" value="Encrypt Decrypt"/>
      <KeyBlock>
        <KeyMaterial type="ByteString" value="00112233445566778899aabbccddeeff0011223344556677"/>
      </KeyBlock>
      <PrivateExponent type="BigInteger" value="0000000000abcdef"/>
      <TTLV tag="0x540001" type="Interval" value="5"/>
    </RequestPayload>
  </BatchItem>
</RequestMessage>`);

describe("dumpTtlv", () => {
  it("shows names, types, enumeration and mask names, and shortens byte strings", () => {
    const text = dumpTtlv(message!, { maxBytes: 4 });
    expect(text.split("\n")).toEqual([
      "RequestMessage",
      "  RequestHeader",
      "    Authentication",
      "      Credential",
      "        CredentialType (Enumeration) UsernameAndPassword [0x00000001]",
      "        CredentialValue",
      '          Username (TextString, 5 bytes) "alice"',
      '          Password (TextString, 10 bytes) "s3cret-PIN"',
      "  BatchItem",
      "    Operation (Enumeration) Register [0x00000003]",
      "    RequestPayload",
      "      CryptographicUsageMask (Integer) Encrypt|Decrypt [0x0000000c]",
      "      KeyBlock",
      "        KeyMaterial (ByteString, 24 bytes) 00112233…",
      "      PrivateExponent (BigInteger) 0x00000000…",
      "      0x540001 (Interval) 5",
    ]);
  });

  it("hides secrets with redact, keeping their type and size", () => {
    const text = dumpTtlv(message!, { redact: true });
    expect(text).not.toContain("s3cret");
    expect(text).not.toContain("00112233");
    expect(text).not.toContain("abcdef");
    expect(text).toContain("Password (TextString, 10 bytes) <redacted>");
    expect(text).toContain("KeyMaterial (ByteString, 24 bytes) <redacted>");
    expect(text).toContain('Username (TextString, 5 bytes) "alice"');
    expect(SECRET_TAGS.has(Tag.Password)).toBe(true);
    expect(SECRET_TAGS.has(Tag.Username)).toBe(false);
  });
});
