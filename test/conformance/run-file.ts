/**
 * Replays one test case against a relay: fills each request's placeholders from earlier
 * responses, adds the relay's credential, sends it, and compares the response field by field
 * with the expected one. Stops at the first step that differs.
 */
import { enumForTag, Operation, ResultReason, ResultStatus } from "../../src/kmip/enums.js";
import { findChild } from "../../src/kmip/item.js";
import { Tag } from "../../src/kmip/tags.js";
import type { TtlvItem } from "../../src/ttlv/types.js";
import { KmipTestClient } from "../helpers/kmip-client.js";
import { Bindings, withCredential } from "./bindings.js";
import { type CompareContext, compareItems, type Mismatch } from "./compare.js";
import { isGenerated, isServerList } from "./generated.js";
import { ObjectTracker } from "./objects.js";
import { attributeTagOf } from "./rules.js";
import { HARNESS_OPERATIONS } from "./rules-tables.js";
import { checkSignature } from "./signature-check.js";
import type { Step } from "./vectors.js";

/** Where and how to reach the relay. */
export interface RelayTarget {
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

/** The first step that differed. */
export interface StepFailure {
  readonly step: number;
  /** Operation names of the step's batch items. */
  readonly operation: string;
  readonly mismatches: Mismatch[];
}

/** Outcome of a replay. */
export interface ReplayResult {
  readonly ok: boolean;
  readonly failure?: StepFailure;
  /** Operations the relay answered Operation Not Supported. */
  readonly missingOperations: string[];
  readonly notes: string[];
}

const HEADER_OPTIONAL: ReadonlySet<number> = new Set([
  Tag.ServerCorrelationValue,
  Tag.ClientCorrelationValue,
]);
const ITEM_OPTIONAL: ReadonlySet<number> = new Set([Tag.ResultMessage]);

/** The children of a Structure with `tag`. */
function childrenWith(item: TtlvItem, tag: number): TtlvItem[] {
  return item.type === "Structure" ? item.value.filter((c) => c.tag === tag) : [];
}

function enumChild(item: TtlvItem | undefined, tag: number): number | undefined {
  const child = item?.type === "Structure" ? findChild(item, tag) : undefined;
  return child?.type === "Enumeration" ? child.value : undefined;
}

function operationName(op: number | undefined): string {
  return op === undefined ? "?" : (enumForTag(Tag.Operation)?.byValue.get(op) ?? String(op));
}

/** The Data of a payload as hex, to tell whether the runner replaced the vector's value. */
function dataOf(payload: TtlvItem | undefined): string | undefined {
  const data = payload?.type === "Structure" ? findChild(payload, Tag.Data) : undefined;
  return data?.type === "ByteString" ? Buffer.from(data.value).toString("hex") : undefined;
}

function enumText(item: TtlvItem, tag: number): string {
  const value = enumChild(item, tag);
  return value === undefined ? "-" : (enumForTag(tag)?.byValue.get(value) ?? String(value));
}

/** A different Result Status says it all: one mismatch with the server's reason and message. */
function statusMismatch(want: TtlvItem, got: TtlvItem): Mismatch {
  const message = got.type === "Structure" ? findChild(got, Tag.ResultMessage) : undefined;
  const text = message?.type === "TextString" ? ` "${message.value}"` : "";
  const reason = (item: TtlvItem) =>
    enumChild(item, Tag.ResultReason) === undefined ? "" : ` ${enumText(item, Tag.ResultReason)}`;
  return {
    path: "BatchItem/ResultStatus",
    expected: `${enumText(want, Tag.ResultStatus)}${reason(want)}`,
    got: `${enumText(got, Tag.ResultStatus)}${reason(got)}${text}`,
  };
}

function isHarnessStep(step: Step): boolean {
  const items = childrenWith(step.request, Tag.BatchItem);
  return (
    items.length > 0 &&
    items.every((i) => HARNESS_OPERATIONS.has(enumChild(i, Tag.Operation) ?? -1))
  );
}

/** Replays `steps` on one new connection. `ignored` attributes are left out of comparisons. */
export async function replay(
  steps: readonly Step[],
  target: RelayTarget,
  ignored: ReadonlySet<number>,
): Promise<ReplayResult> {
  const client = await KmipTestClient.connect(target.port);
  const state = {
    bindings: new Bindings(),
    objects: new ObjectTracker(),
    notes: new Set<string>(),
    missing: new Set<string>(),
    requestDates: requestDates(steps),
  };
  try {
    for (const step of steps) {
      if (isHarnessStep(step)) {
        state.notes.add("Interop steps not sent (test harness framing)");
        continue;
      }
      const failure = await runStep(step, target, client, ignored, state);
      if (failure) return result(state, failure);
    }
    return result(state, undefined);
  } finally {
    client.close();
  }
}

type ReplayState = {
  bindings: Bindings;
  objects: ObjectTracker;
  notes: Set<string>;
  missing: Set<string>;
  requestDates: ReadonlySet<bigint>;
};

/** Every literal Date-Time the file's requests send (the client's dates, not a server's). */
function requestDates(steps: readonly Step[]): ReadonlySet<bigint> {
  const dates = new Set<bigint>();
  const visit = (item: TtlvItem): void => {
    if (item.type === "DateTime") dates.add(item.value);
    if (item.type === "Structure") for (const child of item.value) visit(child);
  };
  for (const step of steps) visit(step.request);
  return dates;
}

function result(state: ReplayState, failure: StepFailure | undefined): ReplayResult {
  const base = { missingOperations: [...state.missing], notes: [...state.notes] };
  return failure ? { ok: false, failure, ...base } : { ok: true, ...base };
}

async function runStep(
  step: Step,
  target: RelayTarget,
  client: KmipTestClient,
  ignored: ReadonlySet<number>,
  state: ReplayState,
): Promise<StepFailure | undefined> {
  const nowSeconds = BigInt(Math.floor(Date.now() / 1000));
  const requestItems = childrenWith(step.request, Tag.BatchItem);
  const ops = requestItems.map((i) => enumChild(i, Tag.Operation));
  const operation = ops.map(operationName).join("+");
  let request: TtlvItem;
  try {
    request = withCredential(
      state.bindings.fillRequest(step.request, nowSeconds),
      target.username,
      target.password,
    );
    for (const alias of state.bindings.fieldAliases.splice(0)) {
      state.notes.add(`step ${step.index}: ${alias}`);
    }
  } catch (err) {
    const got = err instanceof Error ? err.message : String(err);
    return {
      step: step.index,
      operation,
      mismatches: [{ path: "request", expected: "bound placeholders", got }],
    };
  }
  const response = await client.request(request);
  const sentItems = childrenWith(request, Tag.BatchItem);
  const mismatches: Mismatch[] = [];
  const ignores = (item: TtlvItem) => ignored.has(attributeTagOf(item) ?? -1);
  const context = (
    generated: CompareContext["generated"],
    optional: ReadonlySet<number>,
    serverList: CompareContext["serverList"] = () => false,
  ): CompareContext => ({
    bindings: state.bindings,
    nowSeconds,
    requestDates: state.requestDates,
    generated,
    serverList,
    ignores,
    optional,
    notes: [],
  });
  const expectedHeader = childrenWith(step.response, Tag.ResponseHeader)[0];
  const gotHeader = childrenWith(response, Tag.ResponseHeader)[0];
  if (expectedHeader && gotHeader) {
    mismatches.push(
      ...compareItems(
        expectedHeader,
        gotHeader,
        context(() => false, HEADER_OPTIONAL),
      ),
    );
  } else if (expectedHeader) {
    mismatches.push({ path: "ResponseHeader", expected: "present", got: "absent" });
  }
  const expectedItems = childrenWith(step.response, Tag.BatchItem);
  const gotItems = childrenWith(response, Tag.BatchItem);
  if (expectedItems.length !== gotItems.length) {
    mismatches.push({
      path: "BatchItem",
      expected: `${expectedItems.length} items`,
      got: `${gotItems.length} items`,
    });
  }
  for (const [i, want] of expectedItems.entries()) {
    const got = gotItems[i];
    const sent = sentItems[i];
    if (!got || !sent) break;
    const op = enumChild(sent, Tag.Operation) ?? -1;
    const sentPayload = childrenWith(sent, Tag.RequestPayload)[0] ?? sent;
    const wantPayload = childrenWith(want, Tag.ResponsePayload)[0];
    const key = state.objects.target(sentPayload);
    const original = childrenWith(step.request, Tag.BatchItem)[i];
    const resent =
      dataOf(sentPayload) !== dataOf(childrenWith(original ?? sent, Tag.RequestPayload)[0]);
    const ctx = context(
      (path) => isGenerated(op, path.at(-1) ?? -1, sentPayload, wantPayload, key, resent),
      ITEM_OPTIONAL,
      (path) => isServerList(op, path),
    );
    const statusDiffers = enumChild(want, Tag.ResultStatus) !== enumChild(got, Tag.ResultStatus);
    const itemMismatches = statusDiffers
      ? [statusMismatch(want, got)]
      : compareItems(want, got, ctx, [Tag.ResponseMessage]);
    for (const note of ctx.notes) state.notes.add(`step ${step.index}: ${note}`);
    if (enumChild(got, Tag.ResultReason) === ResultReason.OperationNotSupported) {
      state.missing.add(operationName(op));
    }
    const success = enumChild(got, Tag.ResultStatus) === ResultStatus.Success;
    const gotPayload = childrenWith(got, Tag.ResponsePayload)[0];
    if (success && gotPayload) {
      state.bindings.recordResponse(gotPayload);
      state.objects.record(op, sentPayload, gotPayload);
      if (op === Operation.Sign) {
        const check = await checkSignature(
          sentPayload,
          gotPayload,
          key,
          state.objects,
          client,
          target,
        );
        if (check.mismatch) itemMismatches.push(check.mismatch);
        if (check.note) state.notes.add(`step ${step.index}: ${check.note}`);
      }
    }
    mismatches.push(
      ...itemMismatches.map((m) => ({ ...m, path: i > 0 ? `[${i}] ${m.path}` : m.path })),
    );
  }
  return mismatches.length > 0 ? { step: step.index, operation, mismatches } : undefined;
}
