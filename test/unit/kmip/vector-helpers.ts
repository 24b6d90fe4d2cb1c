/**
 * Helpers of the KMIP vector tests: the vector files, and a canonical text of a TTLV item so
 * items compare exactly (types, tags and values, Byte Strings by content).
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { TtlvItem } from "../../../src/ttlv/types.js";

export const VECTOR_ROOT = "/work/shared/kmip/vectors";
export const XML_ROOT = join(VECTOR_ROOT, "xml");

/** Every `.xml` file under the XML vector folder, as paths relative to it, sorted. */
export function xmlVectorFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".xml")) out.push(relative(XML_ROOT, path));
    }
  };
  walk(XML_ROOT);
  return out;
}

/** One line per item: depth, tag, type and value; Byte Strings as hex. */
export function canonical(item: TtlvItem, depth = 0, lines: string[] = []): string[] {
  const head = `${" ".repeat(depth)}${item.tag.toString(16)} ${item.type}`;
  if (item.type === "Structure") {
    lines.push(head);
    for (const child of item.value) canonical(child, depth + 1, lines);
  } else if (item.type === "ByteString") {
    lines.push(`${head} ${Buffer.from(item.value).toString("hex")}`);
  } else {
    lines.push(`${head} ${typeof item.value} ${String(item.value)}`);
  }
  return lines;
}
