/**
 * A fake Pkcs11Client for the dispatcher fuzzer: it answers like a token would (real RSA,
 * P-256 and Ed25519 public keys made by node:crypto, signatures of the right size, CK_ULONG
 * values in native byte order) or fails the way a token or worker can (Pkcs11Error with a
 * CKR_* value, object not found, worker crashed). Which one is drawn from the input's own
 * random source, so a fuzz case replays exactly.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import type { Pkcs11Client } from "../../src/pkcs11/client.js";
import { CKA, CKK, CKO, CKR } from "../../src/pkcs11/constants.js";
import {
  ObjectNotFoundError,
  Pkcs11Error,
  TokenNotFoundError,
  WorkerError,
} from "../../src/pkcs11/errors.js";
import type { AttrValues, Mechanism, TokenSummary } from "../../src/pkcs11/types.js";
import type { Rng } from "./rng.js";
import { FUZZ_PIN, FUZZ_USER } from "./seeds.js";

function ulong(value: number): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt(value));
  return out;
}

function derOctets(bytes: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from([0x04, bytes.length]), bytes]);
}

function jwkBytes(key: KeyObject, field: "n" | "e" | "x" | "y"): Buffer {
  const jwk = key.export({ format: "jwk" });
  return Buffer.from(jwk[field] ?? "", "base64url");
}

/** Attribute tables of three real public keys. */
function keyTables(): Map<number, Uint8Array>[] {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
  const ed = generateKeyPairSync("ed25519").publicKey;
  const point = Buffer.concat([Buffer.from([4]), jwkBytes(ec, "x"), jwkBytes(ec, "y")]);
  return [
    new Map([
      [CKA.KEY_TYPE, ulong(CKK.RSA)],
      [CKA.MODULUS, jwkBytes(rsa, "n")],
      [CKA.MODULUS_BITS, ulong(2048)],
      [CKA.PUBLIC_EXPONENT, jwkBytes(rsa, "e")],
    ]),
    new Map([
      [CKA.KEY_TYPE, ulong(CKK.EC)],
      [CKA.EC_PARAMS, Buffer.from("06082a8648ce3d030107", "hex")],
      [CKA.EC_POINT, derOctets(point)],
    ]),
    new Map([
      [CKA.KEY_TYPE, ulong(CKK.EC_EDWARDS)],
      [CKA.EC_PARAMS, Buffer.from("130c656477617264733235353139", "hex")],
      [CKA.EC_POINT, derOctets(jwkBytes(ed, "x"))],
    ]),
  ];
}

let tables: Map<number, Uint8Array>[] | undefined;

const FAILURES = [
  CKR.DEVICE_ERROR,
  CKR.KEY_TYPE_INCONSISTENT,
  CKR.PIN_INCORRECT,
  0x68 /* CKR_KEY_FUNCTION_NOT_PERMITTED */,
  0x70 /* CKR_MECHANISM_INVALID */,
  0x71 /* CKR_MECHANISM_PARAM_INVALID */,
  0x21 /* CKR_DATA_LEN_RANGE */,
  0x05 /* CKR_GENERAL_ERROR */,
];

/** A plausible-or-failing token, driven by `rng`. */
export class FuzzHsm implements Pkcs11Client {
  constructor(private readonly rng: Rng) {
    tables ??= keyTables();
  }

  /** Throws one of the errors a real client can throw, about one call in eight. */
  private maybeFail(fn: string): void {
    if (!this.rng.chance(0.125)) return;
    switch (this.rng.below(4)) {
      case 0:
        throw new Pkcs11Error(this.rng.pick(FAILURES), fn);
      case 1:
        throw new ObjectNotFoundError();
      case 2:
        throw new WorkerError("crashed", "PKCS#11 worker 1 crashed: SIGKILL (fuzz)", 1);
      default:
        throw new TokenNotFoundError();
    }
  }

  private async answer<T>(fn: string, value: () => T): Promise<T> {
    await Promise.resolve();
    this.maybeFail(fn);
    return value();
  }

  libraryInfo = () =>
    this.answer("C_GetInfo", () => ({
      cryptokiVersion: { major: 2, minor: 40 },
      manufacturerId: "Fuzz",
      libraryDescription: "fuzz token",
      libraryVersion: { major: 1, minor: 0 },
      flags: 0,
    }));
  listTokens = () => this.answer("C_GetSlotList", (): TokenSummary[] => [this.summary()]);
  tokenInfo = () =>
    this.answer("C_GetTokenInfo", () => ({
      slot: {
        slotId: "1",
        index: 0,
        description: "slot",
        manufacturerId: "Fuzz",
        flags: 1,
        hardwareVersion: { major: 1, minor: 0 },
        firmwareVersion: { major: 1, minor: 0 },
      },
      token: {
        ...this.summary(),
        minPinLen: 4,
        maxPinLen: 255,
        hardwareVersion: { major: 1, minor: 0 },
        firmwareVersion: { major: 1, minor: 0 },
      },
    }));
  login = (token: string, pin: string) =>
    this.answer("C_Login", () => {
      if (token !== FUZZ_USER) throw new TokenNotFoundError();
      if (pin !== FUZZ_PIN) throw new Pkcs11Error(CKR.PIN_INCORRECT, "C_Login");
    });
  generateKeyPair = () => this.answer("C_GenerateKeyPair", () => undefined);
  generateKey = () => this.answer("C_GenerateKey", () => undefined);
  createObject = () => this.answer("C_CreateObject", () => undefined);
  findObjects = (_t: string, _tpl: unknown, opts: { max: number; attributes: readonly number[] }) =>
    this.answer("C_FindObjects", () =>
      Array.from({ length: Math.min(opts.max, this.rng.below(4)) }, () =>
        this.attributes(opts.attributes),
      ),
    );
  getAttributes = (_t: string, _r: unknown, types: readonly number[]) =>
    this.answer("C_GetAttributeValue", () => this.attributes(types));
  setAttributes = () => this.answer("C_SetAttributeValue", () => undefined);
  destroyObject = () => this.answer("C_DestroyObject", () => undefined);
  readDataObject = () =>
    this.answer("C_FindObjects", () => (this.rng.chance(0.5) ? [] : [this.rng.bytes(48)]));
  writeDataObject = () => this.answer("C_CreateObject", () => undefined);
  deleteDataObject = () => this.answer("C_DestroyObject", () => 1);
  sign = () => this.answer("C_Sign", () => this.rng.bytes(this.rng.pick([64, 256, 0, 1])));
  verify = () => this.answer("C_Verify", () => this.rng.chance(0.5));
  encrypt = (_t: string, _r: unknown, _m: unknown, data: Uint8Array) =>
    this.answer("C_Encrypt", () => this.rng.bytes(data.length + 16));
  decrypt = (_t: string, _r: unknown, _m: unknown, data: Uint8Array) =>
    this.answer("C_Decrypt", () => this.rng.bytes(Math.max(0, data.length - 16)));
  generateRandom = (_t: string, length: number) =>
    this.answer("C_GenerateRandom", () => this.rng.bytes(Math.min(length, 4096)));
  seedRandom = (_t: string, data: Uint8Array) => this.answer("C_SeedRandom", () => data.length);
  digest = (_t: string, _m: Mechanism, _d: Uint8Array) =>
    this.answer("C_Digest", () => this.rng.bytes(32));
  digestKey = (_t: string, _r: unknown, _m: Mechanism) =>
    this.answer("C_DigestKey", () => this.rng.bytes(32));
  // Multi-part ciphers: the fuzzed token refuses them, as a library without them would.
  streamBegin = () =>
    this.answer("C_EncryptInit", (): never => {
      throw new Pkcs11Error(CKR.FUNCTION_NOT_SUPPORTED, "C_EncryptInit");
    });
  streamUpdate = async () => new Uint8Array(0);
  streamFinish = async () => new Uint8Array(0);
  streamAbort = async () => undefined;
  pinEpoch = () => 0;
  close = async () => undefined;

  private summary(): TokenSummary {
    return {
      slotId: "1",
      index: 0,
      label: FUZZ_USER,
      manufacturerId: "Fuzz",
      model: "fuzz",
      serialNumber: "0001",
      flags: 0x40d,
    };
  }

  /** One key's attributes, mostly as a token returns them, sometimes unavailable or odd. */
  private attributes(types: readonly number[]): AttrValues {
    const table = this.rng.pick(tables!);
    const values: AttrValues = new Map();
    for (const type of types) {
      const known =
        type === CKA.CLASS
          ? ulong(this.rng.pick([CKO.PUBLIC_KEY, CKO.PRIVATE_KEY]))
          : table.get(type);
      const roll = this.rng.below(16);
      if (roll === 0) values.set(type, null);
      else if (roll === 1) values.set(type, this.rng.bytes(this.rng.below(40)));
      else values.set(type, known ?? this.rng.bytes(1 + this.rng.below(16)));
    }
    return values;
  }
}
