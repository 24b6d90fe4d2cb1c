import { describe, expect, it } from "vitest";
import {
  connectionDetails,
  EmbeddedError,
  embeddedConfig,
  findSoftHsmLibrary,
  softhsmConfText,
  tokenLabels,
} from "../../../src/cli/embedded.js";

const TOKEN = {
  libPath: "/usr/lib/softhsm/libsofthsm2.so",
  softhsmConf: "/srv/k/softhsm2.conf",
  tokenLabel: "kmip2pkcs11",
  pinFile: "/srv/k/user-pin",
};

describe("embedded mode helpers", () => {
  it("finds the first SoftHSM2 module that exists", () => {
    const present = new Set(["/b/libsofthsm2.so", "/c/libsofthsm2.so"]);
    const found = findSoftHsmLibrary(
      ["/a/libsofthsm2.so", "/b/libsofthsm2.so", "/c/libsofthsm2.so"],
      (p) => present.has(p),
    );
    expect(found).toBe("/b/libsofthsm2.so");
  });

  it("says how to install SoftHSM2 when there is none", () => {
    expect(() => findSoftHsmLibrary(["/a.so"], () => false)).toThrow(EmbeddedError);
    expect(() => findSoftHsmLibrary(["/a.so"], () => false)).toThrow(/apt-get install softhsm2/);
  });

  it("writes a private token store with the file backend", () => {
    expect(softhsmConfText("/srv/k/tokens")).toContain("directories.tokendir = /srv/k/tokens\n");
    expect(softhsmConfText("/srv/k/tokens")).toContain("objectstore.backend = file\n");
    expect(softhsmConfText("/srv/k/tokens")).toContain("log.level = ERROR\n");
  });

  it("reads token labels from softhsm2-util --show-slots", () => {
    const out = [
      "Slot 1384689246",
      "    Token info:",
      "        Label:            kmip2pkcs11                     ",
      "Slot 1",
      "        Label:                                            ",
    ].join("\n");
    expect(tokenLabels(out)).toEqual(["kmip2pkcs11", ""]);
  });

  it("configures 127.0.0.1:5696, the token's SOFTHSM2_CONF and DIR as state-dir", () => {
    const cfg = embeddedConfig("/srv/k", TOKEN);
    expect(cfg.server).toMatchObject({ host: "127.0.0.1", port: 5696, stateDir: "/srv/k" });
    expect(cfg.server.identity).toBeUndefined();
    expect(cfg.pkcs11).toMatchObject({
      libPath: TOKEN.libPath,
      env: { SOFTHSM2_CONF: TOKEN.softhsmConf },
    });
    expect(cfg.daemon.logTarget).toEqual({ type: "stderr" });
    expect(embeddedConfig("/srv/k", TOKEN, { port: 0 }).server.port).toBe(0);
  });

  it("prints the address, certificate, fingerprint, username and PIN file", () => {
    const text = connectionDetails({
      address: "127.0.0.1:5696",
      fingerprintSha256: "AA:BB",
      stateDir: "/srv/k",
      token: TOKEN,
    });
    expect(text).toContain("127.0.0.1:5696");
    expect(text).toContain("/srv/k/self-signed-cert.pem");
    expect(text).toContain("AA:BB");
    expect(text).toMatch(/KMIP Username: +kmip2pkcs11/);
    expect(text).toContain("in /srv/k/user-pin");
  });
});
