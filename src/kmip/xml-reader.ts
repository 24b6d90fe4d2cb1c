/**
 * A small, strict XML reader: just what the KMIP XML encoding needs (KMIP Additional Message
 * Encodings v1.0, section 6.1.6: elements with attributes, nesting, no mixed content).
 *
 * Supported: the `<?xml ...?>` declaration and other processing instructions (skipped),
 * comments (skipped), elements, attributes in single or double quotes, self-closing tags,
 * text, CDATA sections, the five predefined entities and numeric character references.
 * Rejected with an {@link XmlSyntaxError}: DOCTYPE (no entity expansion, no external
 * resources), mismatched or unclosed tags, duplicate attributes, `<` in attribute values,
 * unknown entities.
 */

/** An element of the document tree. */
export interface XmlElement {
  readonly kind: "element";
  readonly name: string;
  /** Attributes in document order (a Map keeps insertion order). */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlNode[];
  /** 1-based line of the element's `<`. */
  readonly line: number;
}

/** Character data between elements (entities already decoded). */
export interface XmlText {
  readonly kind: "text";
  readonly text: string;
  readonly line: number;
}

export type XmlNode = XmlElement | XmlText;

/** Malformed XML; `line` and `column` are 1-based. */
export class XmlSyntaxError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = "XmlSyntaxError";
    this.line = line;
    this.column = column;
  }
}

const NAME = /[A-Za-z_:][\w.:-]*/y;
const SPACE = /\s*/y;
const ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

interface OpenElement {
  name: string;
  attributes: Map<string, string>;
  children: XmlNode[];
  line: number;
}

/** Parses a document or fragment; returns its top-level nodes (several roots are allowed). */
export function parseXml(text: string): XmlNode[] {
  return new Reader(text).readAll();
}

class Reader {
  private pos = 0;
  private readonly stack: OpenElement[] = [];
  private readonly top: XmlNode[] = [];
  private line = 1;
  private lineOffset = 0;

  constructor(private readonly src: string) {}

  readAll(): XmlNode[] {
    while (this.pos < this.src.length) {
      if (this.src.startsWith("<!--", this.pos)) this.skipPast("-->", "comment");
      else if (this.src.startsWith("<![CDATA[", this.pos)) this.readCdata();
      else if (this.src.startsWith("<!", this.pos))
        this.fail("DOCTYPE and declarations are not supported");
      else if (this.src.startsWith("<?", this.pos)) this.skipPast("?>", "processing instruction");
      else if (this.src.startsWith("</", this.pos)) this.readEndTag();
      else if (this.src[this.pos] === "<") this.readStartTag();
      else this.readText();
    }
    const open = this.stack.at(-1);
    if (open) this.fail(`element <${open.name}> (line ${open.line}) is not closed`);
    return this.top;
  }

  private children(): XmlNode[] {
    return this.stack.at(-1)?.children ?? this.top;
  }

  private readStartTag(): void {
    const line = this.lineAt(this.pos);
    this.pos++;
    const name = this.readName("element name");
    const attributes = new Map<string, string>();
    for (;;) {
      const hadSpace = this.skipSpace();
      if (this.src.startsWith("/>", this.pos)) {
        this.pos += 2;
        this.children().push({ kind: "element", name, attributes, children: [], line });
        return;
      }
      if (this.src[this.pos] === ">") {
        this.pos++;
        this.stack.push({ name, attributes, children: [], line });
        return;
      }
      if (!hadSpace) this.fail(`expected whitespace, ">" or "/>" in <${name}>`);
      this.readAttribute(name, attributes);
    }
  }

  private readAttribute(element: string, attributes: Map<string, string>): void {
    const attr = this.readName("attribute name");
    this.skipSpace();
    if (this.src[this.pos] !== "=") this.fail(`expected "=" after attribute ${attr}`);
    this.pos++;
    this.skipSpace();
    const quote = this.src[this.pos];
    if (quote !== '"' && quote !== "'") this.fail(`attribute ${attr} value must be quoted`);
    const end = this.src.indexOf(quote, this.pos + 1);
    if (end < 0) this.fail(`unterminated value of attribute ${attr}`);
    const raw = this.src.slice(this.pos + 1, end);
    if (raw.includes("<")) this.fail(`"<" in value of attribute ${attr}`);
    if (attributes.has(attr)) this.fail(`duplicate attribute ${attr} in <${element}>`);
    // XML 1.0 section 3.3.3: literal line breaks and tabs in attribute values become spaces.
    const normalised = raw.replace(/\r\n?/g, "\n").replace(/[\t\n]/g, " ");
    attributes.set(attr, this.decodeEntities(normalised, this.pos + 1));
    this.pos = end + 1;
  }

  private readEndTag(): void {
    this.pos += 2;
    const name = this.readName("element name");
    this.skipSpace();
    if (this.src[this.pos] !== ">") this.fail(`expected ">" to close </${name}>`);
    const open = this.stack.pop();
    if (!open) this.fail(`closing tag </${name}> without an open element`);
    if (open.name !== name) this.fail(`closing tag </${name}> does not match <${open.name}>`);
    this.pos++;
    const element: XmlElement = { kind: "element", ...open };
    this.children().push(element);
  }

  private readText(): void {
    const start = this.pos;
    const next = this.src.indexOf("<", start);
    this.pos = next < 0 ? this.src.length : next;
    const raw = this.src.slice(start, this.pos);
    if (raw.includes("]]>")) this.fail('"]]>" in text');
    this.pushText(this.decodeEntities(raw, start), start);
  }

  private readCdata(): void {
    const start = this.pos;
    const end = this.src.indexOf("]]>", start);
    if (end < 0) this.fail("unterminated CDATA section");
    this.pushText(this.src.slice(start + 9, end), start);
    this.pos = end + 3;
  }

  private pushText(text: string, offset: number): void {
    this.children().push({ kind: "text", text, line: this.lineAt(offset) });
  }

  private decodeEntities(raw: string, offset: number): string {
    return raw.replace(/&([^;&\s]*);?/g, (match, body: string, at: number) => {
      if (!match.endsWith(";")) this.failAt(offset + at, `unterminated entity "${match}"`);
      const named = ENTITIES[body];
      if (named !== undefined) return named;
      const code = /^#x[0-9A-Fa-f]+$/.test(body)
        ? Number.parseInt(body.slice(2), 16)
        : /^#\d+$/.test(body)
          ? Number.parseInt(body.slice(1), 10)
          : -1;
      if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        this.failAt(offset + at, `unknown entity "&${body};"`);
      }
      return String.fromCodePoint(code);
    });
  }

  private readName(what: string): string {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.src);
    if (!match) this.fail(`expected ${what}`);
    this.pos += match[0].length;
    return match[0];
  }

  private skipSpace(): boolean {
    SPACE.lastIndex = this.pos;
    const length = SPACE.exec(this.src)?.[0].length ?? 0;
    this.pos += length;
    return length > 0;
  }

  private skipPast(terminator: string, what: string): void {
    const end = this.src.indexOf(terminator, this.pos + 2);
    if (end < 0) this.fail(`unterminated ${what}`);
    this.pos = end + terminator.length;
  }

  /** Line of `offset`; counts forward from the last answer (offsets mostly grow). */
  private lineAt(offset: number): number {
    if (offset < this.lineOffset) {
      this.lineOffset = 0;
      this.line = 1;
    }
    for (let i = this.src.indexOf("\n", this.lineOffset); i >= 0 && i < offset; ) {
      this.line++;
      i = this.src.indexOf("\n", i + 1);
    }
    const lastBreak = this.src.lastIndexOf("\n", offset - 1);
    this.lineOffset = Math.max(this.lineOffset, lastBreak + 1);
    return this.line;
  }

  private fail(message: string): never {
    return this.failAt(this.pos, message);
  }

  private failAt(offset: number, message: string): never {
    const line = this.lineAt(offset);
    const lineStart = this.src.lastIndexOf("\n", offset - 1) + 1;
    throw new XmlSyntaxError(message, line, offset - lineStart + 1);
  }
}
