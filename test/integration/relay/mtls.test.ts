/**
 * Mutual TLS: with `client-ca-path`, only clients presenting a certificate signed by that CA
 * are served; a refused client is logged with the reason.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Operation, ResultStatus } from "../../../src/kmip/enums.js";
import { findChild, findChildren } from "../../../src/kmip/item.js";
import { Tag } from "../../../src/kmip/tags.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import { startTestRelay, type TestRelay } from "../../helpers/relay.js";

const dir = mkdtempSync(join(tmpdir(), "kmip2pkcs11-mtls-"));
const path = (name: string) => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

/** A CA, a client certificate it signed, and a self-signed stranger. */
function makeCertificates(): void {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-subj",
    "/CN=test CA",
    "-days",
    "2",
  );
  openssl("req", ...ec, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=signer");
  openssl(
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "client.pem",
    "-days",
    "2",
  );
  openssl(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "stranger.key",
    "-out",
    "stranger.pem",
    "-subj",
    "/CN=stranger",
    "-days",
    "2",
  );
}

let relay: TestRelay;
beforeAll(async () => {
  makeCertificates();
  relay = await startTestRelay({
    serverToml: `client-ca-path = ${JSON.stringify(path("ca.pem"))}`,
  });
});
afterAll(async () => {
  await relay?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function discoverVersions(client: KmipTestClient): Promise<number | undefined> {
  const response = await client.request(
    requestMessage({ items: [{ operation: Operation.DiscoverVersions, payload: [] }] }),
  );
  const item = findChildren(response, Tag.BatchItem)[0]!;
  return findChild(item, Tag.ResultStatus)?.value as number | undefined;
}

describe("mutual TLS", () => {
  it("serves a client whose certificate the CA signed", async () => {
    const client = await KmipTestClient.connect(relay.port, {
      cert: readFileSync(path("client.pem")),
      key: readFileSync(path("client.key")),
    });
    expect(await discoverVersions(client)).toBe(ResultStatus.Success);
    client.close();
  });

  it.each([
    ["no certificate", {}],
    ["a certificate of another CA", { cert: "stranger.pem", key: "stranger.key" }],
  ])("refuses a client with %s and logs why", async (_name, files) => {
    const before = relay.logs.length;
    const options =
      "cert" in files
        ? { cert: readFileSync(path(files.cert)), key: readFileSync(path(files.key)) }
        : {};
    const outcome = await KmipTestClient.connect(relay.port, options).then(
      async (client) => {
        const status = await discoverVersions(client).catch(() => "closed");
        client.close();
        return status;
      },
      () => "refused",
    );
    expect(["closed", "refused"]).toContain(outcome);
    const refusal = relay.logs
      .slice(before)
      .map((l) => JSON.parse(l) as { msg?: string; reason?: string })
      .find((l) => l.msg === "client certificate refused");
    expect(refusal?.reason).toMatch(/certificate|CERT/i);
  });
});
