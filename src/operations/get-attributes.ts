/**
 * Get Attributes (KMIP 1.4 section 4.12, KMIP 2.1 section 6.1.20): the attributes of a key
 * that PKCS#11 holds (see attribute-values.ts for each one's source).
 *
 * 1.x form. Request: Unique Identifier, Attribute Name*. Response: Unique Identifier,
 * Attribute{Attribute Name, Attribute Value}*.
 * 2.x form. Request: Unique Identifier, Attribute Reference*. Response: Unique Identifier,
 * Attributes{the attribute items}.
 *
 * State and the lifecycle dates come from the relay's record of the key (lifecycle-store.ts);
 * a destroyed key still answers its Unique Identifier, Object Type, State and dates.
 *
 * Named attributes the key does not have are left out (the spec's rule). Without names:
 * every attribute the relay can tell except Link and Original Creation Date, which are
 * returned only when named (PyKMIP 0.10, a common client, cannot decode either in 1.x or 2.0
 * and would fail on the whole response). Get Attribute List names them when the key has them.
 */
import { Operation } from "../kmip/enums.js";
import { build } from "../kmip/item.js";
import type { ProtocolVersion } from "../kmip/messages.js";
import { Tag } from "../kmip/tags.js";
import { type KmipAttribute, writeAttribute } from "../kmip/template.js";
import type { ObjectRef, TokenSelector } from "../pkcs11/types.js";
import { type AttributeRef, requestedAttributes } from "./attribute-refs.js";
import { type AttributeWish, readObjectAttributes } from "./attribute-values.js";
import { requireKey, requireToken } from "./keys.js";
import {
  destroyedAttributes,
  isDestroyedRecord,
  lifecycleAttributes,
  lifecycleOf,
} from "./lifecycle-attributes.js";
import type { OperationContext, OperationHandler } from "./types.js";

/** Which of the key's attributes a request wants (no names: all but Link). */
/** Attributes returned only when named: PyKMIP 0.10 fails on the whole response otherwise. */
const ONLY_WHEN_NAMED: ReadonlySet<number> = new Set([Tag.Link, Tag.OriginalCreationDate]);

function selection(refs: readonly AttributeRef[]): (tag: number) => boolean {
  if (refs.length === 0) return (tag) => !ONLY_WHEN_NAMED.has(tag);
  const tags = new Set(refs.flatMap((r) => (r.tag === undefined ? [] : [r.tag])));
  return (tag) => tags.has(tag);
}

/** The response fields in the form of `version`. */
export function attributesResponse(
  version: ProtocolVersion,
  uid: string,
  attributes: readonly KmipAttribute[],
) {
  const uidItem = build.textString(Tag.UniqueIdentifier, uid);
  if (version.major >= 2) {
    return [
      uidItem,
      build.structure(
        Tag.Attributes,
        attributes.map((a) => a.value),
      ),
    ];
  }
  return [uidItem, ...attributes.map((a) => writeAttribute(version, inVersion(version, a)))];
}

/** KMIP 1.0's Digest has no Key Format Type (added in 1.1, KMIP 1.1 section 3.17). */
function inVersion(version: ProtocolVersion, a: KmipAttribute): KmipAttribute {
  if (a.tag !== Tag.Digest || version.minor > 0 || a.value.type !== "Structure") return a;
  const fields = a.value.value.filter((f) => f.tag !== Tag.KeyFormatType);
  return { tag: a.tag, value: build.structure(Tag.Digest, fields) };
}

/**
 * The attributes of the key with its lifecycle; of a destroyed key (its token object gone),
 * what its lifecycle record tells.
 */
export async function keyAttributes(
  ctx: OperationContext,
  token: TokenSelector,
  uid: string,
  ref: ObjectRef,
  wish: AttributeWish,
): Promise<KmipAttribute[]> {
  const record = await lifecycleOf(ctx, token, uid);
  const now = ctx.lifecycle?.now() ?? 0n;
  if (record !== undefined && isDestroyedRecord(record)) {
    return destroyedAttributes(uid, ref, record, now, ctx.version);
  }
  const lifecycle = lifecycleAttributes(record, now, ctx.version);
  return readObjectAttributes(ctx.client, token, uid, ref, wish, lifecycle);
}

/** The Get Attributes handler. */
export const getAttributes: OperationHandler = {
  operation: Operation.GetAttributes,
  needsToken: true,
  async run(payload, ctx) {
    const token = requireToken(ctx, "Get Attributes");
    const { uid, ref } = requireKey(payload);
    const wanted = selection(requestedAttributes(payload, "Get Attributes"));
    const all = await keyAttributes(ctx, token, uid, ref, {
      digest: wanted(Tag.Digest),
      link: wanted(Tag.Link),
    });
    return {
      uid,
      payload: attributesResponse(
        ctx.version,
        uid,
        all.filter((a) => wanted(a.tag)),
      ),
    };
  },
};
