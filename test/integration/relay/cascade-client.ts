/**
 * Requests and response checks as Cascade's KMIP client makes them: NLnetLabs' `kmip-protocol`
 * crate (net::client: `do_request_payload`, `do_request_batch`, `query`, `get_key`,
 * `activate_key`, `rename_key`, `revoke_key`, `destroy_key`) driven by `domain-kmip`
 * (`generate`, `PublicKey::for_key_id_and_dnssec_algorithm`, `KeyPair::sign_raw`). Written
 * from reading that code; none of it is copied.
 *
 * What the client sends: a header of Protocol Version (the highest version among the batch's
 * operations: 1.0 for Create Key Pair, Get, Activate, Modify Attribute, Revoke, Destroy; 1.2
 * for Query and Sign), Maximum Response Size (its read limit), Authentication{Credential
 * {Username and Password}}, Batch Count; a Unique Batch Item ID only in multi-item batches
 * (a 16-byte UUID); attributes only in the 1.x Attribute{Name, Value} form.
 *
 * What it requires back: a header of exactly Protocol Version, Time Stamp, Batch Count; one
 * item per request item, each with Operation; Result Status Success; then the payload it
 * parses (see the readers below).
 */
import {
  CredentialType,
  CryptographicAlgorithm,
  HashingAlgorithm,
  Operation,
  PaddingMethod,
  QueryFunction,
  RevocationReasonCode,
} from "../../../src/kmip/enums.js";
import { build } from "../../../src/kmip/item.js";
import { CryptographicUsageMask } from "../../../src/kmip/masks.js";
import type { ProtocolVersion } from "../../../src/kmip/messages.js";
import { Tag } from "../../../src/kmip/tags.js";
import type { TtlvItem } from "../../../src/ttlv/types.js";
import { attr, v1Attribute } from "./session.js";

/** The DNSSEC algorithms domain-kmip signs with, and how it asks the server for each. */
export interface CascadeAlgorithm {
  readonly name: string;
  readonly cryptographicAlgorithm: number;
  /** Cryptographic Length sent in Create Key Pair (RSA bits; EC: the curve's bits). */
  readonly length: number;
  readonly hashing: number;
  /** Padding Method, RSA only. */
  readonly padding?: number;
  /** node:crypto hash name for the independent check. */
  readonly hash: string;
  /** EC only: DER content of the named curve OID and the coordinate size. */
  readonly curve?: { readonly oidHex: string; readonly crv: string; readonly bytes: number };
}

const A = CryptographicAlgorithm;
const H = HashingAlgorithm;

export const CASCADE_ALGORITHMS: readonly CascadeAlgorithm[] = [
  {
    name: "RSASHA256",
    cryptographicAlgorithm: A.RSA,
    length: 2048,
    hashing: H.SHA_256,
    padding: PaddingMethod.PKCS1V1_5,
    hash: "sha256",
  },
  {
    name: "RSASHA512",
    cryptographicAlgorithm: A.RSA,
    length: 2048,
    hashing: H.SHA_512,
    padding: PaddingMethod.PKCS1V1_5,
    hash: "sha512",
  },
  {
    name: "ECDSAP256SHA256",
    cryptographicAlgorithm: A.ECDSA,
    length: 256,
    hashing: H.SHA_256,
    hash: "sha256",
    curve: { oidHex: "2a8648ce3d030107", crv: "P-256", bytes: 32 },
  },
  {
    name: "ECDSAP384SHA384",
    cryptographicAlgorithm: A.ECDSA,
    length: 384,
    hashing: H.SHA_384,
    hash: "sha384",
    curve: { oidHex: "2b81040022", crv: "P-384", bytes: 48 },
  },
];

/** One item of a request as the client builds it. */
export interface CascadeItem {
  readonly operation: number;
  readonly version: ProtocolVersion;
  readonly payload: readonly TtlvItem[];
}

const V1_0: ProtocolVersion = { major: 1, minor: 0 };
const V1_2: ProtocolVersion = { major: 1, minor: 2 };

function versionItem(v: ProtocolVersion): TtlvItem {
  return build.structure(Tag.ProtocolVersion, [
    build.integer(Tag.ProtocolVersionMajor, v.major),
    build.integer(Tag.ProtocolVersionMinor, v.minor),
  ]);
}

/** A whole Request Message; `batchIds` (one per item) only for multi-item batches. */
export function cascadeRequest(opts: {
  readonly items: readonly CascadeItem[];
  readonly batchIds?: readonly Uint8Array[];
  readonly maxResponseSize: number;
  readonly username: string;
  readonly password: string;
}): TtlvItem {
  const newest = opts.items
    .map((i) => i.version)
    .reduce((a, b) => (b.major * 100 + b.minor > a.major * 100 + a.minor ? b : a));
  const header = build.structure(Tag.RequestHeader, [
    versionItem(newest),
    build.integer(Tag.MaximumResponseSize, opts.maxResponseSize),
    build.structure(Tag.Authentication, [
      build.structure(Tag.Credential, [
        build.enumeration(Tag.CredentialType, CredentialType.UsernameAndPassword),
        build.structure(Tag.CredentialValue, [
          build.textString(Tag.Username, opts.username),
          build.textString(Tag.Password, opts.password),
        ]),
      ]),
    ]),
    build.integer(Tag.BatchCount, opts.items.length),
  ]);
  const items = opts.items.map((item, i) => {
    const id = opts.batchIds?.[i];
    return build.structure(Tag.BatchItem, [
      build.enumeration(Tag.Operation, item.operation),
      ...(id === undefined ? [] : [build.byteString(Tag.UniqueBatchItemID, id)]),
      build.structure(Tag.RequestPayload, item.payload),
    ]);
  });
  return build.structure(Tag.RequestMessage, [header, ...items]);
}

const uid = (id: string) => build.textString(Tag.UniqueIdentifier, id);

/** The client's requests, one builder per call it makes. */
export const cascade = {
  /** `Client::query`. */
  query: (): CascadeItem => ({
    operation: Operation.Query,
    version: V1_2,
    payload: [
      QueryFunction.QueryOperations,
      QueryFunction.QueryObjects,
      QueryFunction.QueryServerInformation,
    ].map((f) => build.enumeration(Tag.QueryFunction, f)),
  }),
  /** `domain_kmip::generate`: algorithm and length common, name and usage mask per key. */
  createKeyPair: (alg: CascadeAlgorithm, publicName: string, privateName: string): CascadeItem => ({
    operation: Operation.CreateKeyPair,
    version: V1_0,
    payload: [
      build.structure(Tag.CommonTemplateAttribute, [
        v1Attribute(attr.algorithm(alg.cryptographicAlgorithm)),
        v1Attribute(attr.length(alg.length)),
      ]),
      build.structure(Tag.PrivateKeyTemplateAttribute, [
        v1Attribute(attr.name(privateName)),
        v1Attribute(attr.usage(CryptographicUsageMask.Sign)),
      ]),
      build.structure(Tag.PublicKeyTemplateAttribute, [
        v1Attribute(attr.name(publicName)),
        v1Attribute(attr.usage(CryptographicUsageMask.Verify)),
      ]),
    ],
  }),
  /** `Client::get_key`: no Key Format Type, the server's default. */
  get: (id: string): CascadeItem => ({
    operation: Operation.Get,
    version: V1_0,
    payload: [uid(id)],
  }),
  activate: (id: string): CascadeItem => ({
    operation: Operation.Activate,
    version: V1_0,
    payload: [uid(id)],
  }),
  /** `Client::rename_key`: Modify Attribute with a 1.x Name attribute. */
  rename: (id: string, name: string): CascadeItem => ({
    operation: Operation.ModifyAttribute,
    version: V1_0,
    payload: [uid(id), v1Attribute(attr.name(name))],
  }),
  /** `KeyPair::sign_pre`: Cryptographic Parameters{Padding Method?, Hashing, Algorithm}. */
  sign: (id: string, alg: CascadeAlgorithm, data: Uint8Array): CascadeItem => ({
    operation: Operation.Sign,
    version: V1_2,
    payload: [
      uid(id),
      build.structure(Tag.CryptographicParameters, [
        ...(alg.padding === undefined ? [] : [build.enumeration(Tag.PaddingMethod, alg.padding)]),
        build.enumeration(Tag.HashingAlgorithm, alg.hashing),
        build.enumeration(Tag.CryptographicAlgorithm, alg.cryptographicAlgorithm),
      ]),
      build.byteString(Tag.Data, data),
    ],
  }),
  /** `Client::revoke_key`: Revocation Reason Cessation Of Operation, no message. */
  revoke: (id: string): CascadeItem => ({
    operation: Operation.Revoke,
    version: V1_0,
    payload: [
      uid(id),
      build.structure(Tag.RevocationReason, [
        build.enumeration(Tag.RevocationReasonCode, RevocationReasonCode.CessationOfOperation),
      ]),
    ],
  }),
  destroy: (id: string): CascadeItem => ({
    operation: Operation.Destroy,
    version: V1_0,
    payload: [uid(id)],
  }),
};
