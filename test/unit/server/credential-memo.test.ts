/**
 * The per-connection credential memo through the batch runner: a connection that proved its
 * Username and Password skips the PIN check for the very same credential only; a wrong PIN
 * after a right one is still refused (and still throttled), another token or a PIN epoch
 * change is verified again, and another connection has its own memo.
 */
import { describe, expect, it } from "vitest";
import { Operation, ResultReason, ResultStatus } from "../../../src/kmip/enums.js";
import { build, type ItemOf } from "../../../src/kmip/item.js";
import type { RequestMessage } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import { CKR } from "../../../src/pkcs11/constants.js";
import { Pkcs11Error } from "../../../src/pkcs11/errors.js";
import { runBatch } from "../../../src/server/batch.js";
import { CredentialMemo } from "../../../src/server/credential-memo.js";
import type { Peer } from "../../../src/server/dispatch.js";
import { FakeClient } from "../operations/fake.js";
import { testDeps } from "./deps.js";

const GOOD_PIN = "1234";

/** A client whose token accepts GOOD_PIN only, with a PIN epoch the test can move. */
class EpochClient extends FakeClient {
  epoch = 0;
  override pinEpoch = () => this.epoch;
  constructor() {
    super({
      login: async (_token, pin) => {
        if (pin !== GOOD_PIN) throw new Pkcs11Error(CKR.PIN_INCORRECT, "C_Login");
      },
    });
  }
  /** The PINs that reached the token check, in order. */
  get checkedPins(): string[] {
    return this.callsOf("login").map((c) => String(c.args[1]));
  }
}

/** A request whose one item (Query: needs no token) still authenticates its Credential. */
function query(password: string, username = "tok"): RequestMessage {
  const payload = build.structure(Tag.RequestPayload, [
    build.enumeration(Tag.QueryFunction, 1),
  ]) as ItemOf<"Structure">;
  return {
    header: {
      version: { major: 1, minor: 2 },
      maximumResponseSize: undefined,
      credential: { type: "UsernameAndPassword", username, password },
      batchErrorContinuationOption: undefined,
      batchOrderOption: undefined,
      batchCount: 1,
    },
    items: [
      { operation: Operation.Query, uniqueBatchItemId: undefined, payload, error: undefined },
    ],
  };
}

function setup() {
  const client = new EpochClient();
  const deps = testDeps(client);
  const connection = (id: number): Peer => ({
    key: "127.0.0.1",
    connectionId: id,
    credentials: new CredentialMemo(),
  });
  const send = async (peer: Peer, request: RequestMessage) => {
    const [item] = await runBatch(request, peer, deps);
    return item?.status === ResultStatus.Success ? "ok" : item?.reason;
  };
  return { client, connection, send };
}

describe("per-connection credential memo", () => {
  it("skips the check for the same credential only; a wrong PIN afterwards is refused", async () => {
    const { client, connection, send } = setup();
    const conn = connection(1);
    expect(await send(conn, query(GOOD_PIN))).toBe("ok");
    expect(await send(conn, query(GOOD_PIN))).toBe("ok");
    expect(client.checkedPins).toEqual([GOOD_PIN]);
    expect(await send(conn, query("9999"))).toBe(ResultReason.AuthenticationNotSuccessful);
    expect(await send(conn, query(`${GOOD_PIN}0`))).toBe(ResultReason.AuthenticationNotSuccessful);
    // The failure cleared the memo: the right PIN is checked again.
    expect(await send(conn, query(GOOD_PIN))).toBe("ok");
    expect(client.checkedPins).toEqual([GOOD_PIN, "9999", `${GOOD_PIN}0`, GOOD_PIN]);
  });

  it("still throttles failed logins on a connection that proved its PIN", async () => {
    const { client, connection, send } = setup();
    const conn = connection(1);
    expect(await send(conn, query(GOOD_PIN))).toBe("ok");
    for (let i = 0; i < 3; i++) {
      expect(await send(conn, query("0000"))).toBe(ResultReason.AuthenticationNotSuccessful);
    }
    const before = client.checkedPins.length;
    // Locked out now: neither a wrong nor the right PIN reaches the token.
    expect(await send(conn, query("0000"))).toBe(ResultReason.AuthenticationNotSuccessful);
    expect(await send(conn, query(GOOD_PIN))).toBe(ResultReason.AuthenticationNotSuccessful);
    expect(client.checkedPins.length).toBe(before);
  });

  it("verifies another token's credential, another connection's, and after a PIN epoch change", async () => {
    const { client, connection, send } = setup();
    const first = connection(1);
    expect(await send(first, query(GOOD_PIN))).toBe("ok");
    expect(await send(first, query(GOOD_PIN, "other"))).toBe("ok");
    expect(await send(connection(2), query(GOOD_PIN))).toBe("ok");
    expect(client.checkedPins).toHaveLength(3);
    client.epoch += 1;
    expect(await send(first, query(GOOD_PIN, "other"))).toBe("ok");
    expect(client.checkedPins).toHaveLength(4);
    expect(await send(first, query(GOOD_PIN, "other"))).toBe("ok");
    expect(client.checkedPins).toHaveLength(4);
  });
});
