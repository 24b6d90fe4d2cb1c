/** Comparison and binding rules of the conformance runner, on small hand-made messages. */
import { describe, expect, it } from "vitest";
import { build } from "../../src/kmip/item.js";
import { Tag } from "../../src/kmip/tags.js";
import { VECTOR_PLACEHOLDERS } from "../../src/kmip/xml-placeholders.js";
import type { TtlvItem } from "../../src/ttlv/types.js";
import { Bindings, withCredential } from "./bindings.js";
import { type CompareContext, compareItems } from "./compare.js";

const NOW = 1_800_000_000n;

function context(bindings: Bindings, generated = false): CompareContext {
  return {
    bindings,
    nowSeconds: NOW,
    generated: () => generated,
    serverList: () => false,
    ignores: () => false,
    optional: new Set(),
    notes: [],
  };
}

const payload = (...items: TtlvItem[]) => build.structure(Tag.ResponsePayload, items);
const uid = (value: string) => build.textString(Tag.UniqueIdentifier, value);
const data = (hex: string) => build.byteString(Tag.Data, new Uint8Array(Buffer.from(hex, "hex")));

describe("conformance comparison", () => {
  it("binds a UID placeholder on first sight and holds later responses to it", () => {
    const bindings = new Bindings();
    expect(
      compareItems(
        payload(uid("$UNIQUE_IDENTIFIER_0")),
        payload(uid("AB_priv")),
        context(bindings),
      ),
    ).toEqual([]);
    const again = compareItems(
      payload(uid("$UNIQUE_IDENTIFIER_0")),
      payload(uid("CD_priv")),
      context(bindings),
    );
    expect(again).toHaveLength(1);
    expect(again[0]?.got).toBe("CD_priv");
  });

  it("compares a fixed value exactly, and names a missing and an extra field", () => {
    const bindings = new Bindings();
    expect(compareItems(payload(data("0102")), payload(data("0103")), context(bindings))).toEqual([
      { path: "Data", expected: "0102", got: "0103" },
    ]);
    const shape = compareItems(payload(data("01")), payload(uid("x")), context(bindings));
    expect(shape.map((m) => [m.expected, m.got])).toEqual([
      ["01", "absent"],
      ["absent", "x"],
    ]);
  });

  it("takes a different server-generated value by type and sends it back in later requests", () => {
    const bindings = new Bindings();
    const ctx = context(bindings, true);
    expect(compareItems(payload(data("aaaa")), payload(data("bbbb")), ctx)).toEqual([]);
    expect(ctx.notes).toEqual(["Data: server-generated, compared by type"]);
    const later = bindings.fillRequest(build.structure(Tag.RequestPayload, [data("aaaa")]), NOW);
    expect(later).toEqual(build.structure(Tag.RequestPayload, [data("bbbb")]));
  });

  it("accepts $NOW within a day and fills $NOW-3600 in requests", () => {
    const placeholder = (text: string): TtlvItem => ({
      tag: Tag.TimeStamp,
      type: "DateTime",
      value: VECTOR_PLACEHOLDERS.parse("DateTime", text) as bigint,
    });
    const date = (value: bigint): TtlvItem => ({
      tag: Tag.ActivationDate,
      type: "DateTime",
      value,
    });
    const bindings = new Bindings();
    const expected = { ...placeholder("$NOW"), tag: Tag.ActivationDate };
    expect(compareItems(expected, date(NOW + 5n), context(bindings))).toEqual([]);
    expect(compareItems(expected, date(NOW - 200_000n), context(bindings))).toHaveLength(1);
    expect(bindings.fillRequest(placeholder("$NOW-3600"), NOW)).toEqual({
      tag: Tag.TimeStamp,
      type: "DateTime",
      value: NOW - 3600n,
    });
  });

  it("a literal date no request sent is the vector server's clock: the relay's must be ~now", () => {
    const date = (value: bigint) => build.dateTime(Tag.InitialDate, value);
    const y2013 = 1_357_860_801n;
    const ctx = { ...context(new Bindings()), requestDates: new Set([y2013 + 1n]) };
    expect(compareItems(date(y2013), date(NOW + 5n), ctx)).toEqual([]);
    expect(ctx.notes[0]).toContain("the vector server's clock");
    expect(compareItems(date(y2013), date(NOW - 200_000n), ctx)).toHaveLength(1);
    // A date the client sent must come back exactly.
    expect(compareItems(date(y2013 + 1n), date(NOW), ctx)).toHaveLength(1);
    // Without the file's request dates the rule is off.
    expect(compareItems(date(y2013), date(NOW), context(new Bindings()))).toHaveLength(1);
  });

  it("refuses a request placeholder no response bound", () => {
    expect(() => new Bindings().fillRequest(uid("$UNIQUE_IDENTIFIER_3"), NOW)).toThrow(
      /before bound/,
    );
  });

  it("fills $DATA_0 / $IV_COUNTER_NONCE that no response carried with the server's field of that name", () => {
    const named = (tag: number, name: string): TtlvItem => ({
      tag,
      type: "ByteString",
      value: VECTOR_PLACEHOLDERS.parse("ByteString", name) as Uint8Array,
    });
    const iv = (hex: string) =>
      build.byteString(Tag.IVCounterNonce, new Uint8Array(Buffer.from(hex, "hex")));
    const bindings = new Bindings();
    const decrypt = build.structure(Tag.RequestPayload, [
      named(Tag.Data, "$DATA_0"),
      named(Tag.IVCounterNonce, "$IV_COUNTER_NONCE"),
    ]);
    expect(() => bindings.fillRequest(decrypt, NOW)).toThrow(/\$DATA_0 used before bound/);
    bindings.recordResponse(payload(uid("k1"), data("c1c1"), iv("1111")));
    bindings.recordResponse(payload(data("d2d2"), data("c1c1")));
    expect(bindings.fillRequest(decrypt, NOW)).toEqual(
      build.structure(Tag.RequestPayload, [data("c1c1"), iv("1111")]),
    );
    expect(bindings.fieldAliases).toHaveLength(2);
    const second = build.structure(Tag.RequestPayload, [named(Tag.Data, "$DATA_1")]);
    expect(bindings.fillRequest(second, NOW)).toEqual(
      build.structure(Tag.RequestPayload, [data("d2d2")]),
    );
    // Only a field's own name: $DATA_0 in an IV/Counter/Nonce stays unbound.
    const misplaced = build.structure(Tag.RequestPayload, [named(Tag.IVCounterNonce, "$DATA_0")]);
    expect(() => bindings.fillRequest(misplaced, NOW)).toThrow(/before bound/);
  });

  it("puts the credential into the header before the Batch Count", () => {
    const message = build.structure(Tag.RequestMessage, [
      build.structure(Tag.RequestHeader, [build.integer(Tag.BatchCount, 1)]),
    ]);
    const header = withCredential(message, "token", "1234");
    const fields = header.type === "Structure" ? header.value[0] : undefined;
    expect(fields?.type === "Structure" && fields.value.map((f) => f.tag)).toEqual([
      Tag.Authentication,
      Tag.BatchCount,
    ]);
  });
});
