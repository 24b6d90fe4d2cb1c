/**
 * Length-prefixed binary frames for the worker RPC, carried on a dedicated pipe (fd 3), so
 * whatever a vendor library prints on stdout/stderr cannot corrupt it. A frame is a 4-byte
 * unsigned big-endian payload length followed by the payload.
 */

/** Size of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** Largest payload accepted (a frame announcing more is a protocol error). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** The peer sent bytes that are not a valid frame. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FrameError";
  }
}

/** Prefixes `payload` with its length. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > MAX_FRAME_BYTES) {
    throw new FrameError(`frame payload of ${payload.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Reassembles frames from stream chunks of any size. `push` returns the payloads completed
 * by the chunk (views into the received bytes) and throws {@link FrameError} on an oversized
 * length.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): Buffer[] {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (data.length >= FRAME_HEADER_BYTES) {
      const length = data.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) {
        throw new FrameError(`frame announces ${length} bytes, more than ${MAX_FRAME_BYTES}`);
      }
      const end = FRAME_HEADER_BYTES + length;
      if (data.length < end) break;
      frames.push(data.subarray(FRAME_HEADER_BYTES, end));
      data = data.subarray(end);
    }
    this.pending = data;
    return frames;
  }
}
