/**
 * The DispatchDeps the batch-runner tests share: `client` behind a fresh Authenticator, no
 * TTLV limits, no `[[clients]]`; `more` adds or replaces fields (options, lifecycle, ...).
 */
import { type Logger, pino } from "pino";
import type { Pkcs11Client } from "../../../src/pkcs11/client.js";
import { Authenticator } from "../../../src/server/auth.js";
import type { DispatchDeps } from "../../../src/server/dispatch.js";

export function testDeps(
  client: Pkcs11Client,
  logger: Logger = pino({ level: "silent" }),
  more: Partial<DispatchDeps> = {},
): DispatchDeps {
  return {
    client,
    authenticator: new Authenticator(client, logger),
    logger,
    server: { product: "kmip2pkcs11", version: "test", libraryPath: "/lib.so" },
    limits: {},
    options: {},
    ...more,
  };
}
