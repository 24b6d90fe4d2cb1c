/**
 * Interoperability with a real third-party KMIP client: PyKMIP 0.10 (Debian's python3-pykmip)
 * against a live relay on SoftHSM2, in KMIP 1.2, 1.4 and 2.0. One driver run per version
 * (test/interop/pykmip_driver.py) does everything PyKMIP can send; this file judges what PyKMIP
 * got, and checks every signature with node:crypto against the public key PyKMIP's Get returned.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRelay } from "../helpers/relay.js";
import { SOFTHSM2_LIB } from "../helpers/softhsm.js";
import {
  checkFormats,
  checkPublicKey,
  checkSignatures,
  recordOf,
  UID,
} from "../interop/pykmip-checks.js";
import {
  type DriverInstruction,
  type DriverRun,
  type KmipVersionName,
  runPykmipDriver,
} from "../interop/pykmip-driver.js";
import {
  keysFor,
  OTHER_VERSIONS,
  parallelKeysFor,
  tlsFor,
  VERSIONS,
} from "../interop/pykmip-plan.js";
import { sessionOf } from "../interop/pykmip-script.js";
import { listTokenObjects } from "../interop/token-objects.js";

type Relay = Awaited<ReturnType<typeof startTestRelay>>;

const OPERATIONS_USED = [
  "DISCOVER_VERSIONS",
  "QUERY",
  "CREATE_KEY_PAIR",
  "GET",
  "ACTIVATE",
  "MODIFY_ATTRIBUTE",
  "SIGN",
  "REVOKE",
  "DESTROY",
];

let relay: Relay | undefined;

beforeAll(async () => {
  relay = await startTestRelay();
});

afterAll(async () => {
  await relay?.close();
});

/** Get of a destroyed key: KMIP 2.x has Object Destroyed (its BL-M-8 test case expects it). */
function afterDestroy(version: KmipVersionName): string {
  return version.startsWith("2.") ? "OBJECT_DESTROYED" : "ITEM_NOT_FOUND";
}

function instruction(version: KmipVersionName): DriverInstruction {
  if (relay === undefined) throw new Error("relay not started");
  return {
    ...sessionOf(relay, version),
    tls: tlsFor(version),
    scenarios: ["info", "keys", "errors", "names"],
    keys: keysFor(version),
    verify: true,
  };
}

describe.each(VERSIONS)("PyKMIP 0.10 over KMIP %s", (version) => {
  let run: DriverRun;
  const keys = keysFor(version);

  beforeAll(async () => {
    run = await runPykmipDriver(instruction(version));
  }, 90_000);

  it("runs every step without an unexpected failure", () => {
    expect(
      run.result.failed,
      `${JSON.stringify(run.result.failed, null, 1)}\n${run.stderr}`,
    ).toBeUndefined();
    for (const record of run.result.keys ?? []) {
      expect(record.error, `${record.label}: ${record.error?.trace}`).toBeUndefined();
    }
    expect(run.exitCode).toBe(0);
  });

  it(`TLS: ${tlsFor(version) === "1.2" ? "TLS 1.2 when PyKMIP pins it" : "PyKMIP negotiates TLS 1.3"}`, () => {
    expect(run.result.info?.tls).toBe(tlsFor(version) === "1.2" ? "TLSv1.2" : "TLSv1.3");
  });

  it("Discover Versions: all the relay's versions, and the intersection with a client's list", () => {
    const info = run.result.info;
    expect(info?.discoverAll).toMatchObject({ status: "SUCCESS" });
    expect(info?.discoverAll?.versions).toEqual(["2.1", "2.0", "1.4", "1.3", "1.2", "1.1", "1.0"]);
    // PyKMIP offered 1.4, 9.9, 1.2 (decreasing preference): only the common ones come back.
    expect(info?.discoverOffered).toMatchObject({ status: "SUCCESS", versions: ["1.4", "1.2"] });
  });

  it("Query: operations, object types and server information", () => {
    const query = run.result.info?.query;
    expect(query).toMatchObject({ status: "SUCCESS" });
    expect(query?.operations).toEqual(expect.arrayContaining(OPERATIONS_USED));
    expect(query?.objectTypes).toEqual(expect.arrayContaining(["PUBLIC_KEY", "PRIVATE_KEY"]));
    expect(query?.vendor).toContain("kmip2pkcs11");
  });

  describe.each(keys)("$label", (spec) => {
    it("Create Key Pair: _pub and _priv identifiers of one CKA_ID", () => {
      const record = recordOf(run, spec.label);
      const pub = UID.exec(record.publicUid ?? "");
      const priv = UID.exec(record.privateUid ?? "");
      expect(pub?.[2]).toBe("pub");
      expect(priv?.[2]).toBe("priv");
      expect(pub?.[1]).toBe(priv?.[1]);
    });

    it("Get: the public key in the default format, then in each requested format", () => {
      const record = recordOf(run, spec.label);
      checkPublicKey(spec, record);
      checkFormats(spec, record);
    });

    it("Activate, Modify Attribute (Name), Revoke and Destroy; Get after Destroy: Item Not Found (1.x) / Object Destroyed (2.x)", () => {
      const record = recordOf(run, spec.label);
      expect(record.activated).toBe(true);
      expect(record.renamed?.uid).toBe(record.privateUid);
      if (version !== "2.0") {
        // KMIP 1.x answers Modify Attribute with the attribute as modified.
        expect(record.renamed?.name).toBe(`interop-${version}-${spec.label}-renamed`);
      }
      expect(record.revoked).toBe(true);
      expect(record.destroyed).toBe(true);
      expect(record.getAfterDestroy?.reason).toBe(afterDestroy(version));
    });

    it("Sign: every signature verifies (node:crypto, and Python's cryptography) under the public key PyKMIP got", () => {
      checkSignatures(spec, recordOf(run, spec.label), true);
    });
  });

  it("a wrong PIN: Authentication Not Successful; the right PIN afterwards still works", () => {
    const errors = run.result.errors;
    expect(errors?.wrongPinGet?.reason).toBe("AUTHENTICATION_NOT_SUCCESSFUL");
    expect(errors?.wrongPinCreate?.reason).toBe("AUTHENTICATION_NOT_SUCCESSFUL");
    expect(errors?.rightPinAfterwards?.publicUid).toMatch(UID);
    expect(errors?.rightPinAfterwards?.privateUid).toMatch(UID);
    expect(errors?.destroyed).toBe(true);
  });

  it("Names, usage masks and Modify Attribute reach the token; destroyed keys are gone (pkcs11-tool)", () => {
    if (relay === undefined) throw new Error("relay not started");
    const names = run.result.names;
    expect(names?.renamed?.uid).toBe(names?.privateUid);
    const id = UID.exec(names?.publicUid ?? "")?.[1]?.toLowerCase();
    expect(id).toBeDefined();
    const onToken = listTokenObjects({
      lib: SOFTHSM2_LIB,
      label: relay.username,
      pin: relay.pin,
      env: relay.token.env,
    });
    // Every key of this session's life cycles was destroyed; only the kept pair remains.
    const ours = onToken
      .filter((o) => o.label.startsWith(`interop-${version}-`))
      .sort((a, b) => a.kind.localeCompare(b.kind));
    expect(ours.map(({ kind, label, id }) => ({ kind, label, id }))).toEqual([
      { kind: "Private Key", label: `interop-${version}-kept-renamed`, id },
      { kind: "Public Key", label: `interop-${version}-kept-pub`, id },
    ]);
    // The masks PyKMIP sent (Sign+Decrypt, Verify+Encrypt) beyond the relay's default (sign /
    // verify only). Not Derive. Wrap/Unwrap the relay leaves to the token's default (it never
    // sets them false: some HSMs refuse that), which is "on" for SoftHSM2.
    const [priv, pub] = ours;
    expect(priv?.usage).toEqual(expect.arrayContaining(["decrypt", "sign"]));
    expect(priv?.usage).not.toContain("derive");
    expect(pub?.usage).toEqual(expect.arrayContaining(["encrypt", "verify"]));
  });

  it("Get of an unknown UID: Item Not Found; Get of a private key: Permission Denied", () => {
    expect(run.result.errors?.getUnknown?.reason).toBe("ITEM_NOT_FOUND");
    expect(run.result.errors?.getPrivate?.reason).toBe("PERMISSION_DENIED");
  });

  it("Activate, Modify Attribute, Sign, Revoke, Destroy of an unknown UID: Item Not Found", () => {
    const unknown = run.result.errors?.unknownUid;
    expect(unknown).toEqual({
      activate: expect.objectContaining({ reason: "ITEM_NOT_FOUND" }),
      modifyAttribute: expect.objectContaining({ reason: "ITEM_NOT_FOUND" }),
      sign: expect.objectContaining({ reason: "ITEM_NOT_FOUND" }),
      revoke: expect.objectContaining({ reason: "ITEM_NOT_FOUND" }),
      destroy: expect.objectContaining({ reason: "ITEM_NOT_FOUND" }),
    });
  });

  it("refusals come back as failed items PyKMIP parses, with the Result Reason that fits", () => {
    const refusals = run.result.errors?.refusals;
    expect(refusals?.rekey.reason).toBe("OPERATION_NOT_SUPPORTED");
    expect(refusals?.createRsa1024.reason).toBe("INVALID_FIELD");
    expect(refusals?.signWithPublicKey.reason).toBe("ILLEGAL_OPERATION");
    expect(refusals?.signEcdsaSha1.reason).toBe("FEATURE_NOT_SUPPORTED");
    expect(refusals?.getEcAsPkcs1).toMatchObject({
      requested: "PKCS_1",
      reason: "KEY_FORMAT_TYPE_NOT_SUPPORTED",
    });
  });
});

describe("three PyKMIP clients at once (one per version)", () => {
  it("each gets its keys, public keys and verifying signatures; nothing fails", async () => {
    const runs = await Promise.all(
      VERSIONS.map((version) =>
        runPykmipDriver({
          ...instruction(version),
          scenarios: ["keys"],
          keys: parallelKeysFor(version),
        }),
      ),
    );
    for (const [index, run] of runs.entries()) {
      const version = VERSIONS[index] as KmipVersionName;
      expect(run.result.failed, JSON.stringify(run.result.failed)).toBeUndefined();
      const specs = parallelKeysFor(version);
      expect(run.result.keys?.map((k) => k.label)).toEqual(specs.map((k) => k.label));
      for (const spec of specs) {
        const record = recordOf(run, spec.label);
        checkPublicKey(spec, record);
        checkSignatures(spec, record, true);
        expect(record.destroyed).toBe(true);
      }
    }
  }, 90_000);
});

describe.each(OTHER_VERSIONS)("PyKMIP 0.10 over KMIP %s (short session)", (version) => {
  it("Discover Versions, Query, and a P-256 pair through Get, Sign (verified) and Destroy", async () => {
    const run = await runPykmipDriver({ ...instruction(version), scenarios: ["info", "keys"] });
    expect(run.result.failed, JSON.stringify(run.result.failed)).toBeUndefined();
    expect(run.result.info?.discoverAll?.versions).toContain(version);
    expect(run.result.info?.query?.operations).toEqual(expect.arrayContaining(OPERATIONS_USED));
    for (const spec of keysFor(version)) {
      const record = recordOf(run, spec.label);
      checkPublicKey(spec, record);
      checkFormats(spec, record);
      checkSignatures(spec, record, true);
      expect(record.renamed?.name).toBe(`interop-${version}-${spec.label}-renamed`);
      expect(record.getAfterDestroy?.reason).toBe(afterDestroy(version));
    }
  });
});
