import { describe, expect, it } from "vitest";
import type { LogLevel } from "../../src/config/schema.js";
import { createLogger, REDACTED, SECRET_KEYS } from "../../src/log.js";

const PIN = "s3cr3t-PIN-4711";

/** A logger writing into an array of parsed JSON lines (pino's destination is sync). */
function memoryLogger(level: LogLevel) {
  const chunks: string[] = [];
  const logger = createLogger(
    { level, target: { type: "stderr" } },
    { write: (s: string) => void chunks.push(s) },
  );
  const text = () => chunks.join("");
  const lines = () =>
    text()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, text, lines };
}

/** `{ a: { a: ... { [key]: value } } }` with `depth` levels above the key. */
function nest(key: string, value: unknown, depth: number): Record<string, unknown> {
  let obj: Record<string, unknown> = { [key]: value };
  for (let i = 0; i < depth; i++) obj = { a: obj };
  return obj;
}

describe("createLogger", () => {
  it("writes JSON lines with a level label, time and message", () => {
    const { logger, lines } = memoryLogger("info");
    logger.info({ peer: "127.0.0.1:4000" }, "connection accepted");
    const [line] = lines();
    expect(line).toMatchObject({
      level: "info",
      peer: "127.0.0.1:4000",
      msg: "connection accepted",
    });
    expect(typeof line?.time).toBe("string");
    expect(line?.pid).toBe(process.pid);
  });

  it("maps the config's levels to pino's and filters below the threshold", () => {
    const { logger, lines } = memoryLogger("warning");
    logger.info("not shown");
    logger.debug("not shown");
    logger.warn("shown");
    logger.error("shown too");
    expect(lines().map((l) => l.level)).toEqual(["warn", "error"]);
    expect(logger.level).toBe("warn");
  });

  it("logs trace at trace level", () => {
    const { logger, lines } = memoryLogger("trace");
    logger.trace("fine detail");
    expect(lines()).toHaveLength(1);
  });

  it.each(SECRET_KEYS)("never writes a PIN under %s, at any depth", (key) => {
    const { logger, text, lines } = memoryLogger("trace");
    for (const depth of [0, 1, 2, 3, 10]) logger.info(nest(key, PIN, depth), "request");
    logger.child(nest(key, PIN, 0)).info("child bindings");
    logger.info({ items: [{ [key]: PIN }] }, "in an array");
    logger.error({ err: Object.assign(new Error("login failed"), { [key]: PIN }) }, "error");
    expect(text()).not.toContain(PIN);
    expect(text()).toContain(REDACTED);
    expect(lines()).toHaveLength(8);
  });

  it.each(["USER_PIN", "User-Pin", "PASSWORD", "key_material"])(
    "matches %s without case",
    (key) => {
      const { logger, text } = memoryLogger("info");
      logger.info({ request: { [key]: PIN } }, "spelling");
      expect(text()).not.toContain(PIN);
    },
  );

  it("keeps an Error's message and stack when redacting one of its fields", () => {
    const { logger, lines } = memoryLogger("info");
    const err = Object.assign(new Error("C_Login failed"), { pin: PIN, ckr: "CKR_PIN_INCORRECT" });
    logger.error({ err }, "login");
    const logged = lines()[0]?.err as Record<string, unknown>;
    expect(logged).toMatchObject({
      message: "C_Login failed",
      pin: REDACTED,
      ckr: "CKR_PIN_INCORRECT",
    });
    expect(String(logged.stack)).toContain("C_Login failed");
    expect(err.pin).toBe(PIN); // the caller's object is not modified
  });

  it("cuts off cyclic or absurdly deep objects instead of recursing forever", () => {
    const { logger, text } = memoryLogger("info");
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    logger.info({ cyclic, deep: nest("pin", PIN, 60) }, "odd shapes");
    expect(text()).not.toContain(PIN);
  });

  it("redacts a whole configuration's pkcs11.env", () => {
    const { logger, text } = memoryLogger("info");
    logger.info({ config: { pkcs11: { libPath: "/x.so", env: { VENDOR_PIN: PIN } } } }, "cfg");
    expect(text()).not.toContain(PIN);
    expect(text()).toContain("/x.so");
  });

  it("keeps a parent's bindings in a grandchild and redacts each level", () => {
    const { logger, lines, text } = memoryLogger("info");
    logger.child({ conn: 7, pin: PIN }).child({ op: "Sign", password: PIN }).info("nested");
    expect(lines()[0]).toMatchObject({ conn: 7, op: "Sign", pin: REDACTED, password: REDACTED });
    expect(text()).not.toContain(PIN);
  });

  it("leaves ordinary fields alone", () => {
    const { logger, lines } = memoryLogger("info");
    logger.info({ username: "token-a", uniqueIdentifier: "k1", pinFile: "/d/user-pin" }, "ok");
    expect(lines()[0]).toMatchObject({ username: "token-a", uniqueIdentifier: "k1" });
  });
});
