/**
 * PyKMIP 0.10 (a common KMIP 1.x client) decodes what Get Attributes, Get Attribute List,
 * Locate, Signature Verify and Register answer, over KMIP 1.2, 1.4 and 2.0
 * (test/interop/pykmip_attributes.py does the calls, this file judges them).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRelay, type TestRelay } from "../helpers/relay.js";
import { interopScript, runStepsScript, type StepsRun } from "../interop/pykmip-script.js";

const SCRIPT = interopScript("pykmip_attributes.py");

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 1 });
});
afterAll(async () => {
  await relay?.close();
});

describe.each(["1.2", "1.4", "2.0"])("PyKMIP 0.10 over KMIP %s", (version) => {
  let run: StepsRun;
  beforeAll(async () => {
    run = await runStepsScript(SCRIPT, relay, version);
  }, 60_000);

  it("decodes every response", () => {
    expect(run.failed).toEqual([]);
  });

  it("reads the attributes of both keys", () => {
    const uids = run.steps.uids as { public: string; private: string };
    const pub = run.steps.get_attributes_public as Record<string, unknown>;
    expect(pub["Unique Identifier"]).toBe(uids.public);
    expect(pub.Name).toBe(`pykmip-attrs-${version}`);
    expect(pub["Object Type"]).toBe("PUBLIC_KEY");
    expect(pub["Cryptographic Length"]).toBe(256);
    expect(pub.State).toBe("ACTIVE");
    const priv = run.steps.get_attributes_private as Record<string, unknown>;
    expect(priv["Object Type"]).toBe("PRIVATE_KEY");
    expect(run.steps.get_attributes_named).toEqual({
      "Object Type": "PRIVATE_KEY",
      "Cryptographic Length": 256,
    });
    expect(run.steps.get_attribute_list_public).toContain("Cryptographic Usage Mask");
  });

  it("locates both keys by name and verifies a signature", () => {
    const uids = run.steps.uids as { public: string; private: string };
    expect(run.steps.locate_by_name).toEqual([uids.private, uids.public].sort());
    expect(run.steps.signature_verify).toBe("VALID");
    expect(run.steps.signature_verify_other).toBe("INVALID");
  });

  it("registers a Python-made public key that verifies Python's signature, and an AES key", () => {
    const registered = run.steps.register as Record<string, unknown>;
    expect(registered.public_uid).toMatch(/^[0-9A-F]{40}_pub$/);
    expect(registered.verify).toBe("VALID");
    expect(registered.verify_other).toBe("INVALID");
    expect(registered.secret_uid).toMatch(/^[0-9A-F]{40}_sec$/);
    expect(registered.secret_attributes).toMatchObject({
      "Object Type": "SYMMETRIC_KEY",
      "Cryptographic Algorithm": "AES",
      "Cryptographic Length": 256,
      Name: `pykmip-attrs-${version}-aes`,
    });
  });
});
