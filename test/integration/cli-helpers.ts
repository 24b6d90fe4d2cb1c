/**
 * Running the compiled CLI (dist/src/cli/main.js) as a child process. Builds dist/ first when
 * it is missing or older than any file under src/ (test/helpers/build.ts).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ensureBuilt, ROOT } from "../helpers/build.js";

export { ROOT };

export const CLI_MAIN = join(ROOT, "dist", "src", "cli", "main.js");

/** Builds dist/ unless dist/src/cli/main.js is newer than every source file. */
export function ensureCliBuilt(): void {
  ensureBuilt("dist/src/cli/main.js");
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
