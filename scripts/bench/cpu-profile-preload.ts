/**
 * Loaded with `node --import` (through NODE_OPTIONS, which `--cpu-prof` cannot go in) into
 * the relay and, since they inherit its environment, its PKCS#11 workers: records a V8 CPU
 * profile from start to exit and writes it as BENCH_CPU_PROF_DIR/<role>-<pid>.cpuprofile
 * (role: the entry script's folder, "cli" for the relay, "worker" for a worker).
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { basename, dirname, join } from "node:path";

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir !== undefined) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.start");
  const role = basename(dirname(process.argv[1] ?? "unknown"));
  process.once("exit", () => {
    // An in-thread inspector session answers synchronously, so this runs before the exit.
    session.post("Profiler.stop", (err, result) => {
      if (err === null) {
        writeFileSync(
          join(dir, `${role}-${process.pid}.cpuprofile`),
          JSON.stringify(result.profile),
        );
      }
    });
  });
}
