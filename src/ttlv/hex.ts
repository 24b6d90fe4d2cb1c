/**
 * Hex text <-> bytes, for tests, logs and the KMIP JSON/XML encodings (byte strings are
 * plain hex there). Whitespace in the input is ignored so annotated vectors can be spaced.
 */
import { TtlvError } from "./errors.js";

/** Value of one hex digit from its char code, or -1 when it is not a hex digit. */
function hexDigitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30; // 0-9
  if (code >= 0x61 && code <= 0x66) return code - 0x57; // a-f
  if (code >= 0x41 && code <= 0x46) return code - 0x37; // A-F
  return -1;
}

/** Space, tab, line feed, carriage return, form feed, vertical tab. */
function isWhitespace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/**
 * Parses hex text into bytes; whitespace anywhere is ignored.
 * @throws TtlvError `BadHex` on a non-hex character or an odd number of digits; `offset` is
 *   the index of the offending (or the unpaired last) character.
 */
export function hexToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length >>> 1);
  let count = 0;
  let high = -1;
  let highIndex = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isWhitespace(code)) continue;
    const digit = hexDigitValue(code);
    if (digit < 0) {
      throw new TtlvError("BadHex", `not a hex digit at index ${i}`, i, []);
    }
    if (high < 0) {
      high = digit;
      highIndex = i;
    } else {
      out[count++] = (high << 4) | digit;
      high = -1;
    }
  }
  if (high >= 0) {
    throw new TtlvError("BadHex", `odd number of hex digits (index ${highIndex})`, highIndex, []);
  }
  // Copy when whitespace was skipped, so the result owns exactly its bytes.
  return count === out.length ? out : out.slice(0, count);
}

/** Formats bytes as lower-case hex with no separators. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
