/** Text forms of values shared by the XML and JSON encodings. */
import { describe, expect, it } from "vitest";
import {
  formatBigIntegerHex,
  formatDateTime,
  formatDateTimeMicros,
  formatFixedHex,
  parseBigIntegerHex,
  parseDateTime,
  parseDateTimeMicros,
  parseFixedHex,
} from "../../../src/kmip/value-text.js";

describe("date-times (xsd:dateTime, section 4.1.6.11)", () => {
  it.each([
    ["1970-01-01T00:00:00Z", 0n],
    ["1970-01-01T00:00:00", 0n],
    ["1969-12-31T23:59:59+00:00", -1n],
    ["2001-01-01T10:00:00+10:00", 978307200n],
    ["2001-01-01T00:00:00-05:30", 978327000n],
    ["2000-02-29T12:00:00Z", 951825600n],
    ["2001-01-01T00:00:00.999Z", 978307200n], // fractions truncated
    ["0000-12-31T23:59:59Z", -62135596801n],
    ["-0001-12-31T23:59:59Z", -62167219201n], // year 0 is a leap year
  ])("%s is %d", (text, seconds) => {
    expect(parseDateTime(text)).toBe(seconds);
  });

  it.each(["2001-13-01T00:00:00Z", "2001-01-01 00:00:00", "2001-01-01T24:00:00Z", "now"])(
    "rejects %s",
    (text) => {
      expect(parseDateTime(text)).toBeUndefined();
    },
  );

  it("formats in UTC and reads back across the whole signed 64-bit range", () => {
    expect(formatDateTime(978307200n)).toBe("2001-01-01T00:00:00+00:00");
    expect(formatDateTime(-1n)).toBe("1969-12-31T23:59:59+00:00");
    for (const seconds of [-(2n ** 63n), 2n ** 63n - 1n, 253402300799n, -62135596800n]) {
      expect(parseDateTime(formatDateTime(seconds))).toBe(seconds);
    }
    expect(formatDateTimeMicros(1n)).toBe("1970-01-01T00:00:00.000001+00:00");
    expect(parseDateTimeMicros("1969-12-31T23:59:59.999999Z")).toBe(-1n);
  });
});

describe("hex numbers (section 4.1.1)", () => {
  it("reads and writes fixed-width two's complement", () => {
    expect(parseFixedHex("0xffffffff", 8)).toBe(-1n);
    expect(parseFixedHex("0x0000000A", 8)).toBe(10n);
    expect(parseFixedHex("0xfff", 8)).toBeUndefined();
    expect(formatFixedHex(-2n, 16)).toBe("0xfffffffffffffffe");
  });

  it("writes Big Integers sign-extended to a multiple of 8 bytes", () => {
    expect(formatBigIntegerHex(0n)).toBe("0000000000000000");
    expect(formatBigIntegerHex(-1n)).toBe("ffffffffffffffff");
    expect(formatBigIntegerHex(2n ** 63n)).toBe("00000000000000008000000000000000");
    expect(parseBigIntegerHex("ffffffffffffff01")).toBe(-255n);
    expect(parseBigIntegerHex("0000000000010001")).toBe(65537n);
    expect(parseBigIntegerHex("abc")).toBeUndefined();
  });
});
