/**
 * Tags a message carries that no KMIP version defines (for example vendor extensions in the
 * 0x54XXXX range). They are kept in the decoded tree, so nothing is lost, and reported, so an
 * operator can see what a client sent that the relay ignored.
 */
import type { TtlvItem } from "../ttlv/types.js";
import { tagHex, tagName, tagPathLabel } from "./tags.js";

/** One unknown tag and where it was, e.g. `RequestMessage/BatchItem/0x540001`. */
export interface UnknownTag {
  readonly tag: string;
  readonly path: string;
}

/** Up to `limit` unknown tags of `item`, in document order. */
export function findUnknownTags(item: TtlvItem, limit = 8): UnknownTag[] {
  const found: UnknownTag[] = [];
  const path: number[] = [];
  const walk = (node: TtlvItem): void => {
    if (found.length >= limit) return;
    path.push(node.tag);
    if (tagName(node.tag) === undefined) {
      found.push({ tag: tagHex(node.tag), path: tagPathLabel(path) });
    }
    if (node.type === "Structure") for (const child of node.value) walk(child);
    path.pop();
  };
  walk(item);
  return found;
}
