/**
 * Query (KMIP 1.4 section 4.25, KMIP 2.1 section 6.1.39).
 *
 * Request: Query Function*. Response, in this order: Operation* (Query Operations), Object
 * Type* (Query Objects), Vendor Identification and Server Information (Query Server
 * Information). Other query functions are answered with nothing, as the spec allows.
 *
 * Query Operations and Query Objects need no token. Server Information describes the token
 * and the library (C_GetSlotInfo, C_GetTokenInfo, C_GetInfo), so it needs the token.
 */
import { ObjectType, Operation, QueryFunction } from "../kmip/enums.js";
import { kmipErrors } from "../kmip/errors.js";
import { build, findChildren } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import type { TtlvItem } from "../ttlv/types.js";
import { requireToken } from "./keys.js";
import type { OperationContext, OperationHandler } from "./types.js";

/** The object types the relay manages. */
export const OBJECT_TYPES: readonly number[] = [
  ObjectType.PublicKey,
  ObjectType.PrivateKey,
  ObjectType.SymmetricKey,
];

function version(v: { major: number; minor: number }): string {
  return `${v.major}.${v.minor}`;
}

/** Vendor Identification: the relay, its version, the token and the PKCS#11 library. */
async function serverInformation(ctx: OperationContext): Promise<TtlvItem[]> {
  const token = requireToken(ctx, "Query Server Information");
  const [{ slot, token: info }, library] = await Promise.all([
    ctx.client.tokenInfo(token),
    ctx.client.libraryInfo(),
  ]);
  const { product, version: relayVersion, libraryPath } = ctx.server;
  const vendor =
    `${product} ${relayVersion} using PKCS#11 token "${info.label}" ` +
    `(${info.manufacturerId} ${info.model}, serial ${info.serialNumber}) ` +
    `in slot ${slot.slotId} (${slot.description}) via library ${libraryPath} ` +
    `(${library.libraryDescription} ${version(library.libraryVersion)} by ` +
    `${library.manufacturerId}, Cryptoki ${version(library.cryptokiVersion)})`;
  // KMIP 1.x leaves Server Information's contents to the vendor: it stays empty there, as
  // the incumbent sends it, because Cascade's client (kmip-protocol) rejects a Query
  // response whose Server Information has any field. KMIP 2.x defines its fields (2.1
  // section 7.37).
  const fields =
    ctx.version.major < 2
      ? []
      : [
          build.textString(Tag.ServerName, product),
          build.textString(Tag.ServerVersion, relayVersion),
          build.textString(Tag.ProductName, product),
        ];
  return [
    build.textString(Tag.VendorIdentification, vendor),
    build.structure(Tag.ServerInformation, fields),
  ];
}

/**
 * The Query handler; `operations` lists the operations the relay answers (the registry's,
 * passed in so this module does not import the registry).
 */
export function createQuery(operations: () => readonly number[]): OperationHandler {
  return {
    operation: Operation.Query,
    needsToken: false,
    async run(payload, ctx) {
      const functions = new Set(
        findChildren(payload, Tag.QueryFunction).map((f) => {
          if (f.type === "Enumeration") return f.value;
          throw kmipErrors.invalidField(`Query Function: expected Enumeration, got ${f.type}`);
        }),
      );
      const answer: TtlvItem[] = [];
      if (functions.has(QueryFunction.QueryOperations)) {
        for (const op of operations()) answer.push(build.enumeration(Tag.Operation, op));
      }
      if (functions.has(QueryFunction.QueryObjects)) {
        for (const t of OBJECT_TYPES) answer.push(build.enumeration(Tag.ObjectType, t));
      }
      if (functions.has(QueryFunction.QueryServerInformation)) {
        answer.push(...(await serverInformation(ctx)));
      }
      return { payload: answer };
    },
  };
}
