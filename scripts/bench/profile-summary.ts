/**
 * Summarises V8 CPU profiles (`node --cpu-prof` output, `.cpuprofile` JSON): self time per
 * function and per source area, largest first, optionally per operation.
 *
 * Run: node dist/scripts/bench/profile-summary.js FILE.cpuprofile [--ops N] [--top K]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a function's code lives, coarsely: what a reader would optimise. */
export function areaOf(url: string, name: string): string {
  if (url === "") return name.startsWith("(") ? name : "native/V8 builtins";
  const m = /\/(src|scripts)\/([^/]+)\//.exec(url);
  if (m !== null) return `${m[1]}/${m[2]}`;
  if (url.includes("node_modules/")) return `npm:${/node_modules\/([^/]+)/.exec(url)?.[1]}`;
  if (url.startsWith("node:"))
    return url
      .replace(/^node:(internal\/)?/, "node:")
      .split("/")
      .slice(0, 2)
      .join("/");
  return url;
}

/** Self microseconds per key. */
function selfTimes(profile: CpuProfile, key: (n: ProfileNode) => string): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (node === undefined) return;
    const k = key(node);
    out.set(k, (out.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return out;
}

function print(
  title: string,
  times: Map<string, number>,
  total: number,
  top: number,
  ops?: number,
) {
  console.log(`\n${title}`);
  const sorted = [...times].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, us] of sorted) {
    const perOp = ops === undefined ? "" : ` ${(us / ops).toFixed(1).padStart(7)} µs/op`;
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%${perOp}  ${name}`);
  }
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { ops: { type: "string" }, top: { type: "string", default: "25" } },
    allowPositionals: true,
  });
  const ops = values.ops === undefined ? undefined : Number(values.ops);
  const top = Number(values.top);
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    const idle = selfTimes(profile, (n) => n.callFrame.functionName).get("(idle)") ?? 0;
    const total = profile.timeDeltas.reduce((a, b) => a + b, 0) - idle;
    console.log(
      `${file}: ${(total / 1e6).toFixed(2)} s busy of ${((total + idle) / 1e6).toFixed(2)} s`,
    );
    const fn = (n: ProfileNode) => {
      const f = n.callFrame;
      const where =
        f.url === ""
          ? ""
          : ` ${f.url.replace(/^.*\/(dist|node_modules)\//, "")}:${f.lineNumber + 1}`;
      return `${f.functionName || "(anonymous)"}${where}`;
    };
    const busy = (m: Map<string, number>) => {
      m.delete("(idle)");
      return m;
    };
    print(
      "by area (self time)",
      busy(selfTimes(profile, (n) => areaOf(n.callFrame.url, n.callFrame.functionName))),
      total,
      top,
      ops,
    );
    print("by function (self time)", busy(selfTimes(profile, fn)), total, top, ops);
  }
}

main();
