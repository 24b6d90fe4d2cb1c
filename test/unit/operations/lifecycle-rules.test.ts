/**
 * The KMIP lifecycle state machine (KMIP 1.4 section 3.22 and its diagram): every allowed
 * transition and every refusal, with the 1.x and 2.x Result Reasons, and lazy evaluation of
 * the State from the dates.
 */
import { describe, expect, it } from "vitest";
import { RevocationReasonCode as R, ResultReason, State } from "../../../src/kmip/enums.js";
import { KmipError } from "../../../src/kmip/errors.js";
import type { LifecycleRecord } from "../../../src/operations/lifecycle-record.js";
import {
  activated,
  checkUse,
  destroyed,
  effectiveState,
  newRecord,
  revoked,
  wrongState,
} from "../../../src/operations/lifecycle-rules.js";

const V1 = { major: 1, minor: 4 };
const V2 = { major: 2, minor: 1 };
const NOW = 1_000_000n;

const rec = (state: number, extra: Partial<LifecycleRecord> = {}): LifecycleRecord => ({
  state,
  initialDate: 10n,
  ...extra,
});

function reasonOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof KmipError) return err.reason;
    throw err;
  }
  throw new Error("expected a KmipError");
}

const ALL_STATES = [
  State.PreActive,
  State.Active,
  State.Deactivated,
  State.Compromised,
  State.Destroyed,
  State.DestroyedCompromised,
];

describe("newRecord (transition 1)", () => {
  it("policy active: Active with Activation Date = now and the creation dates", () => {
    expect(newRecord(NOW, "active", undefined)).toEqual({
      state: State.Active,
      initialDate: NOW,
      lastChangeDate: NOW,
      originalCreationDate: NOW,
      activationDate: NOW,
    });
  });

  it("policy pre-active: Pre-Active without an Activation Date", () => {
    const r = newRecord(NOW, "pre-active", undefined);
    expect(r.state).toBe(State.PreActive);
    expect(r.activationDate).toBeUndefined();
    expect(r.initialDate).toBe(NOW);
  });

  it("a requested Activation Date wins over the policy: past/now Active, future Pre-Active", () => {
    for (const policy of ["active", "pre-active"] as const) {
      expect(newRecord(NOW, policy, NOW - 5n)).toMatchObject({
        state: State.Active,
        activationDate: NOW - 5n,
      });
      expect(newRecord(NOW, policy, NOW).state).toBe(State.Active);
      expect(newRecord(NOW, policy, NOW + 60n)).toMatchObject({
        state: State.PreActive,
        activationDate: NOW + 60n,
      });
    }
  });
});

describe("effectiveState: the dates move the State lazily", () => {
  it("Pre-Active becomes Active when its Activation Date passes (transition 4)", () => {
    const r = newRecord(NOW, "pre-active", NOW + 60n);
    expect(effectiveState(r, NOW + 59n)).toBe(State.PreActive);
    expect(effectiveState(r, NOW + 60n)).toBe(State.Active);
  });

  it("Active becomes Deactivated when its Deactivation Date passes (transition 6)", () => {
    const r = rec(State.Active, { deactivationDate: NOW });
    expect(effectiveState(r, NOW - 1n)).toBe(State.Active);
    expect(effectiveState(r, NOW)).toBe(State.Deactivated);
  });

  it("a Pre-Active key without an Activation Date stays Pre-Active", () => {
    expect(effectiveState(rec(State.PreActive), 10n ** 12n)).toBe(State.PreActive);
  });
});

describe("wrongState", () => {
  it("is Wrong Key Lifecycle State from 2.1 on, Permission Denied for 1.x and 2.0 (OASIS vectors)", () => {
    expect(wrongState({ major: 2, minor: 1 }, "x").reason).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    expect(wrongState({ major: 2, minor: 0 }, "x").reason).toBe(ResultReason.PermissionDenied);
    expect(wrongState({ major: 1, minor: 4 }, "x").reason).toBe(ResultReason.PermissionDenied);
  });
});

describe("Activate (KMIP 1.4 section 4.19)", () => {
  it("Pre-Active -> Active with Activation Date and Last Change Date = now", () => {
    expect(activated(rec(State.PreActive), NOW, V2)).toMatchObject({
      state: State.Active,
      activationDate: NOW,
      lastChangeDate: NOW,
      initialDate: 10n,
    });
  });

  it("a Pre-Active key whose future Activation Date is brought forward", () => {
    const r = activated(newRecord(NOW, "pre-active", NOW + 99n), NOW, V2);
    expect(r.activationDate).toBe(NOW);
    expect(effectiveState(r, NOW)).toBe(State.Active);
  });

  it.each(ALL_STATES.filter((s) => s !== State.PreActive))(
    "refuses State %i: Wrong Key Lifecycle State (2.x), Permission Denied (1.x)",
    (state) => {
      expect(reasonOf(() => activated(rec(state), NOW, V2))).toBe(
        ResultReason.WrongKeyLifecycleState,
      );
      expect(reasonOf(() => activated(rec(state), NOW, V1))).toBe(ResultReason.PermissionDenied);
    },
  );

  it('policy "active": an Active key stays as it is (Cascade activates its new keys)', () => {
    const r = rec(State.Active, { activationDate: 7n });
    expect(activated(r, NOW, V2, "active")).toBe(r);
    expect(reasonOf(() => activated(r, NOW, V2, "pre-active"))).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    expect(reasonOf(() => activated(rec(State.Compromised), NOW, V2, "active"))).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
  });

  it("refuses a key that became Active by its date", () => {
    const r = newRecord(NOW, "pre-active", NOW - 1n);
    expect(reasonOf(() => activated(r, NOW, V2))).toBe(ResultReason.WrongKeyLifecycleState);
  });
});

describe("Revoke (KMIP 1.4 section 4.20)", () => {
  const compromise = { code: R.KeyCompromise, message: "stolen" };

  it.each([State.PreActive, State.Active, State.Deactivated])(
    "Key Compromise: State %i -> Compromised (transitions 3, 5, 8)",
    (state) => {
      const r = revoked(rec(state), compromise, 6n, NOW, V2);
      expect(r).toMatchObject({
        state: State.Compromised,
        compromiseDate: NOW,
        compromiseOccurrenceDate: 6n,
        revocationReason: compromise,
        lastChangeDate: NOW,
      });
    },
  );

  it("CA Compromise also compromises; the occurrence defaults to the Initial Date", () => {
    const r = revoked(rec(State.Active), { code: R.CACompromise }, undefined, NOW, V2);
    expect(r.state).toBe(State.Compromised);
    expect(r.compromiseOccurrenceDate).toBe(10n);
  });

  it("without an Initial Date (a key the relay has no record of), no occurrence is invented", () => {
    const r = revoked({ state: State.Active }, compromise, undefined, NOW, V2);
    expect(r.compromiseOccurrenceDate).toBeUndefined();
  });

  it("Key Compromise of a destroyed key: Destroyed Compromised (transition 10)", () => {
    const r = revoked(rec(State.Destroyed, { destroyDate: 50n }), compromise, 6n, NOW, V2);
    expect(r.state).toBe(State.DestroyedCompromised);
    expect(r.destroyDate).toBe(50n);
  });

  it.each([State.Compromised, State.DestroyedCompromised])(
    "Key Compromise of State %i is refused",
    (state) => {
      expect(reasonOf(() => revoked(rec(state), compromise, 6n, NOW, V2))).toBe(
        ResultReason.WrongKeyLifecycleState,
      );
      expect(reasonOf(() => revoked(rec(state), compromise, 6n, NOW, V1))).toBe(
        ResultReason.PermissionDenied,
      );
    },
  );

  it("another reason: Active -> Deactivated with Deactivation Date = now (transition 6)", () => {
    const reason = { code: R.CessationOfOperation };
    const r = revoked(rec(State.Active), reason, 6n, NOW, V2);
    expect(r).toMatchObject({ state: State.Deactivated, deactivationDate: NOW });
    expect(r.compromiseDate).toBeUndefined();
    expect(r.compromiseOccurrenceDate).toBeUndefined();
  });

  it.each(ALL_STATES.filter((s) => s !== State.Active))(
    "another reason on State %i is refused (no such transition)",
    (state) => {
      const reason = { code: R.Superseded };
      expect(reasonOf(() => revoked(rec(state), reason, undefined, NOW, V2))).toBe(
        ResultReason.WrongKeyLifecycleState,
      );
      expect(reasonOf(() => revoked(rec(state), reason, undefined, NOW, V1))).toBe(
        ResultReason.PermissionDenied,
      );
    },
  );
});

describe("Destroy (KMIP 1.4 section 4.21)", () => {
  it.each([
    [State.PreActive, State.Destroyed],
    [State.Deactivated, State.Destroyed],
    [State.Compromised, State.DestroyedCompromised],
  ])("State %i -> %i with Destroy Date = now (transitions 2, 7, 9)", (from, to) => {
    expect(destroyed(rec(from), NOW, V2)).toMatchObject({
      state: to,
      destroyDate: NOW,
      lastChangeDate: NOW,
    });
  });

  it("refuses an Active key: Wrong Key Lifecycle State (2.x), Permission Denied (1.x)", () => {
    expect(reasonOf(() => destroyed(rec(State.Active), NOW, V2))).toBe(
      ResultReason.WrongKeyLifecycleState,
    );
    expect(reasonOf(() => destroyed(rec(State.Active), NOW, V1))).toBe(
      ResultReason.PermissionDenied,
    );
  });

  it("a key Active by its date is refused too; one deactivated by its date is destroyed", () => {
    const byDate = newRecord(NOW, "pre-active", NOW - 1n);
    expect(reasonOf(() => destroyed(byDate, NOW, V2))).toBe(ResultReason.WrongKeyLifecycleState);
    const expired = rec(State.Active, { deactivationDate: NOW - 1n });
    expect(destroyed(expired, NOW, V2).state).toBe(State.Destroyed);
  });

  it.each([State.Destroyed, State.DestroyedCompromised])(
    "a destroyed key (State %i) is Item Not Found",
    (state) => {
      expect(reasonOf(() => destroyed(rec(state), NOW, V2))).toBe(ResultReason.ItemNotFound);
    },
  );
});

describe("checkUse", () => {
  const allowed = (state: number, use: "protect" | "process" | "retrieve", v = V2) => {
    try {
      checkUse(state, use, "Op", v);
      return "ok";
    } catch (err) {
      return (err as KmipError).reason;
    }
  };
  const WRONG = ResultReason.WrongKeyLifecycleState;

  it("protect (Sign, MAC, Encrypt) needs Active", () => {
    expect(ALL_STATES.map((s) => allowed(s, "protect"))).toEqual([
      WRONG,
      "ok",
      WRONG,
      WRONG,
      ResultReason.ItemNotFound,
      ResultReason.ItemNotFound,
    ]);
    expect(allowed(State.Compromised, "protect", V1)).toBe(ResultReason.PermissionDenied);
  });

  it("process (Verify, MAC Verify, Decrypt): Active, Deactivated, Compromised", () => {
    expect(ALL_STATES.map((s) => allowed(s, "process"))).toEqual([
      WRONG,
      "ok",
      "ok",
      "ok",
      ResultReason.ItemNotFound,
      ResultReason.ItemNotFound,
    ]);
    expect(allowed(State.PreActive, "process", V1)).toBe(ResultReason.PermissionDenied);
  });

  it("retrieve (Get): any State but destroyed; destroyed is Object Destroyed (2.x)", () => {
    expect(ALL_STATES.map((s) => allowed(s, "retrieve"))).toEqual([
      "ok",
      "ok",
      "ok",
      "ok",
      ResultReason.ObjectDestroyed,
      ResultReason.ObjectDestroyed,
    ]);
    expect(allowed(State.Destroyed, "retrieve", V1)).toBe(ResultReason.ItemNotFound);
  });
});
