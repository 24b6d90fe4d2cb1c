/**
 * A minimal KMIP-over-TLS client for the integration tests: frames requests, reads whole
 * responses, decodes them. It trusts any server certificate (tests use generated ones).
 */
import tls from "node:tls";
import { CredentialType } from "../../src/kmip/enums.js";
import { build } from "../../src/kmip/item.js";
import type { ProtocolVersion } from "../../src/kmip/messages.js";
import { Tag } from "../../src/kmip/tags.js";
import { decodeTtlv } from "../../src/ttlv/decode.js";
import { encodeTtlv } from "../../src/ttlv/encode.js";
import { TtlvFramer } from "../../src/ttlv/framing.js";
import type { TtlvItem } from "../../src/ttlv/types.js";

/** One batch item of a test request. */
export interface TestBatchItem {
  readonly operation: number;
  readonly payload: readonly TtlvItem[];
  readonly batchId?: Uint8Array;
}

/** Builds a Request Message. */
export function requestMessage(opts: {
  version?: ProtocolVersion;
  username?: string;
  password?: string;
  batchErrorContinuation?: number;
  maximumResponseSize?: number;
  items: readonly TestBatchItem[];
}): TtlvItem {
  const version = opts.version ?? { major: 1, minor: 2 };
  const header: TtlvItem[] = [
    build.structure(Tag.ProtocolVersion, [
      build.integer(Tag.ProtocolVersionMajor, version.major),
      build.integer(Tag.ProtocolVersionMinor, version.minor),
    ]),
  ];
  if (opts.maximumResponseSize !== undefined) {
    header.push(build.integer(Tag.MaximumResponseSize, opts.maximumResponseSize));
  }
  if (opts.username !== undefined) {
    const value = [build.textString(Tag.Username, opts.username)];
    if (opts.password !== undefined) value.push(build.textString(Tag.Password, opts.password));
    header.push(
      build.structure(Tag.Authentication, [
        build.structure(Tag.Credential, [
          build.enumeration(Tag.CredentialType, CredentialType.UsernameAndPassword),
          build.structure(Tag.CredentialValue, value),
        ]),
      ]),
    );
  }
  if (opts.batchErrorContinuation !== undefined) {
    header.push(build.enumeration(Tag.BatchErrorContinuationOption, opts.batchErrorContinuation));
  }
  header.push(build.integer(Tag.BatchCount, opts.items.length));
  return build.structure(Tag.RequestMessage, [
    build.structure(Tag.RequestHeader, header),
    ...opts.items.map((item) =>
      build.structure(Tag.BatchItem, [
        build.enumeration(Tag.Operation, item.operation),
        ...(item.batchId === undefined
          ? []
          : [build.byteString(Tag.UniqueBatchItemID, item.batchId)]),
        build.structure(Tag.RequestPayload, item.payload),
      ]),
    ),
  ]);
}

/** A connected test client. */
export class KmipTestClient {
  private readonly framer = new TtlvFramer({ maxMessageBytes: 64 * 1024 * 1024 });
  private readonly received: Buffer[] = [];
  /** Readers waiting for the next message or the close (several requests may overlap). */
  private readonly waiters = new Set<() => void>();
  private closed = false;

  private constructor(readonly socket: tls.TLSSocket) {
    socket.on("data", (chunk: Buffer) => {
      this.received.push(...this.framer.push(chunk));
      this.wakeAll();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wakeAll();
    });
    socket.on("error", () => {});
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Connects over TLS to 127.0.0.1:`port`. */
  static connect(port: number, options: tls.ConnectionOptions = {}): Promise<KmipTestClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect(
        { host: "127.0.0.1", port, rejectUnauthorized: false, ...options },
        () => resolve(new KmipTestClient(socket)),
      );
      socket.once("error", reject);
    });
  }

  /** Sends raw bytes. */
  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next whole response message, raw; rejects if the server closes first. */
  async nextRaw(timeoutMs = 20_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.closed) throw new Error("connection closed by the server");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no response in time");
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
    return this.received.shift()!;
  }

  /** Sends a request message and returns the decoded response. */
  async request(message: TtlvItem): Promise<TtlvItem> {
    this.send(encodeTtlv(message));
    return decodeTtlv(await this.nextRaw());
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
