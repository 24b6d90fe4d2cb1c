/**
 * Running the compiled CLI (dist/src/cli/main.js) as a child process. Builds dist/ first when
 * it is missing or older than any file under src/ (one builder at a time: the same lock
 * directory as test/helpers/softhsm.ts uses).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
export const CLI_MAIN = join(ROOT, "dist", "src", "cli", "main.js");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts")) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** Builds dist/ unless dist/src/cli/main.js is newer than every source file. */
export function ensureCliBuilt(): void {
  const fresh = () =>
    existsSync(CLI_MAIN) && statSync(CLI_MAIN).mtimeMs >= newestSource(join(ROOT, "src"));
  if (fresh()) return;
  const lock = join(ROOT, "dist", ".pkcs11-build.lock");
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  try {
    mkdirSync(lock);
  } catch {
    const until = Date.now() + 120_000;
    while (existsSync(lock) && Date.now() < until) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
    if (fresh()) return;
    rmSync(lock, { recursive: true, force: true });
    mkdirSync(lock);
  }
  try {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "ignore" });
  } catch {
    // tsc exits non-zero on type errors elsewhere but still emits
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (!existsSync(CLI_MAIN)) throw new Error(`build did not produce ${CLI_MAIN}`);
}

/** The outcome of one CLI run. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI to completion with `args` (bounded by `timeoutMs`, then SIGKILL). */
export function runCli(args: string[], timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
