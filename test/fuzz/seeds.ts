/**
 * Seed inputs of the fuzzers: every message of the OASIS KMIP XML vectors (KMIP 1.0-2.1,
 * XML -> item -> TTLV bytes) and every request/response of NLnetLabs' OASIS use-case hex
 * vectors. Loaded once per process.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CredentialType } from "../../src/kmip/enums.js";
import { build } from "../../src/kmip/item.js";
import { Tag } from "../../src/kmip/tags.js";
import { xmlToTtlv } from "../../src/kmip/xml.js";
import { VECTOR_PLACEHOLDERS } from "../../src/kmip/xml-placeholders.js";
import { decodeTtlv } from "../../src/ttlv/decode.js";
import { encodeTtlv } from "../../src/ttlv/encode.js";
import { hexToBytes } from "../../src/ttlv/hex.js";
import type { TtlvItem } from "../../src/ttlv/types.js";

const VECTOR_ROOT = "/work/shared/kmip/vectors";

function xmlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) xmlFiles(path, out);
    else if (name.endsWith(".xml")) out.push(path);
  }
  return out;
}

/** Every vector message as a decoded item (XML and hex vectors). */
function vectorItems(): TtlvItem[] {
  const items: TtlvItem[] = [];
  for (const file of xmlFiles(join(VECTOR_ROOT, "xml"))) {
    const text = readFileSync(file, "utf8");
    items.push(...xmlToTtlv(text, { placeholders: VECTOR_PLACEHOLDERS }));
  }
  return items;
}

function hexVectorBytes(): Uint8Array[] {
  const lines = readFileSync(join(VECTOR_ROOT, "nlnetlabs-oasis-usecase-hex.jsonl"), "utf8");
  return lines
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => hexToBytes((JSON.parse(line) as { hex: string }).hex));
}

let cached: Uint8Array[] | undefined;

/** Every seed message, encoded (about 2,700). */
export function seedMessages(): Uint8Array[] {
  cached ??= [...vectorItems().map((item) => encodeTtlv(item)), ...hexVectorBytes()];
  return cached;
}

/** The KMIP Username/Password the fuzzers' fake token accepts. */
export const FUZZ_USER = "fuzz-token";
export const FUZZ_PIN = "fuzz-pin-123456";

/**
 * A request with a Username/Password credential added to its header (or its own replaced),
 * so that fuzzed requests get past authentication to the operations.
 */
export function withCredential(message: TtlvItem, password = FUZZ_PIN): TtlvItem {
  if (message.type !== "Structure" || message.tag !== Tag.RequestMessage) return message;
  const credential = build.structure(Tag.Authentication, [
    build.structure(Tag.Credential, [
      build.enumeration(Tag.CredentialType, CredentialType.UsernameAndPassword),
      build.structure(Tag.CredentialValue, [
        build.textString(Tag.Username, FUZZ_USER),
        build.textString(Tag.Password, password),
      ]),
    ]),
  ]);
  const children = message.value.map((child) => {
    if (child.tag !== Tag.RequestHeader || child.type !== "Structure") return child;
    const rest = child.value.filter((f) => f.tag !== Tag.Authentication);
    // Authentication follows Protocol Version (and Maximum Response Size) in the header.
    const at = Math.min(
      rest.length,
      Math.max(
        1,
        rest.findIndex((f) => f.tag === Tag.BatchCount),
      ),
    );
    return build.structure(Tag.RequestHeader, [
      ...rest.slice(0, at),
      credential,
      ...rest.slice(at),
    ]);
  });
  return build.structure(Tag.RequestMessage, children);
}

const RELAY_UIDS = ["0123456789ABCDEF0123456789ABCDEF01234567_priv", "00FF_pub", "AB12_sec"];

/** Unique Identifiers replaced by ones of the relay's scheme (CKA_ID hex + `_priv`...). */
function withRelayUids(item: TtlvItem, n = { i: 0 }): TtlvItem {
  if (item.type === "Structure") {
    return build.structure(
      item.tag,
      item.value.map((child) => withRelayUids(child, n)),
    );
  }
  if (item.tag === Tag.UniqueIdentifier && item.type === "TextString") {
    return build.textString(item.tag, RELAY_UIDS[n.i++ % RELAY_UIDS.length]!);
  }
  return item;
}

let dispatchCached: Uint8Array[] | undefined;

/**
 * Seeds for the dispatcher: every vector request as it is, with the fake token's credential,
 * and with that credential and Unique Identifiers the relay can resolve; interleaved, so a
 * time-bounded run sees all three kinds early.
 */
export function dispatchSeeds(): Uint8Array[] {
  if (dispatchCached !== undefined) return dispatchCached;
  const out: Uint8Array[] = [];
  for (const bytes of seedMessages()) {
    let item: TtlvItem;
    try {
      item = decodeTtlv(bytes);
    } catch {
      continue;
    }
    if (item.tag !== Tag.RequestMessage) continue;
    const credited = withCredential(item);
    out.push(encodeTtlv(withRelayUids(credited)), encodeTtlv(credited), bytes);
  }
  dispatchCached = out;
  return out;
}
