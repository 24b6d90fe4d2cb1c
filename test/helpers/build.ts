/**
 * Child processes (PKCS#11 workers, the CLI) run compiled JS from dist/. `npm test` builds
 * first; a targeted `vitest run` may not have, so tests call {@link ensureBuilt}, which
 * rebuilds dist/ when `compiled` is missing or older than any source file. Test files run
 * in parallel processes: one builds, the others wait for its lock directory to go.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

/** The repository root. */
export const ROOT = join(import.meta.dirname, "..", "..");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts")) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

function takeLock(lock: string, fresh: () => boolean): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    const until = Date.now() + 120_000;
    while (existsSync(lock) && Date.now() < until) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
    if (fresh()) return false;
    rmSync(lock, { recursive: true, force: true });
    mkdirSync(lock);
    return true;
  }
}

/** Builds dist/ unless `compiled` (a path under ROOT) is newer than every file in src/. */
export function ensureBuilt(compiled: string): void {
  const path = join(ROOT, compiled);
  const fresh = (): boolean =>
    existsSync(path) && statSync(path).mtimeMs >= newestSource(join(ROOT, "src"));
  if (fresh()) return;
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  const lock = join(ROOT, "dist", ".build.lock");
  if (!takeLock(lock, fresh)) return;
  try {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "ignore" });
  } catch {
    // tsc exits non-zero on type errors but still emits; checked below
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (!existsSync(path)) throw new Error(`build did not produce ${path}`);
}
