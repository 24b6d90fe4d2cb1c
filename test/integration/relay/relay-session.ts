/**
 * The relay + Session set-up most relay tests share, as hooks registered by one call.
 */
import { afterAll, beforeAll } from "vitest";
import { startTestRelay, type TestRelay, type TestRelayOptions } from "../../helpers/relay.js";
import { Session } from "./session.js";

/** A test relay and one Session to it, both live between {@link relaySession}'s hooks. */
export interface RelaySession {
  readonly relay: TestRelay;
  readonly session: Session;
}

/**
 * Registers a `beforeAll` that starts a test relay with `opts` and opens a Session to it, and an
 * `afterAll` that closes both, in the enclosing describe block (or file). The returned object's
 * getters give the two once the hook has run; reading them earlier throws.
 */
export function relaySession(opts: TestRelayOptions = {}): RelaySession {
  let relay: TestRelay | undefined;
  let session: Session | undefined;
  beforeAll(async () => {
    relay = await startTestRelay(opts);
    session = await Session.open(relay);
  });
  afterAll(async () => {
    session?.close();
    await relay?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("relaySession: read before its beforeAll ran");
    return value;
  };
  return {
    get relay() {
      return started(relay);
    },
    get session() {
      return started(session);
    },
  };
}
