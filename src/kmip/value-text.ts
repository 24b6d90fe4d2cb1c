/**
 * Text forms of TTLV values shared by the XML and JSON encodings (KMIP Additional Message
 * Encodings v1.0, sections 4.1 and 6.1): ISO 8601 date-times, fixed-width hex numbers, Big
 * Integers as two's complement hex. Every parser returns undefined on bad input; the callers
 * add the location to their error.
 */

const SECONDS_PER_DAY = 86_400n;
const DATE_TIME =
  /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100);
  return era * 146_097 + dayOfEra + dayOfYear - 719_468;
}

/** Inverse of {@link daysFromCivil}. */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function pad(value: number, width: number): string {
  const text = Math.abs(value).toString().padStart(width, "0");
  return value < 0 ? `-${text}` : text;
}

/**
 * Parses an xsd:dateTime (`2001-01-01T10:00:00+10:00`; no zone means UTC) into POSIX
 * microseconds. Fractional digits beyond microseconds are truncated.
 */
export function parseDateTimeMicros(text: string): bigint | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const zone = m[8] ?? "Z";
  const zoneMinutes =
    zone === "Z"
      ? 0
      : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
  const seconds =
    BigInt(daysFromCivil(year, month, day)) * SECONDS_PER_DAY +
    BigInt(hour * 3600 + minute * 60 + second - zoneMinutes * 60);
  const micros = BigInt((m[7] ?? "").padEnd(6, "0").slice(0, 6) || "0");
  return seconds * 1_000_000n + micros;
}

/** Parses an xsd:dateTime into POSIX seconds (fractions truncated, as section 4.1.6.11 says). */
export function parseDateTime(text: string): bigint | undefined {
  const micros = parseDateTimeMicros(text);
  return micros === undefined ? undefined : floorDiv(micros, 1_000_000n);
}

/** Formats POSIX seconds as `YYYY-MM-DDTHH:MM:SS+00:00` (the form of the OASIS vectors). */
export function formatDateTime(seconds: bigint): string {
  return formatDateTimeMicros(seconds * 1_000_000n, false);
}

/** Formats POSIX microseconds; with `fraction`, always 6 fractional digits. */
export function formatDateTimeMicros(micros: bigint, fraction = true): string {
  const seconds = floorDiv(micros, 1_000_000n);
  const days = floorDiv(seconds, SECONDS_PER_DAY);
  const secondOfDay = Number(seconds - days * SECONDS_PER_DAY);
  const [year, month, day] = civilFromDays(Number(days));
  const time = `${pad(Math.floor(secondOfDay / 3600), 2)}:${pad(Math.floor(secondOfDay / 60) % 60, 2)}:${pad(secondOfDay % 60, 2)}`;
  const micro = fraction ? `.${(micros - seconds * 1_000_000n).toString().padStart(6, "0")}` : "";
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${time}${micro}+00:00`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Parses `0x` + exactly `digits` hex digits as a two's complement value of that width. */
export function parseFixedHex(text: string, digits: number): bigint | undefined {
  if (text.length !== digits + 2 || !/^0x[0-9A-Fa-f]+$/.test(text)) return undefined;
  return BigInt.asIntN(digits * 4, BigInt(text));
}

/** A signed value as `0x` + `digits` hex digits of two's complement. */
export function formatFixedHex(value: bigint, digits: number): string {
  return `0x${BigInt.asUintN(digits * 4, value)
    .toString(16)
    .padStart(digits, "0")}`;
}

/** Parses hex (even count, optional `0x`) as a two's complement Big Integer of that width. */
export function parseBigIntegerHex(text: string): bigint | undefined {
  const digits = text.startsWith("0x") ? text.slice(2) : text;
  if (digits.length === 0 || digits.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(digits)) {
    return undefined;
  }
  return BigInt.asIntN(digits.length * 4, BigInt(`0x${digits}`));
}

/**
 * A Big Integer as hex of its TTLV value bytes: minimal two's complement, sign-extended to a
 * multiple of 8 bytes (KMIP 1.4 section 9.1.1.4).
 */
export function formatBigIntegerHex(value: bigint): string {
  let bytes = 8;
  while (BigInt.asIntN(bytes * 8, value) !== value) bytes += 8;
  return BigInt.asUintN(bytes * 8, value)
    .toString(16)
    .padStart(bytes * 2, "0");
}

/** Parses a decimal integer (optional `-`) into a bigint. */
export function parseDecimal(text: string): bigint | undefined {
  return /^-?\d+$/.test(text) ? BigInt(text) : undefined;
}

/** Parses plain hex digits (even count) into bytes. */
export function parseHexBytes(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, "hex"));
}
