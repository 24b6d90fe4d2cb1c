/**
 * Requests of the key operations, built field by field as the KMIP spec lays them out, and a
 * session that sends them over TLS with the test relay's credential and reads each result.
 */
import {
  CryptographicAlgorithm,
  NameType,
  Operation,
  RecommendedCurve,
  ResultStatus,
  RevocationReasonCode,
} from "../../../src/kmip/enums.js";
import { build, findChild } from "../../../src/kmip/item.js";
import type { ProtocolVersion } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { KmipTestClient, requestMessage } from "../../helpers/kmip-client.js";
import type { TestRelay } from "../../helpers/relay.js";

/** One attribute: its KMIP 1.x name and its value under the attribute's own tag (2.x form). */
export interface Attr {
  readonly name: string;
  readonly item: TtlvItem;
}

/** Attribute builders (KMIP 1.4 section 3). */
export const attr = {
  algorithm: (value: number): Attr => ({
    name: "Cryptographic Algorithm",
    item: build.enumeration(Tag.CryptographicAlgorithm, value),
  }),
  length: (bits: number): Attr => ({
    name: "Cryptographic Length",
    item: build.integer(Tag.CryptographicLength, bits),
  }),
  curve: (curve: number): Attr => ({
    name: "Cryptographic Domain Parameters",
    item: build.structure(Tag.CryptographicDomainParameters, [
      build.enumeration(Tag.RecommendedCurve, curve),
    ]),
  }),
  name: (label: string): Attr => ({
    name: "Name",
    item: build.structure(Tag.Name, [
      build.textString(Tag.NameValue, label),
      build.enumeration(Tag.NameType, NameType.UninterpretedTextString),
    ]),
  }),
  usage: (mask: number): Attr => ({
    name: "Cryptographic Usage Mask",
    item: build.integer(Tag.CryptographicUsageMask, mask),
  }),
};

/** A 1.x `Attribute{Attribute Name, Attribute Value}` (KMIP 1.4 section 2.1.1). */
export function v1Attribute(a: Attr): TtlvItem {
  return build.structure(Tag.Attribute, [
    build.textString(Tag.AttributeName, a.name),
    { ...a.item, tag: Tag.AttributeValue } as TtlvItem,
  ]);
}

/** Attribute container forms: 1.x Template-Attribute, 2.x Attributes. */
export type AttrForm = "v1" | "v2";

const CONTAINERS = {
  common: { v1: Tag.CommonTemplateAttribute, v2: Tag.CommonAttributes },
  private: { v1: Tag.PrivateKeyTemplateAttribute, v2: Tag.PrivateKeyAttributes },
  public: { v1: Tag.PublicKeyTemplateAttribute, v2: Tag.PublicKeyAttributes },
} as const;

/** What a Create Key Pair request asks for. */
export interface KeyPairRequest {
  readonly common: readonly Attr[];
  readonly private?: readonly Attr[];
  readonly public?: readonly Attr[];
}

/** Create Key Pair Request Payload (KMIP 1.4 section 4.2, 2.1 section 6.1.10). */
export function createKeyPairPayload(request: KeyPairRequest, form: AttrForm): TtlvItem[] {
  const container = (which: keyof typeof CONTAINERS, attrs: readonly Attr[] | undefined) =>
    attrs === undefined
      ? []
      : [
          build.structure(
            CONTAINERS[which][form],
            attrs.map((a) => (form === "v1" ? v1Attribute(a) : a.item)),
          ),
        ];
  return [
    ...container("common", request.common),
    ...container("private", request.private),
    ...container("public", request.public),
  ];
}

/** The common attributes of the key kinds the relay generates. */
export const KEY_KINDS = {
  rsa2048: [attr.algorithm(CryptographicAlgorithm.RSA), attr.length(2048)],
  rsa3072: [attr.algorithm(CryptographicAlgorithm.RSA), attr.length(3072)],
  p256: [attr.algorithm(CryptographicAlgorithm.ECDSA), attr.length(256)],
  p384: [attr.algorithm(CryptographicAlgorithm.ECDSA), attr.curve(RecommendedCurve.P_384)],
  p521: [attr.algorithm(CryptographicAlgorithm.EC), attr.length(521)],
  ed25519: [attr.algorithm(CryptographicAlgorithm.Ed25519)],
} satisfies Record<string, Attr[]>;

/** Cryptographic Parameters (KMIP 1.4 section 3.6) from the fields given. */
export function cryptoParams(fields: {
  padding?: number;
  hash?: number;
  dsa?: number;
  algorithm?: number;
  saltLength?: number;
}): TtlvItem {
  const items: TtlvItem[] = [];
  if (fields.padding !== undefined)
    items.push(build.enumeration(Tag.PaddingMethod, fields.padding));
  if (fields.hash !== undefined) items.push(build.enumeration(Tag.HashingAlgorithm, fields.hash));
  if (fields.dsa !== undefined) {
    items.push(build.enumeration(Tag.DigitalSignatureAlgorithm, fields.dsa));
  }
  if (fields.algorithm !== undefined) {
    items.push(build.enumeration(Tag.CryptographicAlgorithm, fields.algorithm));
  }
  if (fields.saltLength !== undefined) items.push(build.integer(Tag.SaltLength, fields.saltLength));
  return build.structure(Tag.CryptographicParameters, items);
}

/** Sign Request Payload: Unique Identifier, Cryptographic Parameters?, Data | Digested Data. */
export function signPayload(
  uid: string,
  input: { data: Uint8Array } | { digest: Uint8Array },
  params?: TtlvItem,
): TtlvItem[] {
  const body =
    "data" in input
      ? build.byteString(Tag.Data, input.data)
      : build.byteString(Tag.DigestedData, input.digest);
  return [
    build.textString(Tag.UniqueIdentifier, uid),
    ...(params === undefined ? [] : [params]),
    body,
  ];
}

/** Get Request Payload: Unique Identifier, Key Format Type? (KMIP 1.4 section 4.11). */
export function getPayload(uid: string, format?: number): TtlvItem[] {
  return [
    build.textString(Tag.UniqueIdentifier, uid),
    ...(format === undefined ? [] : [build.enumeration(Tag.KeyFormatType, format)]),
  ];
}

/** A payload holding only a Unique Identifier (Activate, Destroy, ...). */
export function uidPayload(uid: string): TtlvItem[] {
  return [build.textString(Tag.UniqueIdentifier, uid)];
}

/**
 * Revoke Request Payload (KMIP 1.4 section 4.20): Unique Identifier, Revocation Reason{Code},
 * and the Compromise Occurrence Date when given.
 */
export function revokePayload(
  uid: string,
  code: number = RevocationReasonCode.CessationOfOperation,
  occurred?: bigint,
): TtlvItem[] {
  return [
    ...uidPayload(uid),
    build.structure(Tag.RevocationReason, [build.enumeration(Tag.RevocationReasonCode, code)]),
    ...(occurred === undefined ? [] : [build.dateTime(Tag.CompromiseOccurrenceDate, occurred)]),
  ];
}

/** One batch item's outcome. */
export interface ItemResult {
  readonly status: number;
  readonly reason: number | undefined;
  readonly message: string | undefined;
  readonly operation: number | undefined;
  /** The Response Payload, an empty structure when the item carries none. */
  readonly payload: TtlvItem;
}

function fieldValue(parent: TtlvItem, tag: number): unknown {
  return findChild(parent, tag)?.value;
}

/** Reads the first batch item of a response. */
export function firstResult(response: TtlvItem): ItemResult {
  const item = findChild(response, Tag.BatchItem);
  if (item === undefined) throw new Error("response without a Batch Item");
  return {
    status: fieldValue(item, Tag.ResultStatus) as number,
    reason: fieldValue(item, Tag.ResultReason) as number | undefined,
    message: fieldValue(item, Tag.ResultMessage) as string | undefined,
    operation: fieldValue(item, Tag.Operation) as number | undefined,
    payload: findChild(item, Tag.ResponsePayload) ?? build.structure(Tag.ResponsePayload, []),
  };
}

/** A TLS connection to a test relay that authenticates every request. */
export class Session {
  private constructor(
    readonly client: KmipTestClient,
    private readonly relay: TestRelay,
  ) {}

  static async open(relay: TestRelay): Promise<Session> {
    return new Session(await KmipTestClient.connect(relay.port), relay);
  }

  /** Sends one operation and returns its result, whatever it is. */
  async call(
    operation: number,
    payload: readonly TtlvItem[],
    version: ProtocolVersion = { major: 1, minor: 2 },
  ): Promise<ItemResult> {
    const response = await this.client.request(
      requestMessage({
        version,
        username: this.relay.username,
        password: this.relay.pin,
        items: [{ operation, payload }],
      }),
    );
    return firstResult(response);
  }

  /** Sends one operation that must succeed; returns its Response Payload. */
  async ok(
    operation: number,
    payload: readonly TtlvItem[],
    version?: ProtocolVersion,
  ): Promise<TtlvItem> {
    const result = await this.call(operation, payload, version);
    if (result.status !== ResultStatus.Success) {
      throw new Error(`operation ${operation} failed: ${result.reason} ${result.message}`);
    }
    return result.payload;
  }

  /** Creates a key pair; returns both UIDs. */
  async createKeyPair(
    request: KeyPairRequest,
    form: AttrForm = "v1",
    version?: ProtocolVersion,
  ): Promise<{ privateUid: string; publicUid: string }> {
    const payload = await this.ok(
      Operation.CreateKeyPair,
      createKeyPairPayload(request, form),
      version ?? (form === "v1" ? { major: 1, minor: 2 } : { major: 2, minor: 1 }),
    );
    return {
      privateUid: fieldValue(payload, Tag.PrivateKeyUniqueIdentifier) as string,
      publicUid: fieldValue(payload, Tag.PublicKeyUniqueIdentifier) as string,
    };
  }

  /**
   * Registers `object` (KMIP 2.1 section 6.1.43: Object Type, Attributes, the object) with these
   * attribute items; returns its Unique Identifier.
   */
  async register(
    objectType: number,
    object: TtlvItem,
    attributes: readonly TtlvItem[] = [],
  ): Promise<string> {
    const payload = await this.ok(
      Operation.Register,
      [
        build.enumeration(Tag.ObjectType, objectType),
        build.structure(Tag.Attributes, [...attributes]),
        object,
      ],
      { major: 2, minor: 1 },
    );
    return fieldValue(payload, Tag.UniqueIdentifier) as string;
  }

  /** Get Attributes (KMIP 2.1 section 6.1.20) of every attribute of `uid`, by tag. */
  async attributes(uid: string): Promise<Map<number, TtlvItem>> {
    const payload = await this.ok(Operation.GetAttributes, uidPayload(uid), { major: 2, minor: 1 });
    const attributes = findChild(payload, Tag.Attributes);
    const items = attributes?.type === "Structure" ? attributes.value : [];
    return new Map(items.map((i) => [i.tag, i]));
  }

  close(): void {
    this.client.close();
  }
}
