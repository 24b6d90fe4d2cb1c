/**
 * PyKMIP 0.10 with secret keys over KMIP 1.2, 1.4 and 2.0: Create (AES, HMAC), Register of a
 * Symmetric Key, Encrypt and Decrypt (AES-CBC, PKCS#5), MAC (HMAC-SHA256), Check, Delete Attribute,
 * Revoke and Destroy (test/interop/pykmip_secret.py does the calls, this file judges them).
 * Every ciphertext and MAC made with a registered key is recomputed here with node:crypto.
 */
import { createCipheriv, createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRelay, type TestRelay } from "../helpers/relay.js";
import { interopScript, runStepsScript, type StepsRun } from "../interop/pykmip-script.js";

const SCRIPT = interopScript("pykmip_secret.py");

// The same bytes as pykmip_secret.py.
const AES_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const HMAC_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => 100 + i));
const IV = Buffer.from(Array.from({ length: 16 }, (_, i) => i));
const PLAINTEXT = Buffer.from("kmip2pkcs11 over PyKMIP, a secret-key round trip");
const MAC_DATA = Buffer.from("kmip2pkcs11 MAC over PyKMIP");
const SECRET_UID = /^[0-9A-F]{40}_sec$/;

interface CipherStep {
  readonly ciphertext: string;
  readonly iv: string | null;
  readonly decrypted: string;
}

function aesCbc(iv: Buffer): string {
  const cipher = createCipheriv("aes-256-cbc", AES_KEY, iv);
  return Buffer.concat([cipher.update(PLAINTEXT), cipher.final()]).toString("hex");
}

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({ workers: 2 });
});
afterAll(async () => {
  await relay?.close();
});

describe.each(["1.2", "1.4", "2.0"])("PyKMIP 0.10 with secret keys over KMIP %s", (version) => {
  let run: StepsRun;
  beforeAll(async () => {
    run = await runStepsScript(SCRIPT, relay, version);
  }, 90_000);

  it("runs every step without a failure", () => {
    expect(run.failed).toEqual([]);
  });

  it("Create and Register answer _sec identifiers", () => {
    expect(run.steps.created).toMatch(SECRET_UID);
    expect(run.steps.registered_aes).toMatch(SECRET_UID);
  });

  it("a created AES key encrypts and decrypts back (CBC, PKCS#5, the client's IV)", () => {
    const step = run.steps.created_round_trip as CipherStep;
    expect(step.decrypted).toBe(PLAINTEXT.toString("hex"));
    expect(step.ciphertext.length).toBe(aesCbc(IV).length);
    expect(step.ciphertext).not.toBe(aesCbc(IV)); // another key than the registered one
  });

  it("a registered AES key gives exactly node:crypto's AES-256-CBC ciphertext", () => {
    const step = run.steps.registered_cbc as CipherStep;
    expect(step.ciphertext).toBe(aesCbc(IV));
    expect(step.decrypted).toBe(PLAINTEXT.toString("hex"));
  });

  it("with Random IV the relay picks a 16-byte IV and returns it; node:crypto agrees", () => {
    const step = run.steps.registered_cbc_server_iv as CipherStep;
    expect(step.iv).toMatch(/^[0-9a-f]{32}$/);
    expect(step.ciphertext).toBe(aesCbc(Buffer.from(step.iv ?? "", "hex")));
    expect(step.decrypted).toBe(PLAINTEXT.toString("hex"));
  });

  it("MAC with a registered HMAC-SHA256 key equals node:crypto's HMAC", () => {
    const expected = createHmac("sha256", HMAC_KEY).update(MAC_DATA).digest("hex");
    expect(run.steps.registered_mac).toBe(expected);
  });

  it("MAC with a created HMAC-SHA256 key is 32 bytes, not the registered key's", () => {
    const expected = createHmac("sha256", HMAC_KEY).update(MAC_DATA).digest("hex");
    expect(run.steps.created_mac).toMatch(/^[0-9a-f]{64}$/);
    expect(run.steps.created_mac).not.toBe(expected);
  });

  it("Check: a usage the key has answers its identifier; one it lacks is refused", () => {
    expect(run.steps.check_allowed).toBe(run.steps.created);
    // KMIP 1.x has no Incompatible Cryptographic Usage Mask: Permission Denied there.
    const refused = run.steps.check_refused as { reason: string | null; message?: string };
    expect(refused.reason).toBe(
      version === "2.0" ? "INCOMPATIBLE_CRYPTOGRAPHIC_USAGE_MASK" : "PERMISSION_DENIED",
    );
  });

  it("Delete Attribute of the Name answers the key's identifier", () => {
    expect(run.steps.delete_name).toBe(run.steps.created);
  });

  it("Get of a sensitive secret key is refused as Permission Denied", () => {
    expect(run.steps.get_of_secret_key).toMatchObject({ reason: "PERMISSION_DENIED" });
  });

  it("after Revoke and Destroy, Encrypt with the key fails", () => {
    const outcome = run.steps.encrypt_after_destroy as { reason: string | null };
    expect(outcome.reason).not.toBeNull();
    expect(["ITEM_NOT_FOUND", "WRONG_KEY_LIFECYCLE_STATE", "PERMISSION_DENIED"]).toContain(
      outcome.reason,
    );
  });
});
