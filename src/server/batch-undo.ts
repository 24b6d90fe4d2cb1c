/**
 * Batch Error Continuation Option Undo (KMIP 1.4 section 6.13; Table 366 "Batch Items
 * Errors"): "If any operation in the request fails, then the server SHALL undo all the
 * previous operations": the failed item is answered as it failed, the items processed
 * before it are undone and answered with Result Status Operation Undone (their responses,
 * payload included), the items after it are neither run nor answered (as with Stop).
 *
 * PKCS#11 has no rollback, so the relay accepts Undo only for batches whose every item it
 * can undo exactly (batch-semantics.ts UNDOABLE_OPERATIONS): operations that change nothing,
 * and Activate, whose one change is the key's lifecycle record. Any other batch is refused
 * whole, naming the operation (a server that does not support the option rejects the
 * request, KMIP 1.4 section 6.13). Items run one by one.
 *
 * Lifecycle changes are journaled by a view of the LifecycleStore given to the batch's
 * operations: every record it writes is noted with the record before; undoing an item
 * writes that record back, provided the key's record is still the one the item wrote.
 */
import type { Logger } from "pino";
import { Operation, ResultReason, ResultStatus } from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import { failedItem, type RequestBatchItem, type ResponseBatchItem } from "../kmip/messages.js";
import { UNDOABLE_OPERATIONS } from "../operations/batch-semantics.js";
import { readStreamPart } from "../operations/cipher-stream-run.js";
import { encodeRecord, type LifecycleRecord } from "../operations/lifecycle-record.js";
import {
  type LifecycleStore,
  type RecordChange,
  UNRECORDED,
} from "../operations/lifecycle-store.js";
import type { TokenSelector } from "../pkcs11/types.js";
import { describeError } from "./item-log.js";
import { operationName } from "./names.js";
import { payloadBytes, responseTooLarge } from "./response-size.js";

/** The operations whose multi-part form keeps a stream on the connection (cipher-stream-run.ts). */
const STREAMING_OPERATIONS: ReadonlySet<number> = new Set([Operation.Encrypt, Operation.Decrypt]);

/**
 * Whether an item is a step of a multi-part stream (KMIP 1.4 section 4.29), which keeps
 * state on the connection that no undo can take back. Read as the stream code reads it
 * (`readStreamPart`), so that what runs as a single part here is what runs as one there;
 * a malformed combination fails as the item itself, so it is no stream step. Sign, MAC,
 * Hash and the rest refuse their multi-part forms themselves.
 */
function isStreamStep(item: RequestBatchItem): boolean {
  const { operation, payload } = item;
  if (payload === undefined || operation === undefined) return false;
  if (!STREAMING_OPERATIONS.has(operation)) return false;
  try {
    const op = operation === Operation.Encrypt ? "Encrypt" : "Decrypt";
    return readStreamPart(payload, op).kind !== "single";
  } catch {
    return false;
  }
}

/**
 * Why a batch cannot run under Undo (an operation that cannot be undone, or a multi-part
 * stream step), or undefined when every item can be undone.
 */
export function undoRefusal(items: readonly RequestBatchItem[]): KmipError | undefined {
  for (const item of items) {
    const op = item.operation;
    if (op === undefined || !UNDOABLE_OPERATIONS.has(op)) {
      return notSupported(`${operationName(op)} cannot be undone (PKCS#11 has no rollback)`);
    }
    if (isStreamStep(item)) {
      return notSupported(`a multi-part ${operationName(op)} cannot be undone`);
    }
  }
  return undefined;
}

function notSupported(why: string): KmipError {
  return new KmipError(
    ResultReason.FeatureNotSupported,
    `Batch Error Continuation Option Undo: ${why}; the request is refused whole`,
  );
}

/** One lifecycle record written: the record before (undefined: the key had none). */
interface RecordWrite {
  readonly token: TokenSelector;
  readonly uid: string;
  readonly before: LifecycleRecord | undefined;
  readonly written: LifecycleRecord;
}

/** The lifecycle writes of one batch, in order, and the store view that notes them. */
export class UndoJournal {
  readonly writes: RecordWrite[] = [];
  /** The view the batch's operations use; undefined when the relay keeps no lifecycle. */
  readonly store: LifecycleStore | undefined;

  constructor(private readonly real: LifecycleStore | undefined) {
    this.store = real === undefined ? undefined : this.journaled(real);
  }

  /**
   * `real` with update and write noting what they change. The view shares the store's state
   * (cache, per-key queue) through its prototype: only these two methods differ.
   */
  private journaled(real: LifecycleStore): LifecycleStore {
    const view = Object.create(real) as LifecycleStore;
    const writes = this.writes;
    view.update = async (token: TokenSelector, uid: string, change: RecordChange) => {
      let before: LifecycleRecord | undefined;
      const written = await real.update(token, uid, (current) => {
        before = current;
        return change(current);
      });
      // update writes nothing when the change returns the record it got (or UNRECORDED).
      const unchanged = written === before || (before === undefined && written === UNRECORDED);
      if (!unchanged) writes.push({ token, uid, before, written });
      return written;
    };
    view.write = async (token: TokenSelector, uid: string, record: LifecycleRecord) => {
      const before = await real.read(token, uid);
      await real.write(token, uid, record);
      writes.push({ token, uid, before, written: record });
    };
    return view;
  }

  /** Writes back, newest first, the records of `writes[from..to)`. */
  async undo(from: number, to: number): Promise<void> {
    const real = this.real;
    for (const w of this.writes.slice(from, to).reverse()) {
      if (real === undefined) throw new Error("no lifecycle store to undo a write in");
      const { before, written } = w;
      if (before === undefined) {
        throw new Error(`the key ${w.uid} had no lifecycle record and the store cannot remove one`);
      }
      await real.update(w.token, w.uid, (current) => {
        if (current === undefined || !sameRecord(current, written)) {
          throw new Error(`the lifecycle record of ${w.uid} was changed meanwhile`);
        }
        return before;
      });
    }
  }
}

function sameRecord(a: LifecycleRecord, b: LifecycleRecord): boolean {
  return Buffer.from(encodeRecord(a)).equals(encodeRecord(b));
}

/** One item's answer, and the Unique Identifier it leaves as the ID Placeholder. */
export interface ItemOutcome {
  readonly response: ResponseBatchItem;
  readonly uid: string | undefined;
}

/** What {@link runWithUndo} needs of the batch runner's per-request session. */
export interface UndoSession {
  withIdPlaceholder(item: RequestBatchItem): RequestBatchItem;
  runItem(item: RequestBatchItem): Promise<ItemOutcome>;
  noteResult(outcome: ItemOutcome): void;
}

/** A successful item and the journal entries it made. */
interface Done {
  readonly response: ResponseBatchItem;
  readonly from: number;
  readonly to: number;
}

/**
 * Runs `items` one by one; on the first failure undoes the earlier ones (newest first) and
 * answers them Operation Undone, or Operation Failed / General Failure for one whose undo
 * failed. `session` must run the operations against `journal.store`. A response over
 * `maxResponseBytes` is a failure (Response Too Large) like any other.
 */
export async function runWithUndo(
  items: readonly RequestBatchItem[],
  session: UndoSession,
  journal: UndoJournal,
  logger: Logger,
  maxResponseBytes?: number,
): Promise<ResponseBatchItem[]> {
  const done: Done[] = [];
  let bytes = 0;
  for (const item of items) {
    const from = journal.writes.length;
    const outcome = await session.runItem(session.withIdPlaceholder(item));
    const to = journal.writes.length;
    bytes += payloadBytes(outcome.response.payload);
    let failure: ResponseBatchItem | undefined;
    if (outcome.response.status !== ResultStatus.Success) failure = outcome.response;
    else if (maxResponseBytes !== undefined && bytes > maxResponseBytes) {
      failure = failedItem(item, responseTooLarge(maxResponseBytes));
    }
    if (failure === undefined) {
      done.push({ response: outcome.response, from, to });
      session.noteResult(outcome);
      continue;
    }
    // A failed item normally wrote nothing; whatever it did write is undone too.
    if (to > from) await undoQuietly(journal, from, to, logger);
    const undone = await undoAll(done, journal, logger);
    return [...undone, failure];
  }
  return done.map((d) => d.response);
}

/** Undoes the done items, newest first; their answers in batch order. */
async function undoAll(
  done: readonly Done[],
  journal: UndoJournal,
  logger: Logger,
): Promise<ResponseBatchItem[]> {
  const answers: ResponseBatchItem[] = new Array(done.length);
  for (let i = done.length - 1; i >= 0; i--) {
    const d = done[i]!;
    try {
      await journal.undo(d.from, d.to);
      answers[i] = { ...d.response, status: ResultStatus.OperationUndone };
    } catch (err) {
      logger.error(
        { operation: operationName(d.response.operation), err: describeError(err) },
        "Batch Error Continuation Option Undo: undoing an item failed",
      );
      const error = new KmipError(
        ResultReason.GeneralFailure,
        "the operation succeeded, but undoing it after a later item failed did not: its change remains",
      );
      answers[i] = failedItem(d.response, error);
    }
  }
  return answers;
}

async function undoQuietly(journal: UndoJournal, from: number, to: number, logger: Logger) {
  try {
    await journal.undo(from, to);
  } catch (err) {
    logger.error(
      { err: describeError(err) },
      "Batch Error Continuation Option Undo: undoing the changes of the failed item failed",
    );
  }
}
