/**
 * Values a test case cannot know in advance, and how they flow from responses into later
 * requests (KMIP Additional Message Encodings v1.0, section 7: "dynamic items are indicated
 * using symbolic identifiers").
 *
 * A binding maps what the vector wrote to what this server returned:
 * - a placeholder: `$UNIQUE_IDENTIFIER_0` (Text String), `$SIGNATURE_DATA`, `$IV_COUNTER_NONCE`
 *   (Byte Strings, see src/kmip/xml-placeholders.ts); the first response field that carries
 *   it binds it, every later use must match, and requests use the bound value;
 * - a literal of a server-generated field (a ciphertext, signature, identifier the original
 *   server returned, written out as a value): bound the same way, so a later request that
 *   sends the literal back (e.g. Decrypt of the ciphertext) sends this server's value.
 * `$NOW±n` in a request is the current time ± n seconds.
 */
import { CredentialType } from "../../src/kmip/enums.js";
import { Tag, tagName } from "../../src/kmip/tags.js";
import { NOW_BASE, VECTOR_PLACEHOLDERS } from "../../src/kmip/xml-placeholders.js";
import type { TtlvItem } from "../../src/ttlv/types.js";

/** The value a binding stands for. */
export type BoundValue = string | Uint8Array;

/** A request used a placeholder before any response bound it. */
export class UnboundPlaceholderError extends Error {}

/** The key of a vector value in the binding map, or undefined for a plain value. */
export function bindingKey(item: TtlvItem): string | undefined {
  if (item.type === "TextString") return `text:${item.value}`;
  if (item.type === "ByteString") {
    const placeholder = VECTOR_PLACEHOLDERS.format(item);
    return placeholder ?? `hex:${Buffer.from(item.value).toString("hex")}`;
  }
  return undefined;
}

/** Whether a vector value is a placeholder (as opposed to a literal). */
export function isPlaceholder(item: TtlvItem): boolean {
  if (item.type === "TextString") return /^\$[A-Z][A-Z0-9_]*$/.test(item.value);
  if (item.type === "ByteString" || item.type === "DateTime") {
    return VECTOR_PLACEHOLDERS.format(item) !== undefined;
  }
  return false;
}

/** `$NOW±n` of a Date-Time placeholder, as seconds relative to now; undefined otherwise. */
export function nowOffset(item: TtlvItem): bigint | undefined {
  if (item.type !== "DateTime" || VECTOR_PLACEHOLDERS.format(item) === undefined) return undefined;
  return item.value - NOW_BASE;
}

/** `IVCounterNonce` -> `IV_COUNTER_NONCE`: a tag name as the vectors spell placeholders. */
export function placeholderStem(tag: number): string | undefined {
  return tagName(tag)
    ?.replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toUpperCase();
}

/**
 * `$DATA_0` in a Data field: the stem (`DATA`, the field's own tag name) and the index (0; 0
 * when the placeholder has none), else undefined.
 */
function placeholderOfField(item: TtlvItem, key: string): number | undefined {
  const name = key.replace(/^(text|hex):/, "").replace(/^\$/, "");
  const match = /^([A-Z][A-Z_]*?)(?:_(\d+))?$/.exec(name);
  if (!match || match[1] !== placeholderStem(item.tag)) return undefined;
  return Number(match[2] ?? 0);
}

/** The bindings of one test-case run. */
export class Bindings {
  private readonly values = new Map<string, BoundValue>();
  /** The distinct values the server returned per response tag, in order of first sight. */
  private readonly returned = new Map<number, BoundValue[]>();
  /** What fillRequest took from an earlier response for a placeholder no response carried. */
  readonly fieldAliases: string[] = [];

  get(key: string): BoundValue | undefined {
    return this.values.get(key);
  }

  set(key: string, value: BoundValue): void {
    this.values.set(key, value);
  }

  /**
   * Records the Byte String and Text String fields of a server's response payload, so that a
   * later request's `$DATA_0` whose vector wrote the response's value as a literal (e.g.
   * v1.4/CS-BC-M-13-14: Encrypt answers a literal Data, the Decrypt sends `$DATA_0`) gets the
   * server's first Data.
   */
  recordResponse(item: TtlvItem): void {
    if (item.type === "Structure") {
      for (const child of item.value) this.recordResponse(child);
      return;
    }
    if (item.type !== "ByteString" && item.type !== "TextString") return;
    const seen = this.returned.get(item.tag) ?? [];
    if (!seen.some((value) => sameBound(value, item.value))) seen.push(copyBound(item.value));
    this.returned.set(item.tag, seen);
  }

  /**
   * A placeholder that no response bound, named after the field that carries it (`$DATA_n` in
   * a Data, `$IV_COUNTER_NONCE` in an IV/Counter/Nonce): the n-th distinct value the server
   * returned in that field, or undefined.
   */
  private fieldValue(item: TtlvItem, key: string): BoundValue | undefined {
    const index = placeholderOfField(item, key);
    if (index === undefined) return undefined;
    const value = this.returned.get(item.tag)?.[index];
    if (value !== undefined) {
      this.fieldAliases.push(
        `${key.replace(/^text:/, "")}: no response carries it; sent the server's ${tagName(item.tag)} #${index}`,
      );
    }
    return value;
  }

  /**
   * The request with placeholders and bound literals replaced, `$NOW±n` set from `nowSeconds`.
   * @throws UnboundPlaceholderError for a placeholder no response has bound yet.
   */
  fillRequest(item: TtlvItem, nowSeconds: bigint): TtlvItem {
    if (item.type === "Structure") {
      return { ...item, value: item.value.map((child) => this.fillRequest(child, nowSeconds)) };
    }
    const offset = nowOffset(item);
    if (offset !== undefined)
      return { tag: item.tag, type: "DateTime", value: nowSeconds + offset };
    const key = bindingKey(item);
    if (key === undefined) return item;
    const bound =
      this.values.get(key) ?? (isPlaceholder(item) ? this.fieldValue(item, key) : undefined);
    if (bound === undefined) {
      if (isPlaceholder(item)) {
        throw new UnboundPlaceholderError(`${key.replace(/^text:/, "")} used before bound`);
      }
      return item;
    }
    if (typeof bound === "string") return { tag: item.tag, type: "TextString", value: bound };
    return { tag: item.tag, type: "ByteString", value: bound };
  }
}

/** Whether two bound values are equal (text, or the same bytes). */
export function sameBound(a: BoundValue, b: BoundValue): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}

/** A copy of a bound value that the response's buffer cannot change. */
export function copyBound(value: BoundValue): BoundValue {
  return typeof value === "string" ? value : new Uint8Array(value);
}

/** Header fields, in the order of KMIP 1.4 Table 216 / 2.1 Table 278, that follow Authentication. */
const AFTER_AUTHENTICATION: readonly number[] = [
  Tag.BatchErrorContinuationOption,
  Tag.BatchOrderOption,
  Tag.TimeStamp,
  Tag.BatchCount,
];

/**
 * The Request Message with a Username/Password Credential (KMIP 1.4 section 2.1.2) in its
 * header, in place of any the vector carries: the relay selects the token by Username and logs
 * in with the Password.
 */
export function withCredential(message: TtlvItem, username: string, password: string): TtlvItem {
  if (message.type !== "Structure") return message;
  const authentication: TtlvItem = {
    tag: Tag.Authentication,
    type: "Structure",
    value: [
      {
        tag: Tag.Credential,
        type: "Structure",
        value: [
          {
            tag: Tag.CredentialType,
            type: "Enumeration",
            value: CredentialType.UsernameAndPassword,
          },
          {
            tag: Tag.CredentialValue,
            type: "Structure",
            value: [
              { tag: Tag.Username, type: "TextString", value: username },
              { tag: Tag.Password, type: "TextString", value: password },
            ],
          },
        ],
      },
    ],
  };
  return {
    ...message,
    value: message.value.map((child) => {
      if (child.tag !== Tag.RequestHeader || child.type !== "Structure") return child;
      const fields = child.value.filter((field) => field.tag !== Tag.Authentication);
      let at = fields.findIndex((field) => AFTER_AUTHENTICATION.includes(field.tag));
      if (at < 0) at = fields.length;
      return { ...child, value: [...fields.slice(0, at), authentication, ...fields.slice(at)] };
    }),
  };
}
