/**
 * Get (KMIP 1.4 section 4.11, KMIP 2.1 section 6.1.23): a public key, read with
 * C_FindObjects + C_GetAttributeValue and returned in the requested Key Format Type.
 * Private keys are generated non-extractable: Permission Denied. Secret keys (`_sec`): see
 * secret-key-get.ts.
 *
 * Request: Unique Identifier, Key Format Type?, Key Compression Type?, Key Wrapping
 * Specification? (2.x also Key Wrap Type?). Response: Object Type, Unique Identifier,
 * Public Key{Key Block{Key Format Type, Key Value{Key Material}, Cryptographic Algorithm,
 * Cryptographic Length}}.
 */
import { KeyCompressionType, ObjectType, Operation, ResultReason } from "../kmip/enums.js";
import { KmipError, kmipErrors } from "../kmip/errors.js";
import { build, findChild, nameOf, optional } from "../kmip/item.js";
import { Tag } from "../kmip/tags.js";
import { defaultFormat, keyMaterial } from "./key-formats.js";
import { enumText, readKeyKind, requireKey, requireToken } from "./keys.js";
import { algorithmOf, lengthOf, readPublicKey } from "./public-key.js";
import { getSecretKey } from "./secret-key-get.js";
import type { OperationHandler } from "./types.js";
import { halfOf, shown } from "./uid.js";

function refuseUnsupportedOptions(payload: Parameters<OperationHandler["run"]>[0]): void {
  for (const tag of [Tag.KeyWrappingSpecification, Tag.KeyWrapType]) {
    if (findChild(payload, tag) !== undefined) {
      throw kmipErrors.notSupported(`Get: key wrapping is not supported (${nameOf(tag)})`);
    }
  }
  const compression = optional(payload, Tag.KeyCompressionType, "Enumeration");
  if (compression !== undefined && compression !== KeyCompressionType.ECPublicKeyTypeUncompressed) {
    throw new KmipError(
      ResultReason.KeyCompressionTypeNotSupported,
      `Get: Key Compression Type ${enumText(Tag.KeyCompressionType, compression)} is not supported`,
    );
  }
}

/** The Get handler. */
export const get: OperationHandler = {
  operation: Operation.Get,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Get");
    const { uid, ref } = requireKey(payload);
    const requested = optional(payload, Tag.KeyFormatType, "Enumeration");
    refuseUnsupportedOptions(payload);
    if (halfOf(ref) === "secret") return getSecretKey(ctx, token, uid, ref, requested);
    if (halfOf(ref) === "private") {
      await readKeyKind(ctx.client, token, ref); // Item Not Found comes first
      throw kmipErrors.permissionDenied(
        `Get: ${shown(uid)} is a private key, which is not extractable; Get its public key`,
      );
    }
    const info = await readPublicKey(ctx.client, token, ref);
    const format = requested ?? defaultFormat(info);
    const keyBlock = build.structure(Tag.KeyBlock, [
      build.enumeration(Tag.KeyFormatType, format),
      build.structure(Tag.KeyValue, [keyMaterial(info, format)]),
      build.enumeration(Tag.CryptographicAlgorithm, algorithmOf(info)),
      build.integer(Tag.CryptographicLength, lengthOf(info)),
    ]);
    return {
      uid,
      payload: [
        build.enumeration(Tag.ObjectType, ObjectType.PublicKey),
        build.textString(Tag.UniqueIdentifier, uid),
        build.structure(Tag.PublicKey, [keyBlock]),
      ],
    };
  },
};
