/**
 * The KMIP key lifecycle over real TLS on SoftHSM2 (issue #5): a revoked key stops signing,
 * its State and dates live on the token (a second relay process reads them), the
 * `new-key-state = "pre-active"` policy, and keys made by another tool (no record: Active).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.js";
import {
  CryptographicAlgorithm,
  HashingAlgorithm,
  Operation,
  ResultReason,
  ResultStatus,
  RevocationReasonCode,
  State,
  ValidityIndicator,
} from "../../../src/kmip/enums.js";
import { build, findChild, findChildren } from "../../../src/kmip/item.js";
import type { ProtocolVersion } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import { startRelay } from "../../../src/server/relay.js";
import { SOFTHSM2_LIB } from "../../helpers/softhsm.js";
import { relaySession } from "./relay-session.js";
import {
  cryptoParams,
  KEY_KINDS,
  revokePayload,
  Session,
  signPayload,
  uidPayload,
} from "./session.js";

const V1_4: ProtocolVersion = { major: 1, minor: 4 };
const V2_1: ProtocolVersion = { major: 2, minor: 1 };
const ECDSA_SHA256 = cryptoParams({
  hash: HashingAlgorithm.SHA_256,
  algorithm: CryptographicAlgorithm.ECDSA,
});

async function sign(session: Session, uid: string, version = V2_1) {
  return session.call(
    Operation.Sign,
    signPayload(uid, { data: Buffer.from("zone data") }, ECDSA_SHA256),
    version,
  );
}

async function verify(session: Session, uid: string, signature: Uint8Array) {
  const payload = await session.ok(
    Operation.SignatureVerify,
    [
      ...uidPayload(uid),
      ECDSA_SHA256,
      build.byteString(Tag.Data, Buffer.from("zone data")),
      build.byteString(Tag.SignatureData, signature),
    ],
    V2_1,
  );
  return findChild(payload, Tag.ValidityIndicator)?.value;
}

describe('new-key-state = "active" (the default)', () => {
  const fixture = relaySession({ workers: 2 });

  it("create -> Sign -> Revoke(Key Compromise) -> Sign refused, Verify allowed -> Destroy -> Destroyed Compromised", async () => {
    const { privateUid, publicUid } = await fixture.session.createKeyPair({
      common: KEY_KINDS.p256,
    });
    const created = await fixture.session.attributes(privateUid);
    expect(created.get(Tag.State)?.value).toBe(State.Active);
    const initial = created.get(Tag.InitialDate)?.value as bigint;
    expect(created.get(Tag.ActivationDate)?.value).toBe(initial);

    const signed = await sign(fixture.session, privateUid);
    expect(signed.status).toBe(ResultStatus.Success);
    const signature = findChild(signed.payload, Tag.SignatureData)?.value as Uint8Array;

    for (const uid of [privateUid, publicUid]) {
      await fixture.session.ok(
        Operation.Revoke,
        revokePayload(uid, RevocationReasonCode.KeyCompromise, initial - 60n),
        V2_1,
      );
    }
    expect((await sign(fixture.session, privateUid)).reason).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    expect((await sign(fixture.session, privateUid, V1_4)).reason).toBe(
      ResultReason.PermissionDenied,
    );
    // A compromised key may still check what it protected (KMIP 1.4 section 3.22).
    expect(await verify(fixture.session, publicUid, signature)).toBe(ValidityIndicator.Valid);

    await fixture.session.ok(Operation.Destroy, uidPayload(privateUid), V2_1);
    const after = await fixture.session.attributes(privateUid);
    expect(after.get(Tag.State)?.value).toBe(State.DestroyedCompromised);
    expect(after.get(Tag.CompromiseOccurrenceDate)?.value).toBe(initial - 60n);
    for (const tag of [Tag.DestroyDate, Tag.CompromiseDate, Tag.LastChangeDate]) {
      expect(after.get(tag)?.value as bigint).toBeGreaterThanOrEqual(initial);
    }
    const get = await fixture.session.call(Operation.Get, uidPayload(privateUid), V2_1);
    expect(get.reason).toBe(ResultReason.ObjectDestroyed);
    expect((await sign(fixture.session, privateUid)).reason).toBe(ResultReason.ItemNotFound);
  });

  it("refuses to destroy an Active key (2.x and 1.x reasons); the key stays and signs", async () => {
    const { privateUid } = await fixture.session.createKeyPair({ common: KEY_KINDS.p256 });
    const v2 = await fixture.session.call(Operation.Destroy, uidPayload(privateUid), V2_1);
    expect(v2.reason).toBe(ResultReason.WrongKeyLifecycleState);
    const v1 = await fixture.session.call(Operation.Destroy, uidPayload(privateUid), V1_4);
    expect(v1.reason).toBe(ResultReason.PermissionDenied);
    expect((await sign(fixture.session, privateUid)).status).toBe(ResultStatus.Success);
  });

  it("reports a key another tool made (no record) as Active without dates", async () => {
    execFileSync(
      "pkcs11-tool",
      [
        ...["--module", SOFTHSM2_LIB, "--login", "--pin", fixture.relay.pin],
        ...["--token-label", fixture.relay.username, "--keypairgen", "--key-type", "EC:prime256v1"],
        ...["--id", "c0ffee01", "--label", "other tool"],
      ],
      { env: { ...process.env, ...fixture.relay.token.env }, stdio: "pipe" },
    );
    const attributes = await fixture.session.attributes("C0FFEE01_priv");
    expect(attributes.get(Tag.State)?.value).toBe(State.Active);
    for (const tag of [Tag.InitialDate, Tag.ActivationDate, Tag.LastChangeDate]) {
      expect(attributes.has(tag)).toBe(false);
    }
    expect((await sign(fixture.session, "C0FFEE01_priv")).status).toBe(ResultStatus.Success);
  });

  it("keeps the record on the token: a second relay process (2 workers) reads what the first wrote", async () => {
    const { privateUid, publicUid } = await fixture.session.createKeyPair({
      common: KEY_KINDS.p256,
    });
    await fixture.session.ok(
      Operation.Revoke,
      revokePayload(privateUid, RevocationReasonCode.CessationOfOperation),
      V2_1,
    );
    const stateDir = mkdtempSync(join(tmpdir(), "kmip2pkcs11-second-"));
    const config = parseConfig(
      [
        'version = "v1"',
        "[pkcs11]",
        `lib-path = ${JSON.stringify(SOFTHSM2_LIB)}`,
        "workers = 2",
        `env = { SOFTHSM2_CONF = ${JSON.stringify(fixture.relay.token.env.SOFTHSM2_CONF)} }`,
        "[server]",
        'addr = "127.0.0.1:0"',
        `state-dir = ${JSON.stringify(stateDir)}`,
      ].join("\n"),
      "second relay",
    );
    const second = await startRelay({ config, logger: pino({ level: "silent" }) });
    const sessions = await Promise.all(
      [1, 2, 3, 4].map(() => Session.open({ ...fixture.relay, port: second.address.port })),
    );
    try {
      // Four connections at once: both workers of the second relay read the record.
      const signs = await Promise.all(sessions.map((s) => sign(s, privateUid)));
      expect(signs.map((r) => r.reason)).toEqual(
        Array(4).fill(ResultReason.WrongKeyLifecycleState),
      );
      const states = await Promise.all(
        sessions.map(async (s) => (await s.attributes(privateUid)).get(Tag.State)?.value),
      );
      expect(states).toEqual(Array(4).fill(State.Deactivated));
      expect((await sessions[0]!.attributes(publicUid)).get(Tag.State)?.value).toBe(State.Active);
    } finally {
      for (const s of sessions) s.close();
      await second.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("Locate by State finds the keys in that State", async () => {
    const { privateUid, publicUid } = await fixture.session.createKeyPair({
      common: KEY_KINDS.p256,
    });
    await fixture.session.ok(
      Operation.Revoke,
      revokePayload(publicUid, RevocationReasonCode.KeyCompromise),
      V2_1,
    );
    const located = async (state: number) => {
      const payload = await fixture.session.ok(
        Operation.Locate,
        [build.structure(Tag.Attributes, [build.enumeration(Tag.State, state)])],
        V2_1,
      );
      return findChildren(payload, Tag.UniqueIdentifier).map((i) => i.value);
    };
    expect(await located(State.Compromised)).toContain(publicUid);
    expect(await located(State.Compromised)).not.toContain(privateUid);
    expect(await located(State.Active)).toContain(privateUid);
  });
});

describe('new-key-state = "pre-active"', () => {
  const fixture = relaySession({ workers: 2, pkcs11Toml: 'new-key-state = "pre-active"' });

  it("a new key signs only after Activate; a second Activate is refused", async () => {
    const { privateUid, publicUid } = await fixture.session.createKeyPair({
      common: KEY_KINDS.p256,
    });
    const before = await fixture.session.attributes(privateUid);
    expect(before.get(Tag.State)?.value).toBe(State.PreActive);
    expect(before.has(Tag.ActivationDate)).toBe(false);
    expect((await sign(fixture.session, privateUid)).reason).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    expect((await sign(fixture.session, privateUid, V1_4)).reason).toBe(
      ResultReason.PermissionDenied,
    );

    await fixture.session.ok(Operation.Activate, uidPayload(privateUid), V2_1);
    expect((await sign(fixture.session, privateUid)).status).toBe(ResultStatus.Success);
    const after = await fixture.session.attributes(privateUid);
    expect(after.get(Tag.State)?.value).toBe(State.Active);
    expect(after.has(Tag.ActivationDate)).toBe(true);
    const again = await fixture.session.call(Operation.Activate, uidPayload(privateUid), V2_1);
    expect(again.reason).toBe(ResultReason.WrongKeyLifecycleState);

    // The public half was not activated: Pre-Active, and destroyed as it is.
    expect((await fixture.session.attributes(publicUid)).get(Tag.State)?.value).toBe(
      State.PreActive,
    );
    await fixture.session.ok(Operation.Destroy, uidPayload(publicUid), V2_1);
    expect((await fixture.session.attributes(publicUid)).get(Tag.State)?.value).toBe(
      State.Destroyed,
    );
  });

  it("a key created with a past Activation Date is Active at once", async () => {
    const past = BigInt(Math.floor(Date.now() / 1000) - 3600);
    const payload = await fixture.session.ok(
      Operation.CreateKeyPair,
      [
        build.structure(Tag.CommonAttributes, [
          build.enumeration(Tag.CryptographicAlgorithm, CryptographicAlgorithm.ECDSA),
          build.integer(Tag.CryptographicLength, 256),
          build.dateTime(Tag.ActivationDate, past),
        ]),
      ],
      V2_1,
    );
    const privateUid = findChild(payload, Tag.PrivateKeyUniqueIdentifier)?.value as string;
    const attributes = await fixture.session.attributes(privateUid);
    expect(attributes.get(Tag.State)?.value).toBe(State.Active);
    expect(attributes.get(Tag.ActivationDate)?.value).toBe(past);
    expect((await sign(fixture.session, privateUid)).status).toBe(ResultStatus.Success);
  });
});
