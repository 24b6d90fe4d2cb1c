/**
 * The KMIP XML message encoding (KMIP Additional Message Encodings v1.0, section 6.1), the
 * format of the OASIS test vectors:
 *
 *   <RequestMessage>                                  a Structure (type= may be omitted)
 *     <BatchCount type="Integer" value="1"/>           a leaf: type= and value=
 *     <TTLV tag="0x540001" type="TextString" value="na"/>   a tag without a name
 *
 * Enumerations are written by name (unknown values as `0x` + 8 hex digits), Integer bit masks
 * as space-separated names, Date-Times as xsd:dateTime, Byte Strings and Big Integers as hex.
 * In a KMIP 1.x `Attribute`, the `AttributeValue`'s enumeration or mask is the one of the
 * attribute named by the sibling `AttributeName` (see attributes.ts).
 *
 * A document holds one or more messages, either at the top level or inside a `<KMIP>` wrapper;
 * text between messages (the vectors' `# TIME n` notes) is ignored, text inside a message is
 * an error.
 */
import { type TtlvItem, TtlvType, type TtlvTypeName } from "../ttlv/types.js";
import { valueTables } from "./attributes.js";
import { parseTag, Tag, tagHex, tagName } from "./tags.js";
import type { XmlPlaceholders } from "./xml-placeholders.js";
import { parseXml, type XmlElement, type XmlNode } from "./xml-reader.js";
import { formatLeaf, type LeafContext, parseLeaf } from "./xml-values.js";

export { XmlSyntaxError } from "./xml-reader.js";

/** Options of the XML conversions. */
export interface XmlOptions {
  /** Placeholder codec (e.g. `VECTOR_PLACEHOLDERS` for the OASIS test vectors). */
  readonly placeholders?: XmlPlaceholders | undefined;
}

/** Well-formed XML that is not a valid KMIP XML message; `path` names the element. */
export class KmipXmlError extends Error {
  readonly line: number;
  readonly path: string;

  constructor(message: string, line: number, path: string) {
    super(`${message} at line ${line} (${path})`);
    this.name = "KmipXmlError";
    this.line = line;
    this.path = path;
  }
}

const WRAPPER = "KMIP";
const GENERIC = "TTLV";

/** Parses every message of an XML document. */
export function xmlToTtlv(text: string, options: XmlOptions = {}): TtlvItem[] {
  const messages = messageElements(parseXml(text));
  return messages.map((element) => elementToItem(element, [], undefined, options));
}

function messageElements(nodes: readonly XmlNode[]): XmlElement[] {
  const out: XmlElement[] = [];
  for (const node of nodes) {
    if (node.kind !== "element") continue;
    if (node.name === WRAPPER) out.push(...messageElements(node.children));
    else out.push(node);
  }
  return out;
}

function elementTag(element: XmlElement, path: readonly string[]): number {
  const text = element.name === GENERIC ? element.attributes.get("tag") : element.name;
  const tag = text === undefined ? undefined : parseTag(text);
  if (tag === undefined) {
    const what = element.name === GENERIC ? `tag="${text ?? ""}"` : `element <${element.name}>`;
    throw new KmipXmlError(`unknown tag: ${what}`, element.line, [...path, element.name].join("/"));
  }
  return tag;
}

function elementType(element: XmlElement, where: () => string): TtlvTypeName {
  const type = element.attributes.get("type") ?? "Structure";
  if (!Object.hasOwn(TtlvType, type)) {
    throw new KmipXmlError(`unknown type="${type}"`, element.line, where());
  }
  return type as TtlvTypeName;
}

function elementToItem(
  element: XmlElement,
  parentPath: readonly string[],
  attributeName: string | undefined,
  options: XmlOptions,
): TtlvItem {
  const tag = elementTag(element, parentPath);
  const path = [...parentPath, tagName(tag) ?? tagHex(tag)];
  const where = () => path.join("/");
  const type = elementType(element, where);
  for (const child of element.children) {
    if (child.kind === "text" && child.text.trim() !== "") {
      throw new KmipXmlError("unexpected text in an element", child.line, where());
    }
  }
  const value = element.attributes.get("value");
  if (type === "Structure") {
    if (value !== undefined)
      throw new KmipXmlError("a Structure has no value=", element.line, where());
    return { tag, type, value: structureChildren(element, path, options) };
  }
  if (element.children.some((child) => child.kind === "element")) {
    throw new KmipXmlError(`a ${type} has no child elements`, element.line, where());
  }
  if (value === undefined)
    throw new KmipXmlError(`missing value= of a ${type}`, element.line, where());
  const ctx = leafContext(tag, attributeName, options);
  const item = parseLeaf(tag, type, value, ctx);
  if (!item) throw new KmipXmlError(`invalid ${type} value "${value}"`, element.line, where());
  return item;
}

function structureChildren(
  element: XmlElement,
  path: readonly string[],
  options: XmlOptions,
): TtlvItem[] {
  const elements = element.children.filter(
    (child): child is XmlElement => child.kind === "element",
  );
  const nameElement = elements.find((child) => child.name === "AttributeName");
  const attributeName = nameElement?.attributes.get("value");
  return elements.map((child) => elementToItem(child, path, attributeName, options));
}

function leafContext(
  tag: number,
  attributeName: string | undefined,
  options: XmlOptions,
): LeafContext {
  return { ...valueTables(tag, attributeName), placeholders: options.placeholders };
}

/** Writes one item (usually a whole message) as indented XML, as the OASIS vectors are. */
export function ttlvToXml(item: TtlvItem, options: XmlOptions = {}): string {
  const lines: string[] = [];
  writeItem(item, 0, undefined, options, lines);
  return `${lines.join("\n")}\n`;
}

function writeItem(
  item: TtlvItem,
  depth: number,
  attributeName: string | undefined,
  options: XmlOptions,
  lines: string[],
): void {
  const indent = "  ".repeat(depth);
  const name = tagName(item.tag);
  const open = name ?? `${GENERIC} tag="${tagHex(item.tag)}"`;
  const close = name ?? GENERIC;
  if (item.type === "Structure") {
    if (item.value.length === 0) {
      lines.push(`${indent}<${open}/>`);
      return;
    }
    lines.push(`${indent}<${open}>`);
    const nameItem = item.value.find((child) => child.tag === Tag.AttributeName);
    const childName = nameItem?.type === "TextString" ? nameItem.value : undefined;
    for (const child of item.value) writeItem(child, depth + 1, childName, options, lines);
    lines.push(`${indent}</${close}>`);
    return;
  }
  const value = formatLeaf(item, leafContext(item.tag, attributeName, options));
  lines.push(`${indent}<${open} type="${item.type}" value="${escapeAttribute(value)}"/>`);
}

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"\t\n\r]/g, (char) => ESCAPES[char] ?? char);
}
