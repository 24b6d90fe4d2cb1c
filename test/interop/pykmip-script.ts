/**
 * Runs one of the step scripts in test/interop/ (pykmip_attributes.py, pykmip_secret.py):
 * ONE JSON instruction on stdin, ONE JSON line on stdout with the results of every step and
 * the steps that raised.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestRelay } from "../helpers/relay.js";
import { PYKMIP_PYTHON } from "./pykmip-driver.js";

/** What a step script prints. */
export interface StepsRun {
  readonly steps: Record<string, unknown>;
  readonly failed: { step: string; type: string; message: string }[];
}

/** The path of a script in test/interop/. */
export function interopScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** What pykmip_session.py needs to reach `relay`: address, CA file, Username, PIN, version. */
export function sessionOf<V extends string>(relay: TestRelay, version: V) {
  return {
    host: "127.0.0.1",
    port: relay.port,
    ca: relay.certPath,
    username: relay.username,
    password: relay.pin,
    version,
  };
}

/**
 * Runs `script` against `relay` over KMIP `version` (the instruction pykmip_session.py reads:
 * address, CA, Username, PIN); rejects when it prints no JSON.
 */
export function runStepsScript(
  script: string,
  relay: TestRelay,
  version: string,
): Promise<StepsRun> {
  const input = sessionOf(relay, version);
  return new Promise((resolve, reject) => {
    const child = spawn(PYKMIP_PYTHON, [script], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", () => {
      try {
        resolve(JSON.parse(out) as StepsRun);
      } catch {
        reject(new Error(`no JSON from ${script}: ${out} ${err}`));
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}
