/** versionAtLeast: the protocol-version gates of the operations (2.1 reasons, 1.3 fields). */
import { describe, expect, it } from "vitest";
import { versionAtLeast } from "../../../src/kmip/messages.js";

describe("versionAtLeast", () => {
  it("orders by major, then minor", () => {
    const v = (major: number, minor: number) => ({ major, minor });
    expect(versionAtLeast(v(2, 1), 2, 1)).toBe(true);
    expect(versionAtLeast(v(2, 0), 2, 1)).toBe(false);
    expect(versionAtLeast(v(1, 4), 2, 1)).toBe(false);
    expect(versionAtLeast(v(3, 0), 2, 1)).toBe(true);
    expect(versionAtLeast(v(1, 2), 1, 3)).toBe(false);
    expect(versionAtLeast(v(2, 0), 1, 3)).toBe(true);
  });
});
