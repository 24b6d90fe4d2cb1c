import { describe, expect, it } from "vitest";
import { CredentialType, Operation, ResultReason, ResultStatus } from "../../src/kmip/enums.js";
import { KmipError } from "../../src/kmip/errors.js";
import { build } from "../../src/kmip/item.js";
import { buildResponse, failedItem, parseRequest } from "../../src/kmip/messages.js";
import { Tag } from "../../src/kmip/tags.js";
import type { TtlvItem } from "../../src/ttlv/types.js";

const version = (major: number, minor: number) =>
  build.structure(Tag.ProtocolVersion, [
    build.integer(Tag.ProtocolVersionMajor, major),
    build.integer(Tag.ProtocolVersionMinor, minor),
  ]);

const credential = (username: string, password?: string) =>
  build.structure(Tag.Authentication, [
    build.structure(Tag.Credential, [
      build.enumeration(Tag.CredentialType, CredentialType.UsernameAndPassword),
      build.structure(Tag.CredentialValue, [
        build.textString(Tag.Username, username),
        ...(password === undefined ? [] : [build.textString(Tag.Password, password)]),
      ]),
    ]),
  ]);

const item = (fields: TtlvItem[]) => build.structure(Tag.BatchItem, fields);
const payload = (fields: TtlvItem[] = []) => build.structure(Tag.RequestPayload, fields);

function request(header: TtlvItem[], items: TtlvItem[]): TtlvItem {
  return build.structure(Tag.RequestMessage, [
    build.structure(Tag.RequestHeader, header),
    ...items,
  ]);
}

describe("parseRequest", () => {
  it("reads the header, the credential and each batch item", () => {
    const id = Uint8Array.of(1, 2);
    const parsed = parseRequest(
      request(
        [version(1, 4), credential("tok", "1234"), build.integer(Tag.BatchCount, 2)],
        [
          item([build.enumeration(Tag.Operation, Operation.Query), payload()]),
          item([
            build.enumeration(Tag.Operation, Operation.Get),
            build.byteString(Tag.UniqueBatchItemID, id),
            payload([build.textString(Tag.UniqueIdentifier, "X")]),
          ]),
        ],
      ),
    );
    expect(parsed.header.version).toEqual({ major: 1, minor: 4 });
    expect(parsed.header.credential).toEqual({
      type: "UsernameAndPassword",
      username: "tok",
      password: "1234",
    });
    expect(parsed.items.map((i) => i.operation)).toEqual([Operation.Query, Operation.Get]);
    expect(parsed.items[1]?.uniqueBatchItemId).toEqual(id);
    expect(parsed.items.every((i) => i.error === undefined)).toBe(true);
  });

  it("keeps a malformed item as an error and the other items usable", () => {
    const parsed = parseRequest(
      request(
        [version(2, 0), build.integer(Tag.BatchCount, 2)],
        [
          item([build.enumeration(Tag.Operation, Operation.Query)]), // no Request Payload
          item([build.enumeration(Tag.Operation, Operation.Query), payload()]),
        ],
      ),
    );
    expect(parsed.items[0]?.error?.reason).toBe(ResultReason.MissingData);
    expect(parsed.items[0]?.error?.message).toMatch(/Request Payload is required/);
    expect(parsed.items[0]?.operation).toBe(Operation.Query);
    expect(parsed.items[1]?.error).toBeUndefined();
  });

  it.each([
    [
      "a batch count that does not match",
      [version(1, 0), build.integer(Tag.BatchCount, 3)],
      /BatchCount is 3/,
    ],
    ["no protocol version", [build.integer(Tag.BatchCount, 1)], /Protocol Version is required/],
    [
      "a wrongly typed field",
      [version(1, 0), build.textString(Tag.BatchCount, "1")],
      /Batch Count: expected Integer, got TextString/,
    ],
  ])("refuses a header with %s", (_name, header, message) => {
    const bad = request(header, [
      item([build.enumeration(Tag.Operation, Operation.Query), payload()]),
    ]);
    expect(() => parseRequest(bad)).toThrow(KmipError);
    expect(() => parseRequest(bad)).toThrow(message);
  });

  it("names other credential types without reading them", () => {
    const header = [
      version(1, 2),
      build.structure(Tag.Authentication, [
        build.structure(Tag.Credential, [
          build.enumeration(Tag.CredentialType, CredentialType.Device),
          build.structure(Tag.CredentialValue, []),
        ]),
      ]),
      build.integer(Tag.BatchCount, 1),
    ];
    const parsed = parseRequest(
      request(header, [item([build.enumeration(Tag.Operation, 1), payload()])]),
    );
    expect(parsed.header.credential).toEqual({
      type: "Other",
      credentialType: CredentialType.Device,
    });
  });
});

describe("buildResponse", () => {
  it("writes exactly Protocol Version, Time Stamp and Batch Count in the header", () => {
    const response = buildResponse({ major: 1, minor: 2 }, [], new Date(1_700_000_000_000));
    const header = (response.value as TtlvItem[])[0]!;
    expect((header.value as TtlvItem[]).map((f) => f.tag)).toEqual([
      Tag.ProtocolVersion,
      Tag.TimeStamp,
      Tag.BatchCount,
    ]);
    expect((header.value as TtlvItem[])[1]?.value).toBe(1_700_000_000n);
  });

  it("echoes Operation and Unique Batch Item ID on failed items too", () => {
    const id = Uint8Array.of(9);
    const failed = failedItem(
      { operation: Operation.Sign, uniqueBatchItemId: id },
      new KmipError(ResultReason.ItemNotFound, "no such key"),
    );
    const response = buildResponse({ major: 1, minor: 0 }, [failed]);
    const batchItem = (response.value as TtlvItem[])[1]!;
    expect(batchItem.value).toEqual([
      build.enumeration(Tag.Operation, Operation.Sign),
      build.byteString(Tag.UniqueBatchItemID, id),
      build.enumeration(Tag.ResultStatus, ResultStatus.OperationFailed),
      build.enumeration(Tag.ResultReason, ResultReason.ItemNotFound),
      build.textString(Tag.ResultMessage, "no such key"),
    ]);
  });
});

describe("findUnknownTags", () => {
  it("reports tags no KMIP version defines, with their path", async () => {
    const { findUnknownTags } = await import("../../src/kmip/unknown-tags.js");
    const vendor = 0x540001;
    const message = build.structure(Tag.RequestMessage, [
      build.structure(Tag.BatchItem, [build.textString(vendor, "x"), payload()]),
    ]);
    expect(findUnknownTags(message)).toEqual([
      { tag: "0x540001", path: "RequestMessage/BatchItem/0x540001" },
    ]);
    expect(findUnknownTags(build.structure(Tag.RequestMessage, []))).toEqual([]);
  });
});
