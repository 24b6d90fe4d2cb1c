/** The tag, enumeration and mask tables: consistent reverse maps and spot checks against the spec. */
import { describe, expect, it } from "vitest";
import {
  attributeNameByTag,
  attributeTagByName,
  isCustomAttributeName,
} from "../../../src/kmip/attributes.js";
import {
  CryptographicAlgorithm,
  DigitalSignatureAlgorithm,
  ENUMS,
  enumByName,
  enumForTag,
  HashingAlgorithm,
  ObjectType,
  Operation,
  ResultReason,
  ResultStatus,
  UniqueIdentifier,
} from "../../../src/kmip/enums.js";
import {
  CryptographicUsageMask,
  MASKS,
  maskForTag,
  maskToNames,
  namesToMask,
} from "../../../src/kmip/masks.js";
import {
  parseTag,
  Tag,
  tagByName,
  tagName,
  tagPathLabel,
  tagText,
} from "../../../src/kmip/tags.js";

describe("tags", () => {
  it("match KMIP 1.4 section 9.1.3.1 and KMIP 2.1 section 11.56", () => {
    expect(Tag.ActivationDate).toBe(0x420001);
    expect(Tag.UniqueIdentifier).toBe(0x420094);
    expect(Tag.RequestMessage).toBe(0x420078);
    expect(Tag.UniqueBatchItemID).toBe(0x420093);
    expect(Tag.PrivateKeyTemplateAttribute).toBe(0x420065); // 1.x only: "(Reserved)" in 2.1
    expect(Tag.ProtectionStorageMask).toBe(0x42015e); // 2.x
    expect(tagText(Tag.CompromiseDate)).toBe("Compromise Date");
  });

  it("have one name per value and one value per name, all 0x42XXXX", () => {
    const entries = Object.entries(Tag);
    expect(entries.length).toBe(371); // 0x420001-0x420176 less three slots 2.1 reserves
    expect(new Set(entries.map(([, tag]) => tag)).size).toBe(entries.length);
    for (const [name, tag] of entries) {
      expect(tag >>> 16).toBe(0x42);
      expect(tagName(tag)).toBe(name);
      expect(tagByName(name)).toBe(tag);
    }
  });

  it("resolve hex forms, reject unknown names and prototype keys", () => {
    expect(parseTag("0x540001")).toBe(0x540001);
    expect(parseTag("RequestMessage")).toBe(0x420078);
    expect(parseTag("0x5401")).toBeUndefined();
    expect(tagByName("toString")).toBeUndefined();
    expect(tagName(0x540001)).toBeUndefined();
    expect(tagPathLabel([0x420078, 0x54ffff])).toBe("RequestMessage/0x54ffff");
  });
});

describe("enumerations", () => {
  it("match the specification", () => {
    expect(Operation.Create).toBe(1);
    expect(Operation.CreateKeyPair).toBe(2);
    expect(Operation.DiscoverVersions).toBe(0x1e);
    expect(ResultStatus.Success).toBe(0);
    expect(ResultReason.ItemNotFound).toBe(1);
    expect(ObjectType.SymmetricKey).toBe(2);
    expect(ObjectType.Template).toBe(6); // withdrawn in 2.0, kept for 1.x
    expect(CryptographicAlgorithm.RSA).toBe(4);
    expect(CryptographicAlgorithm.Ed25519).toBe(0x37);
    expect(HashingAlgorithm.SHA_256).toBe(6);
    expect(UniqueIdentifier.IDPlaceholder).toBe(1);
  });

  it("have consistent reverse maps and no duplicate values", () => {
    expect(ENUMS.size).toBeGreaterThan(60);
    for (const [name, table] of ENUMS) {
      expect(table.name).toBe(name);
      for (const [value, valueName] of table.byValue)
        expect(table.byName.get(valueName)).toBe(value);
      for (const value of table.byName.values()) expect(table.byValue.has(value)).toBe(true);
      // Opaque Data Type defines extension values only (KMIP 1.4 section 9.1.3.2.10).
      if (name !== "OpaqueDataType") expect(table.byValue.size).toBeGreaterThan(0);
      if (name === "Tag") continue;
      const values = Object.values(enumSource(name));
      expect(new Set(values).size).toBe(values.length);
    }
  });

  it("accept the 1.4 spellings that 2.x renamed, and write the 2.x names", () => {
    const dsa = enumByName("DigitalSignatureAlgorithm")!;
    expect(dsa.byName.get("SHA_256WithRSAEncryptionPKCS_1V1_5")).toBe(5);
    expect(dsa.byValue.get(5)).toBe("SHA_256WithRSAEncryption");
    expect(DigitalSignatureAlgorithm.SHA_256WithRSAEncryption).toBe(5);
    expect(enumByName("HashingAlgorithm")!.byName.get("SHA_3_256")).toBe(HashingAlgorithm.SHA3_256);
  });

  it("are found by tag, including tags named differently from their enumeration", () => {
    expect(enumForTag(Tag.Operation)?.name).toBe("Operation");
    expect(enumForTag(Tag.MaskGeneratorHashingAlgorithm)?.name).toBe("HashingAlgorithm");
    expect(enumForTag(Tag.AttributeReference)?.byName.get("State")).toBe(Tag.State);
    expect(enumForTag(Tag.PKCS_11ReturnCode)?.byName.get("OK")).toBe(0);
    expect(enumForTag(Tag.BatchCount)).toBeUndefined();
  });
});

function enumSource(name: string): Readonly<Record<string, number>> {
  const table = ENUMS.get(name)!;
  return Object.fromEntries([...table.byValue].map(([value, valueName]) => [valueName, value]));
}

describe("bit masks", () => {
  it("match KMIP 1.4 section 9.1.3.3 and KMIP 2.1 section 12", () => {
    expect(CryptographicUsageMask.Sign).toBe(0x1);
    expect(CryptographicUsageMask.Verify).toBe(0x2);
    expect(CryptographicUsageMask.Encrypt).toBe(0x4);
    expect(CryptographicUsageMask.CertificateSign).toBe(0x1000);
    expect(CryptographicUsageMask.TranslateUnwrap).toBe(0x80000); // 1.x only
    expect(CryptographicUsageMask.FPEDecrypt).toBe(0x800000); // 2.x
    expect(MASKS.get("StorageStatusMask")?.byName.get("ArchivalStorage")).toBe(2);
  });

  it("have one bit per name", () => {
    for (const table of MASKS.values()) {
      for (const value of table.byValue.keys()) expect(value & (value - 1)).toBe(0);
    }
  });

  it("convert to and from names (section 6.1.6.4 examples)", () => {
    const usage = maskForTag(Tag.CryptographicUsageMask)!;
    expect(namesToMask(usage, "Encrypt Decrypt CertificateSign")).toBe(0x100c);
    expect(namesToMask(usage, "CertificateSign 0x00000004 0x0000008")).toBe(0x100c);
    expect(namesToMask(usage, "CertificateSign|0x0000000c")).toBe(0x100c);
    expect(namesToMask(usage, "12")).toBe(12);
    expect(namesToMask(usage, "Encrypt Bogus")).toBeUndefined();
    expect(maskToNames(usage, 0x100c)).toEqual(["Encrypt", "Decrypt", "CertificateSign"]);
    expect(maskToNames(usage, 0x8000_0005 | 0)).toEqual(["Sign", "Encrypt", "0x80000000"]);
    expect(maskToNames(usage, 0)).toEqual(["0x00000000"]);
  });
});

describe("KMIP 1.x attribute names", () => {
  it("map to the tags of their values and back", () => {
    expect(attributeTagByName("Cryptographic Algorithm")).toBe(Tag.CryptographicAlgorithm);
    expect(attributeTagByName("Name")).toBe(Tag.Name);
    expect(attributeTagByName("Cryptographic Usage Mask")).toBe(Tag.CryptographicUsageMask);
    expect(attributeTagByName("X.509 Certificate Issuer")).toBe(Tag.X_509CertificateIssuer);
    expect(attributeTagByName("x-custom")).toBeUndefined();
    expect(attributeNameByTag(Tag.CompromiseDate)).toBe("Compromise Date");
    expect(attributeNameByTag(Tag.BatchCount)).toBeUndefined();
    expect(isCustomAttributeName("x-custom")).toBe(true);
    expect(isCustomAttributeName("Name")).toBe(false);
  });
});
