/**
 * Starting the relay's CLI as a child process and reading its output, for the CLI tests.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import tls from "node:tls";
import { CLI_MAIN } from "./cli-helpers.js";

/** Every process start() made that has not exited yet (killed by killStarted()). */
const children = new Set<ChildProcessWithoutNullStreams>();

/** SIGKILLs every started process still running (for afterAll). */
export function killStarted(): void {
  for (const c of children) c.kill("SIGKILL");
}

/** A started CLI process with its output so far. */
export interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function start(
  args: string[],
  command?: { file: string; args: string[]; env?: NodeJS.ProcessEnv },
): Started {
  const child =
    command === undefined
      ? spawn(process.execPath, [CLI_MAIN, ...args])
      : spawn(command.file, [...command.args, process.execPath, CLI_MAIN, ...args], {
          env: command.env ?? process.env,
        });
  children.add(child);
  const s: Started = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) =>
      child.on("close", (code, signal) => {
        children.delete(child);
        resolve({ code, signal });
      }),
    ),
  };
  child.stdout.on("data", (d: Buffer) => (s.stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (s.stderr += d.toString()));
  return s;
}

/** Resolves once `test` holds for the output; rejects if the process exits first. */
export function waitFor(s: Started, test: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (test()) {
        s.child.stdout.off("data", check);
        s.child.stderr.off("data", check);
        resolve();
      }
    };
    s.child.stdout.on("data", check);
    s.child.stderr.on("data", check);
    void s.exited.then(() => reject(new Error(`exited before ${what}:\n${s.stderr}`)));
    check();
  });
}

/** The `listening on host:port` log line's address. */
export function listeningAddress(stderr: string): { host: string; port: number } {
  const m = /"msg":"listening on ([\d.]+):(\d+)"/.exec(stderr);
  if (m === null) throw new Error("no listening line");
  return { host: m[1] ?? "", port: Number(m[2]) };
}

/** Connects with the certificate as the only trusted CA; the peer certificate's fingerprint. */
export function tlsFingerprint(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca, servername: "localhost" }, () => {
      const fp = socket.getPeerX509Certificate()?.fingerprint256 ?? "";
      socket.destroy();
      resolve(fp);
    });
    socket.on("error", reject);
  });
}
