/**
 * The OASIS KMIP profile test cases (KMIP Profiles v1.0-v2.1, "test-cases" folders) in the
 * KMIP XML encoding: finding the files, naming their profile set and protocol version, and
 * reading each into steps (a Request Message and the Response Message the server should send).
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { Tag } from "../../src/kmip/tags.js";
import { xmlToTtlv } from "../../src/kmip/xml.js";
import { VECTOR_PLACEHOLDERS } from "../../src/kmip/xml-placeholders.js";
import type { TtlvItem } from "../../src/ttlv/types.js";

/** Where the vectors live on this machine. */
export const DEFAULT_VECTOR_ROOT = "/work/shared/kmip/vectors/xml";

/** The profile sets the runner is held to (docs/conformance.md, "Focus sets"). */
export const FOCUS_SETS = ["AKLC", "SKLC", "CS-AC", "CS-BC", "CS-RNG", "QS", "BL"] as const;

/** One test-case file. */
export interface VectorFile {
  readonly path: string;
  /** File name without `.xml`. */
  readonly name: string;
  /** KMIP version of the folder, e.g. `1.4`. */
  readonly version: string;
  /** Profile set, e.g. `CS-BC` (the name's leading prefix, `_` read as `-`). */
  readonly set: string;
}

/** One request and the response the test case expects for it. */
export interface Step {
  /** 0-based index in the file. */
  readonly index: number;
  readonly request: TtlvItem;
  readonly response: TtlvItem;
}

const SET_PATTERN = /^(CS-(?:AC|BC|RNG)|[A-Z0-9]+)(?:-|$)/;

/** The profile set of a file name: `CS_BC_M_14_12_...` -> `CS-BC`, `TC_41_10_...` -> `TC`. */
export function setOfName(name: string): string {
  const normal = name.replaceAll("_", "-").toUpperCase();
  return SET_PATTERN.exec(normal)?.[1] ?? normal;
}

/** Every `*.xml` under `root/v<version>/`, sorted by version then name. */
export function listVectors(root: string = DEFAULT_VECTOR_ROOT): VectorFile[] {
  const out: VectorFile[] = [];
  for (const dir of readdirSync(root).sort()) {
    if (!/^v\d+\.\d+$/.test(dir)) continue;
    for (const file of readdirSync(join(root, dir)).sort()) {
      if (!file.endsWith(".xml")) continue;
      const name = basename(file, ".xml");
      out.push({ path: join(root, dir, file), name, version: dir.slice(1), set: setOfName(name) });
    }
  }
  return out;
}

/** A file's stable id in reports and the baseline: `v1.4/CS-BC-M-1-14`. */
export function vectorId(file: VectorFile): string {
  return `v${file.version}/${file.name}`;
}

/**
 * Reads a file into steps. Requests and responses must alternate, a request first; anything
 * else is an error (the file cannot be replayed).
 */
export function loadSteps(file: VectorFile): Step[] {
  const messages = xmlToTtlv(readFileSync(file.path, "utf8"), {
    placeholders: VECTOR_PLACEHOLDERS,
  });
  const steps: Step[] = [];
  for (let i = 0; i < messages.length; i += 2) {
    const request = messages[i];
    const response = messages[i + 1];
    if (request?.tag !== Tag.RequestMessage || response?.tag !== Tag.ResponseMessage) {
      throw new Error(`message ${i}: expected a Request Message followed by a Response Message`);
    }
    steps.push({ index: steps.length, request, response });
  }
  return steps;
}
