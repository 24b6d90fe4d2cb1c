/** The applicability rules on real test cases (no relay: the rules read files only). */

import { describe, expect, it } from "vitest";
import { Tag } from "../../src/kmip/tags.js";
import { applicability } from "./rules.js";
import { listVectors, loadSteps, type VectorFile } from "./vectors.js";

const all = listVectors();

function rulesOf(id: string) {
  const file = all.find((f: VectorFile) => `v${f.version}/${f.name}` === id);
  if (!file) throw new Error(`no vector ${id}`);
  return applicability(file, loadSteps(file));
}

describe("conformance applicability rules", () => {
  it("reads all 575 files into request/response steps", () => {
    expect(all).toHaveLength(575);
    for (const file of all) expect(loadSteps(file).length).toBeGreaterThan(0);
  });

  it("keeps a file applicable when it only needs an operation the relay may lack (Hash)", () => {
    expect(rulesOf("v2.1/CS-AC-M-7-21").reasons).toEqual([]);
  });

  it("State and the lifecycle dates are applicable (kept in the relay's lifecycle record)", () => {
    const rules = rulesOf("v2.1/AKLC-M-1-21");
    expect(rules.reasons.some((r) => r.includes("State"))).toBe(false);
    expect(rules.reasons.some((r) => r.includes("InitialDate"))).toBe(false);
    expect(rules.runnable).toBe(true);
  });

  it("a private key's Digest is n/a; a secret key's is applicable", () => {
    // AKLC-M-1: Get Attributes of the pair's private key expects its Digest.
    const pair = rulesOf("v2.1/AKLC-M-1-21");
    expect(pair.ignored.has(Tag.Digest)).toBe(true);
    expect(pair.reasons.some((r) => r.startsWith("expects Digest: PKCS#11 cannot digest"))).toBe(
      true,
    );
    // SKLC-M-1: the Digest of a symmetric key made by Create.
    const secret = rulesOf("v2.1/SKLC-M-1-21");
    expect(secret.ignored.has(Tag.Digest)).toBe(false);
    expect(secret.reasons).toEqual([]);
  });

  it("makes a certificate file n/a and not runnable", () => {
    const rules = rulesOf("v2.1/BL-M-10-21");
    expect(rules.reasons).toContain("Certificate objects (the relay keeps keys only)");
    expect(rules.runnable).toBe(false);
  });

  it("counts only batch-item operations, not the operations a Query response lists", () => {
    expect(rulesOf("v2.1/QS-M-1-21").reasons).toEqual([]);
  });

  it("makes exactly the twelve CS-RNG-O-2/3/4 seeding-policy files n/a", () => {
    const policy = all
      .filter((f) => applicability(f, loadSteps(f)).reasons.some((r) => r.includes("seeding")))
      .map((f) => `v${f.version}/${f.name}`);
    expect(policy).toHaveLength(12);
    expect(policy.every((id) => /\/CS-RNG-O-[234]-\d\d$/.test(id))).toBe(true);
    expect(rulesOf("v2.1/CS-RNG-O-4-21").runnable).toBe(false);
    expect(rulesOf("v2.1/CS-RNG-M-1-21").reasons).toEqual([]);
    expect(rulesOf("v2.1/CS-RNG-O-1-21").reasons).toEqual([]);
  });

  it("lists the vector errata checked with node:crypto as n/a, not runnable", () => {
    for (const id of ["v1.3/CS-BC-M-6-13", "v1.4/CS-BC-M-GCM-3-14_okms"]) {
      const rules = rulesOf(id);
      expect(rules.reasons.join()).toMatch(/^vector error/);
      expect(rules.runnable).toBe(false);
    }
    expect(rulesOf("v1.4/CS-BC-M-GCM-3-14").reasons).toEqual([]);
  });

  it("flags a fixed UID that no response returned", () => {
    expect(rulesOf("v1.2/CS_BC_M_7_12_Encrypt_with_All_Fields").reasons.join()).toMatch(
      /provisioned beforehand/,
    );
  });
});
