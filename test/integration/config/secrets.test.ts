/**
 * Secrets on disk: a configuration file that holds the default token's PIN (`pin-env` naming
 * a variable of its own `[pkcs11] env`), and a PIN file, must not be readable by group/other.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/load.js";
import { readPin } from "../../../src/config/secrets.js";

const dir = mkdtempSync(join(tmpdir(), "kmip2pkcs11-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeMode(name: string, text: string, mode: number): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

const WITH_PIN = `version = "v1"
[pkcs11]
lib-path = "/usr/lib/softhsm/libsofthsm2.so"
token-label = "dnssec"
pin-env = "HSM_PIN"
env = { HSM_PIN = "1234" }
[server]
client-ca-path = "/etc/kmip2pkcs11/clients.pem"
`;

describe("files holding a PIN", () => {
  it("refuses a configuration file with a PIN readable by others, naming chmod 600", async () => {
    const file = writeMode("open.toml", WITH_PIN, 0o644);
    await expect(loadConfig(file)).rejects.toThrow(
      `the configuration file (it holds a PIN) is readable by group/other (mode 0644): run chmod 600 ${file}`,
    );
  });

  it("accepts it with mode 0600, and a PIN-less file with any mode", async () => {
    const file = writeMode("private.toml", WITH_PIN, 0o600);
    expect((await loadConfig(file)).pkcs11.defaultToken?.label).toBe("dnssec");
    const plain = writeMode("plain.toml", WITH_PIN.replace(/^env = .*\n/m, ""), 0o644);
    expect((await loadConfig(plain)).pkcs11.defaultToken?.pin).toEqual({
      type: "env",
      name: "HSM_PIN",
    });
  });

  it("reads the first line of a 0600 PIN file, refuses a 0640 one", async () => {
    const ok = writeMode("pin", "5678\n", 0o600);
    expect(await readPin({ type: "file", path: ok }, {})).toBe("5678");
    const group = writeMode("group-pin", "5678\n", 0o640);
    await expect(readPin({ type: "file", path: group }, {})).rejects.toThrow(/chmod 600/);
  });

  it("reads pin-env from the environment given, and says when it is unset", async () => {
    expect(await readPin({ type: "env", name: "P" }, { P: "9999" })).toBe("9999");
    await expect(readPin({ type: "env", name: "P" }, {})).rejects.toThrow(/P is not set/);
  });
});
