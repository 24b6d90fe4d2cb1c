/**
 * Running the batch items of one request (KMIP 1.4 section 6.13 and 6.15, ID Placeholder):
 * in order; with Stop (the default) the items after a failed one are neither run nor
 * answered, with Continue all run, with Undo (batch-undo.ts) the earlier items are undone
 * when every item can be, else the batch is refused whole. An item
 * without a Unique Identifier uses the one the previous item returned (the ID Placeholder).
 *
 * Consecutive items of side-effect-free operations (Sign, Get, ...) run at once, so a batch
 * of 100 Sign items is spread over the PKCS#11 workers instead of running one by one; their
 * answers still come in order, and Stop still cuts the answer at the first failure.
 */
import type { Logger } from "pino";
import {
  BatchErrorContinuationOption,
  ResultReason,
  ResultStatus,
  UniqueIdentifier as UniqueIdentifierEnum,
} from "../kmip/enums.js";
import { KmipError } from "../kmip/errors.js";
import { build, type ItemOf } from "../kmip/item.js";
import {
  failedItem,
  type RequestBatchItem,
  type RequestMessage,
  type ResponseBatchItem,
} from "../kmip/messages.js";
import { Tag } from "../kmip/tags.js";
import {
  ID_PLACEHOLDER_OPERATIONS,
  PARALLEL_SAFE_OPERATIONS,
} from "../operations/batch-semantics.js";
import { toKmipError } from "../operations/errors.js";
import { handlerFor } from "../operations/registry.js";
import type { OperationContext, OperationResult } from "../operations/types.js";
import type { TokenSelector } from "../pkcs11/types.js";
import { type ItemOutcome, runWithUndo, UndoJournal, undoRefusal } from "./batch-undo.js";
import { type ClientGrant, checkOperation, checkToken } from "./client-policy.js";
import type { DispatchDeps, Peer } from "./dispatch.js";
import { describeError, itemLoggerFor, logItem } from "./item-log.js";
import { operationName } from "./names.js";
import { payloadBytes, responseTooLarge } from "./response-size.js";

/** Runs every item of `request` as the batch options say; the answers, in order. */
export async function runBatch(
  request: RequestMessage,
  peer: Peer,
  deps: DispatchDeps,
  maxResponseBytes?: number,
): Promise<ResponseBatchItem[]> {
  const option = request.header.batchErrorContinuationOption;
  if (option === BatchErrorContinuationOption.Undo) {
    // batch-undo.ts: only batches whose every item can be undone; run one by one.
    const refused = undoRefusal(request.items);
    if (refused !== undefined) return request.items.map((item) => failedItem(item, refused));
    const journal = new UndoJournal(deps.lifecycle);
    const undoDeps = journal.store === undefined ? deps : { ...deps, lifecycle: journal.store };
    const undoSession = new RequestSession(request, peer, undoDeps);
    return runWithUndo(request.items, undoSession, journal, deps.logger, maxResponseBytes);
  }
  const stopOnFailure = option !== BatchErrorContinuationOption.Continue;
  const session = new RequestSession(request, peer, deps);
  const results: ResponseBatchItem[] = [];
  // Once the answers already exceed the response limit, the rest are not run: the response
  // will be Response Too Large anyway, and building it must not cost unbounded memory.
  let bytes = 0;
  for (const group of consecutiveGroups(request.items)) {
    if (maxResponseBytes !== undefined && bytes > maxResponseBytes) {
      results.push(...group.map((item) => failedItem(item, responseTooLarge(maxResponseBytes))));
      continue;
    }
    const prepared = group.map((item) => session.withIdPlaceholder(item));
    const outcomes = await Promise.all(prepared.map((item) => session.runItem(item)));
    for (const outcome of outcomes) {
      results.push(outcome.response);
      bytes += payloadBytes(outcome.response.payload);
      session.noteResult(outcome);
      if (stopOnFailure && outcome.response.status !== ResultStatus.Success) return results;
    }
  }
  return results;
}

/** Splits items into runs: each parallel-safe run together, every other item alone. */
function consecutiveGroups(items: readonly RequestBatchItem[]): RequestBatchItem[][] {
  const groups: RequestBatchItem[][] = [];
  let run: RequestBatchItem[] = [];
  for (const item of items) {
    const parallel = item.operation !== undefined && PARALLEL_SAFE_OPERATIONS.has(item.operation);
    if (parallel && item.error === undefined) {
      run.push(item);
      continue;
    }
    if (run.length > 0) groups.push(run);
    run = [];
    groups.push([item]);
  }
  if (run.length > 0) groups.push(run);
  return groups;
}

/**
 * State shared by the items of one request: the client's grant (`[[clients]]`),
 * authentication (once) and the ID Placeholder.
 */
class RequestSession {
  private token: Promise<TokenSelector> | undefined;
  /** The token once authenticated: later items skip the await. */
  private proved: TokenSelector | undefined;
  /** The context of this request's items (one object for all of them; see contextFor). */
  private ctx: OperationContext | undefined;
  private idPlaceholder: string | undefined;
  private boundLogger: Logger | undefined;
  /** undefined: no `[[clients]]` table; a KmipError: the client is refused every item. */
  private readonly grant: ClientGrant | KmipError | undefined;

  constructor(
    private readonly request: RequestMessage,
    private readonly peer: Peer,
    private readonly deps: DispatchDeps,
  ) {
    this.grant = deps.clientPolicy?.grantFor(peer.identity);
    if (this.grant instanceof KmipError) {
      deps.logger.warn(
        { conn: peer.connectionId, client: peer.key, reason: this.grant.message },
        "client not authorized: every item refused",
      );
    }
  }

  /**
   * The item with the ID Placeholder filled in where its operation takes one and it names no
   * Unique Identifier (or names the 2.x enumeration value ID Placeholder). Items of a parallel
   * run are prepared in order: an explicit UID becomes the placeholder for the next ones,
   * since those operations return the UID they were given.
   */
  withIdPlaceholder(item: RequestBatchItem): RequestBatchItem {
    const payload = item.payload;
    if (payload === undefined || item.operation === undefined) return item;
    if (!ID_PLACEHOLDER_OPERATIONS.has(item.operation)) return item;
    const fields = payload.value;
    const index = fields.findIndex((f) => f.tag === Tag.UniqueIdentifier);
    const given = index < 0 ? undefined : fields[index];
    if (given?.type === "TextString") {
      if (PARALLEL_SAFE_OPERATIONS.has(item.operation)) this.idPlaceholder = given.value;
      return item;
    }
    const isPlaceholderEnum =
      given?.type === "Enumeration" && given.value === UniqueIdentifierEnum.IDPlaceholder;
    if (this.idPlaceholder === undefined || (given !== undefined && !isPlaceholderEnum)) {
      return item;
    }
    const uid = build.textString(Tag.UniqueIdentifier, this.idPlaceholder);
    const rest = fields.filter((_, i) => i !== index);
    const filled = build.structure(Tag.RequestPayload, [uid, ...rest]) as ItemOf<"Structure">;
    return { ...item, payload: filled };
  }

  /** After an item: a returned Unique Identifier becomes the ID Placeholder. */
  noteResult(outcome: ItemOutcome): void {
    if (outcome.response.status === ResultStatus.Success && outcome.uid !== undefined) {
      this.idPlaceholder = outcome.uid;
    }
  }

  /** Logs in once per request; the token must be in the client's grant (checked first). */
  private authenticate(): Promise<TokenSelector> {
    const credential = this.request.header.credential;
    const selector = this.deps.authenticator.selectorFor(credential);
    const denied =
      this.grant === undefined || this.grant instanceof KmipError || selector === undefined
        ? undefined
        : checkToken(this.grant, selector);
    if (denied !== undefined) return Promise.reject(denied);
    // Failures are throttled per client: its certificate key when it has one, else its address.
    const throttleKey =
      this.peer.identity === undefined ? this.peer.key : `spki:${this.peer.identity.spkiSha256}`;
    this.token ??= this.verify(credential, throttleKey);
    return this.token;
  }

  /**
   * The Authenticator's check, skipped when this connection already proved exactly this
   * Username and Password under the current PIN epoch (see credential-memo.ts).
   */
  private async verify(
    credential: RequestMessage["header"]["credential"],
    throttleKey: string,
  ): Promise<TokenSelector> {
    const memo = this.peer.credentials;
    const epoch = this.deps.client.pinEpoch();
    const given = credential?.type === "UsernameAndPassword" ? credential : undefined;
    const password = given?.password;
    const memorable = memo !== undefined && password !== undefined;
    if (memorable && given !== undefined) {
      const token = memo.lookup(given.username, password, epoch);
      if (token !== undefined) return token;
    }
    try {
      const token = await this.deps.authenticator.authenticate(credential, throttleKey);
      if (memorable && given !== undefined) memo.remember(given.username, password, epoch);
      return token;
    } catch (err) {
      memo?.clear();
      throw err;
    }
  }

  async runItem(item: RequestBatchItem): Promise<ItemOutcome> {
    const started = performance.now();
    let uid: string | undefined;
    let response: ResponseBatchItem;
    try {
      const result = await this.execute(item);
      uid = result.uid;
      response = {
        operation: item.operation,
        uniqueBatchItemId: item.uniqueBatchItemId,
        status: ResultStatus.Success,
        payload: result.payload,
      };
    } catch (err) {
      const error = toKmipError(err);
      response = failedItem(item, error);
      // The relay's own failures (a crashed worker, a bug) get an error line with the
      // details the client is not told; a client's mistake only gets the operation line.
      if (error.reason === ResultReason.GeneralFailure) {
        this.deps.logger.error(
          { conn: this.peer.connectionId, err: describeError(err) },
          "operation failed inside the relay",
        );
      }
    }
    this.boundLogger ??= itemLoggerFor(this.peer, this.deps);
    logItem(this.boundLogger, item, response, uid, started);
    return { response, uid };
  }

  /**
   * Runs the item's handler, after authenticating (once per request) when it needs a token or
   * the request carries a credential. Throws or rejects with the item's failure. No async
   * function: once the request is proved, the handler's own promise is all there is.
   */
  private execute(item: RequestBatchItem): Promise<OperationResult> {
    if (this.grant instanceof KmipError) throw this.grant;
    if (item.error !== undefined) throw item.error;
    const operation = item.operation;
    const handler = operation === undefined ? undefined : handlerFor(operation);
    const payload = item.payload;
    if (handler === undefined || payload === undefined) {
      throw new KmipError(
        ResultReason.OperationNotSupported,
        `operation ${operationName(operation)} is not supported`,
      );
    }
    const denied =
      this.grant === undefined ? undefined : checkOperation(this.grant, operationName(operation));
    if (denied !== undefined) throw denied;
    const hasCredential = this.request.header.credential !== undefined;
    if (!handler.needsToken && !hasCredential)
      return handler.run(payload, this.contextFor(undefined));
    if (this.proved !== undefined) return handler.run(payload, this.contextFor(this.proved));
    return this.authenticate().then((token) => {
      this.proved = token;
      return handler.run(payload, this.contextFor(token));
    });
  }

  /** The operation context for `token`, made once per request and token. */
  private contextFor(token: TokenSelector | undefined): OperationContext {
    if (this.ctx !== undefined && this.ctx.token === token) return this.ctx;
    this.ctx = {
      client: this.deps.client,
      token,
      version: this.request.header.version,
      logger: this.deps.logger,
      server: this.deps.server,
      options: this.deps.options,
      ...(this.deps.lifecycle === undefined ? {} : { lifecycle: this.deps.lifecycle }),
      ...(this.peer.connection === undefined ? {} : { connection: this.peer.connection }),
    };
    return this.ctx;
  }
}
