import { readFileSync } from "node:fs";

/** Product name, as Query's Vendor Identification and `-V` report it. */
export const PRODUCT_NAME = "kmip2pkcs11";

function readVersion(): string {
  // package.json sits at the package root: two levels above src/server, three above dist/src/server.
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === PRODUCT_NAME && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not at this level
    }
  }
  return "unknown";
}

/** The package version. */
export const PRODUCT_VERSION: string = readVersion();
