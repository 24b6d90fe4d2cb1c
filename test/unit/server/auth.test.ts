import pino from "pino";
import { describe, expect, it } from "vitest";
import { ResultReason } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import type { UsernamePasswordCredential } from "../../../src/kmip/messages.js";
import type { Pkcs11Client } from "../../../src/pkcs11/client.js";
import { CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import { Authenticator } from "../../../src/server/auth.js";

const GOOD_PIN = "1234";

/** A client whose login accepts only GOOD_PIN and counts the attempts that reach it. */
function loginOnlyClient() {
  const attempts: string[] = [];
  const client = {
    async login(_token: string, pin: string) {
      attempts.push(pin);
      if (pin !== GOOD_PIN) throw new Pkcs11Error(CKR.PIN_INCORRECT, "C_Login");
    },
  } as unknown as Pkcs11Client;
  return { client, attempts };
}

const cred = (password: string | undefined): UsernamePasswordCredential => ({
  type: "UsernameAndPassword",
  username: "token-a",
  password,
});

async function reasonOf(promise: Promise<unknown>): Promise<number | string> {
  try {
    await promise;
    return "resolved";
  } catch (err) {
    return err instanceof KmipError ? err.reason : String(err);
  }
}

describe("Authenticator", () => {
  const silent = pino({ level: "silent" });

  it("returns the token named by the Username when the PIN is right", async () => {
    const { client } = loginOnlyClient();
    const auth = new Authenticator(client, silent);
    await expect(auth.authenticate(cred(GOOD_PIN), "10.0.0.1")).resolves.toBe("token-a");
  });

  it("refuses a missing credential, another credential type and an empty password", async () => {
    const { client, attempts } = loginOnlyClient();
    const auth = new Authenticator(client, silent);
    const denied = ResultReason.AuthenticationNotSuccessful;
    expect(await reasonOf(auth.authenticate(undefined, "c"))).toBe(denied);
    expect(await reasonOf(auth.authenticate({ type: "Other", credentialType: 2 }, "c"))).toBe(
      denied,
    );
    expect(await reasonOf(auth.authenticate(cred(undefined), "c"))).toBe(denied);
    expect(await reasonOf(auth.authenticate(cred(""), "c"))).toBe(denied);
    expect(attempts).toEqual([]);
  });

  it("checks the PIN on every request, also after a correct one", async () => {
    const { client, attempts } = loginOnlyClient();
    const auth = new Authenticator(client, silent);
    await auth.authenticate(cred(GOOD_PIN), "c");
    expect(await reasonOf(auth.authenticate(cred("9999"), "c"))).toBe(
      ResultReason.AuthenticationNotSuccessful,
    );
    expect(attempts).toEqual([GOOD_PIN, "9999"]);
  });

  it("locks a client out after the free failures, without reaching the token", async () => {
    let now = 1_000_000;
    const { client, attempts } = loginOnlyClient();
    const auth = new Authenticator(
      client,
      silent,
      { freeFailures: 3, lockoutMs: 1000, maxLockoutMs: 8000, maxTrackedClients: 100 },
      () => now,
    );
    for (let i = 0; i < 3; i++) await reasonOf(auth.authenticate(cred("bad"), "evil"));
    expect(attempts).toHaveLength(3);
    // Locked now: even the right PIN is refused without a token round trip.
    const locked = auth.authenticate(cred(GOOD_PIN), "evil");
    await expect(locked).rejects.toThrow(/too many failed logins/);
    expect(attempts).toHaveLength(3);
    // Another client is not affected.
    await expect(auth.authenticate(cred(GOOD_PIN), "friend")).resolves.toBe("token-a");
    // After the lock-out the right PIN works and clears the record.
    now += 1001;
    await expect(auth.authenticate(cred(GOOD_PIN), "evil")).resolves.toBe("token-a");
    await reasonOf(auth.authenticate(cred("bad"), "evil"));
    await expect(auth.authenticate(cred(GOOD_PIN), "evil")).resolves.toBe("token-a");
  });

  it("doubles the lock-out with each further failure, up to the cap", async () => {
    let now = 0;
    const { client } = loginOnlyClient();
    const options = { freeFailures: 1, lockoutMs: 1000, maxLockoutMs: 3000, maxTrackedClients: 10 };
    const auth = new Authenticator(client, silent, options, () => now);
    const lockMessages: string[] = [];
    for (const waitMs of [0, 1001, 2001, 3001]) {
      now += waitMs;
      await reasonOf(auth.authenticate(cred("bad"), "c"));
      await auth
        .authenticate(cred(GOOD_PIN), "c")
        .catch((e: Error) => lockMessages.push(e.message));
    }
    expect(lockMessages.map((m) => m.match(/retry in (\d+) s/)?.[1])).toEqual(["1", "2", "3", "3"]);
  });

  it("passes on errors that are not about the PIN", async () => {
    const client = {
      async login() {
        throw new Pkcs11Error(CKR.DEVICE_ERROR, "C_Login");
      },
    } as unknown as Pkcs11Client;
    const auth = new Authenticator(client, silent);
    await expect(auth.authenticate(cred(GOOD_PIN), "c")).rejects.toBeInstanceOf(Pkcs11Error);
  });
});
