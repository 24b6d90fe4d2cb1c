/**
 * Reports of a conformance run: a summary table per set and version, one line per file with
 * its reasons, the same as Markdown for docs/conformance.md, and JSON for machines.
 */
import type { FileResult, Verdict } from "./run-sets.js";

/** Counts of one set and version. */
export interface SummaryRow {
  readonly set: string;
  readonly version: string;
  readonly pass: number;
  readonly fail: number;
  readonly na: number;
}

const VERDICT_KEY: Readonly<Record<Verdict, "pass" | "fail" | "na">> = {
  pass: "pass",
  fail: "fail",
  "n/a": "na",
};

/** Counts per set and version (`all` rows sum the versions of a set), sets in first-seen order. */
export function summarize(results: readonly FileResult[]): SummaryRow[] {
  const rows = new Map<
    string,
    { set: string; version: string; pass: number; fail: number; na: number }
  >();
  const bump = (set: string, version: string, verdict: Verdict) => {
    const key = `${set}\u0000${version}`;
    const row = rows.get(key) ?? { set, version, pass: 0, fail: 0, na: 0 };
    row[VERDICT_KEY[verdict]]++;
    rows.set(key, row);
  };
  for (const r of results) {
    bump(r.set, r.version, r.verdict);
    bump(r.set, "all", r.verdict);
    bump("total", "all", r.verdict);
  }
  const order = (row: SummaryRow) => (row.set === "total" ? 1 : 0);
  return [...rows.values()].sort(
    (a, b) =>
      order(a) - order(b) || a.set.localeCompare(b.set) || versionOrder(a.version, b.version),
  );
}

function versionOrder(a: string, b: string): number {
  if (a === "all" || b === "all") return a === b ? 0 : a === "all" ? 1 : -1;
  return a.localeCompare(b, "en", { numeric: true });
}

/** One line per file: verdict, id, reasons. */
export function fileLine(r: FileResult): string {
  const reasons = r.reasons.length > 0 ? `: ${r.reasons.join("; ")}` : "";
  const partial = r.partial ? ` [run anyway: ${r.partial}]` : "";
  return `${r.verdict.toUpperCase().padEnd(4)} ${r.id}${reasons}${partial}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** The summary as a Markdown table (also readable as plain text). */
export function summaryTable(results: readonly FileResult[]): string[] {
  const rows = summarize(results).map((r) => [
    r.set,
    r.version,
    String(r.pass),
    String(r.fail),
    String(r.na),
    String(r.pass + r.fail + r.na),
  ]);
  return table(["set", "version", "pass", "fail", "n/a", "files"], rows);
}

/** The plain-text report: summary, then every file. */
export function textReport(results: readonly FileResult[]): string {
  return [...summaryTable(results), "", ...results.map(fileLine), ""].join("\n");
}

/** The Markdown section written into docs/conformance.md. */
export function markdownReport(
  results: readonly FileResult[],
  date: string,
  command: string,
): string {
  const failing = results.filter((r) => r.verdict === "fail");
  const na = results.filter((r) => r.verdict === "n/a");
  const cell = (text: string) => text.replaceAll("|", "\\|");
  return [
    `Generated ${date} by \`${command}\`.`,
    "",
    ...summaryTable(results),
    "",
    `### Failing files (${failing.length})`,
    "",
    ...(failing.length
      ? failing.map((r) => `- \`${r.id}\`: ${cell(r.reasons.join("; "))}`)
      : ["none"]),
    "",
    `### Not applicable files (${na.length})`,
    "",
    ...na.map(
      (r) =>
        `- \`${r.id}\`: ${cell(r.reasons.join("; "))}${r.partial ? ` (run anyway: ${cell(r.partial)})` : ""}`,
    ),
    "",
    "### Passing files",
    "",
    results
      .filter((r) => r.verdict === "pass")
      .map((r) => `\`${r.id}\``)
      .join(", ") || "none",
    "",
  ].join("\n");
}

/** Machine-readable form. */
export function jsonReport(results: readonly FileResult[], date: string): string {
  return `${JSON.stringify({ date, summary: summarize(results), results }, null, 2)}\n`;
}
