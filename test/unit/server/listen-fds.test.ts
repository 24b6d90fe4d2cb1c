import { describe, expect, it } from "vitest";
import { takeListenFds } from "../../../src/server/listen-fds.js";

describe("systemd socket activation variables", () => {
  it("none set: bind the configured address", () => {
    expect(takeListenFds({}, 42)).toEqual({ kind: "none" });
  });

  it("LISTEN_FDS for this process: the first socket is fd 3", () => {
    const env = { LISTEN_FDS: "2", LISTEN_PID: "42", LISTEN_FDNAMES: "kmip:other" };
    // SD_LISTEN_FDS_START (sd_listen_fds(3)).
    expect(takeListenFds(env, 42)).toEqual({ kind: "socket", fd: 3, count: 2 });
  });

  it("LISTEN_FDS without LISTEN_PID is taken (as the incumbent's listenfd crate does)", () => {
    expect(takeListenFds({ LISTEN_FDS: "1" }, 42)).toMatchObject({ kind: "socket", fd: 3 });
  });

  it("sockets meant for another process are not ours", () => {
    expect(takeListenFds({ LISTEN_FDS: "1", LISTEN_PID: "41" }, 42)).toEqual({ kind: "none" });
  });

  it("LISTEN_FDS=0 means none; a value that is not a count is an error", () => {
    expect(takeListenFds({ LISTEN_FDS: "0", LISTEN_PID: "42" }, 42)).toEqual({ kind: "none" });
    expect(takeListenFds({ LISTEN_FDS: "three" }, 42)).toMatchObject({ kind: "invalid" });
    expect(takeListenFds({ LISTEN_FDS: "-1" }, 42)).toMatchObject({ kind: "invalid" });
  });

  it("removes the variables, so the PKCS#11 workers never inherit them", () => {
    const env: NodeJS.ProcessEnv = {
      LISTEN_FDS: "1",
      LISTEN_PID: "7",
      LISTEN_FDNAMES: "x",
      A: "b",
    };
    takeListenFds(env, 42);
    expect(env).toEqual({ A: "b" });
  });
});
