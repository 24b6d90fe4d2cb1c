/**
 * `kmip2pkcs11 ttlv <decode|encode|dump>`: converts KMIP messages between TTLV hex, the KMIP XML
 * encoding (KMIP Additional Message Encodings v1.0, section 6.1) and a readable dump.
 *
 *   decode [--json] [--placeholders]   TTLV hex on stdin (whitespace ignored; several messages
 *                                      may follow each other) -> XML (or JSON lines) on stdout
 *   encode [--placeholders]            XML on stdin -> TTLV hex on stdout, one line a message
 *   dump [--no-redact]                 TTLV hex on stdin -> indented dump; secrets hidden
 *                                      unless --no-redact
 *
 * `--placeholders` maps the OASIS vectors' `$NOW`, `$DATA_0`... to reserved values and back.
 * Malformed input: exit code 1 and one line on stderr saying what and where (byte offset and
 * tag path, or XML line). Usage errors: exit code 2.
 */
import { dumpTtlv } from "../kmip/dump.js";
import { ttlvToKmipJson } from "../kmip/json.js";
import { tagPathLabel } from "../kmip/tags.js";
import { KmipXmlError, ttlvToXml, XmlSyntaxError, xmlToTtlv } from "../kmip/xml.js";
import { VECTOR_PLACEHOLDERS } from "../kmip/xml-placeholders.js";
import {
  bytesToHex,
  declaredMessageLength,
  decodeTtlv,
  encodeTtlv,
  hexToBytes,
  TTLV_HEADER_BYTES,
  TtlvError,
  type TtlvItem,
} from "../ttlv/index.js";

/** The streams the command uses (process.stdin/stdout/stderr in the real CLI). */
export interface TtlvCommandIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

const USAGE =
  "usage: kmip2pkcs11 ttlv decode [--json] [--placeholders] | encode [--placeholders] | dump [--no-redact]";

const FLAGS: Readonly<Record<string, readonly string[]>> = {
  decode: ["--json", "--placeholders"],
  encode: ["--placeholders"],
  dump: ["--no-redact"],
};

/** Runs the `ttlv` subcommand; resolves to the process exit code. */
export async function runTtlvCommand(args: string[], io: TtlvCommandIo): Promise<number> {
  const [command, ...flags] = args;
  const allowed = command === undefined ? undefined : FLAGS[command];
  const unknown = flags.find((flag) => !allowed?.includes(flag));
  if (command === undefined || allowed === undefined || unknown !== undefined) {
    io.stderr.write(`${unknown ? `unknown option ${unknown}; ` : ""}${USAGE}\n`);
    return 2;
  }
  // A reader that stops early (`| head`) closes the pipe: that is not an error of ours.
  io.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE")
      io.stderr.write(`ttlv ${command}: cannot write output: ${err.message}\n`);
  });
  const input = await readAll(io.stdin);
  const options = flags.includes("--placeholders") ? { placeholders: VECTOR_PLACEHOLDERS } : {};
  try {
    if (command === "encode") {
      for (const item of xmlToTtlv(input, options))
        io.stdout.write(`${bytesToHex(encodeTtlv(item))}\n`);
    } else {
      for (const item of decodeMessages(input)) {
        if (command === "dump")
          io.stdout.write(`${dumpTtlv(item, { redact: !flags.includes("--no-redact") })}\n`);
        else if (flags.includes("--json"))
          io.stdout.write(`${JSON.stringify(ttlvToKmipJson(item))}\n`);
        else io.stdout.write(ttlvToXml(item, options));
      }
    }
    return 0;
  } catch (err) {
    io.stderr.write(`ttlv ${command}: ${describeError(err)}\n`);
    return 1;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** Decodes the messages that follow each other in `hex`; offsets in errors are absolute. */
function decodeMessages(hex: string): TtlvItem[] {
  const bytes = hexToBytes(hex);
  if (bytes.length === 0) throw new TtlvError("Truncated", "no input", 0, []);
  const items: TtlvItem[] = [];
  for (let start = 0; start < bytes.length; ) {
    const rest = bytes.subarray(start);
    const length =
      rest.length < TTLV_HEADER_BYTES
        ? rest.length
        : Math.min(declaredMessageLength(rest), rest.length);
    try {
      items.push(decodeTtlv(rest.subarray(0, length)));
    } catch (err) {
      if (!(err instanceof TtlvError)) throw err;
      throw new TtlvError(err.code, err.message, err.offset + start, err.tagPath);
    }
    start += length;
  }
  return items;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}

function describeError(err: unknown): string {
  if (err instanceof TtlvError) {
    const what = err.message.split(" at offset ")[0] ?? err.message;
    const where = err.code === "BadHex" ? `character ${err.offset}` : `byte ${err.offset}`;
    const path = err.tagPath.length > 0 ? `, tag path ${tagPathLabel(err.tagPath)}` : "";
    return oneLine(`${err.code}: ${what} (at ${where}${path})`);
  }
  if (err instanceof XmlSyntaxError) return oneLine(`malformed XML: ${err.message}`);
  if (err instanceof KmipXmlError) return oneLine(`invalid KMIP XML: ${err.message}`);
  if (err instanceof Error) return oneLine(`${err.name}: ${err.message}`);
  return oneLine(String(err));
}
