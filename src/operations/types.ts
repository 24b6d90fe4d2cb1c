/**
 * The contract between the request dispatcher and the one-file-per-operation handlers.
 */
import type { Logger } from "pino";
import type { ItemOf } from "../kmip/item.js";
import type { ProtocolVersion } from "../kmip/messages.js";
import type { Pkcs11Client } from "../pkcs11/client.js";
import type { TokenSelector } from "../pkcs11/types.js";
import type { TtlvItem } from "../ttlv/types.js";
import type { NewKeyState } from "./lifecycle-rules.js";
import type { LifecycleStore } from "./lifecycle-store.js";

/** What a handler gets besides its request payload. */
export interface OperationContext {
  /** The PKCS#11 side: worker processes behind an RPC (a fake in unit tests). */
  readonly client: Pkcs11Client;
  /**
   * The token selected by the request's Username, already authenticated with its PIN;
   * undefined for operations that declare `needsToken: false` when no credential came.
   */
  readonly token: TokenSelector | undefined;
  /** The request's protocol version: responses are written in that version's forms. */
  readonly version: ProtocolVersion;
  readonly logger: Logger;
  /** Static facts for Query (relay name and version, library path). */
  readonly server: ServerFacts;
  /** Policy switches of the operations; every one defaults to the safe choice. */
  readonly options?: OperationOptions;
  /**
   * The KMIP lifecycle of the keys (State, dates), kept on the token; one per relay. Absent
   * (unit tests of single handlers): every key is Active and nothing is enforced.
   */
  readonly lifecycle?: LifecycleStore;
  /**
   * The client connection the request came on; absent when the dispatcher does not say (unit
   * tests). Multi-part Encrypt / Decrypt binds its streams to it (cipher-streams.ts).
   */
  readonly connection?: OperationConnection;
}

/** A client connection, as operations that keep state across requests see it. */
export interface OperationConnection {
  /** Unique within the relay process. */
  readonly id: number;
  /** Runs `release` once when the connection closes. */
  onClose(release: () => void): void;
}

/** Policy switches of the operations. */
export interface OperationOptions {
  /** Create Key Pair accepts RSA-1024 (refused by default: below 2048 bits is weak). */
  readonly allowRsa1024?: boolean;
  /** Most bytes one RNG Retrieve returns (`[server] max-rng-bytes`); absent: RNG_MAX_BYTES. */
  readonly maxRngBytes?: number;
  /** State of a key created without an Activation Date (`[pkcs11] new-key-state`; "active"). */
  readonly newKeyState?: NewKeyState;
}

/** Facts about this relay that Query reports. */
export interface ServerFacts {
  readonly product: string;
  readonly version: string;
  readonly libraryPath: string;
}

/** What a handler returns: the Response Payload's fields, and the UID for the log line. */
export interface OperationResult {
  readonly payload: readonly TtlvItem[];
  readonly uid?: string;
}

/**
 * One KMIP operation. `run` throws `KmipError` for KMIP-level failures; any PKCS#11 or
 * worker error it lets through is mapped by the dispatcher (see `errors.ts`).
 */
export interface OperationHandler {
  /** The Operation enumeration value. */
  readonly operation: number;
  /** Whether the operation touches a token (then the request must carry a valid credential). */
  readonly needsToken: boolean;
  run(payload: ItemOf<"Structure">, ctx: OperationContext): Promise<OperationResult>;
}
