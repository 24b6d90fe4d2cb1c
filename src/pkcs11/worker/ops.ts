/**
 * The worker's RPC methods: each runs PKCS#11 calls through the Runtime (recovery, sessions,
 * handle cache) and returns plain data.
 */
import pkcs11js from "pkcs11js";
import { CKA, CKO, CKR } from "../constants.js";
import type { Methods } from "../rpc/protocol.js";
import type {
  AttrValues,
  DataObjectName,
  LibraryInfo,
  SlotInfo,
  TokenInfo,
  TokenSummary,
} from "../types.js";
import {
  copyBytes,
  slotIdString,
  toBuffer,
  toMechanism,
  toTemplate,
  trimPadded,
  version,
} from "./convert.js";
import { createObject, generateKey, generateKeyPair } from "./create-ops.js";
import { ckrOf, type OpContext, type Runtime } from "./runtime.js";
import { streamAbort, streamBegin, streamFinish, streamUpdate } from "./streams.js";

type Handlers = {
  [M in keyof Methods]: (rt: Runtime, params: Methods[M]["params"]) => Methods[M]["result"];
};

function libraryInfo(rt: Runtime): LibraryInfo {
  const info = rt.module.C_GetInfo();
  return {
    cryptokiVersion: version(info.cryptokiVersion),
    manufacturerId: trimPadded(info.manufacturerID),
    libraryDescription: trimPadded(info.libraryDescription),
    libraryVersion: version(info.libraryVersion),
    flags: info.flags,
  };
}

function listTokens(rt: Runtime): TokenSummary[] {
  return rt.module.C_GetSlotList(true).map((handle, index) => {
    const t = rt.module.C_GetTokenInfo(handle);
    return {
      slotId: slotIdString(handle),
      index,
      label: trimPadded(t.label),
      manufacturerId: trimPadded(t.manufacturerID),
      model: trimPadded(t.model),
      serialNumber: trimPadded(t.serialNumber),
      flags: t.flags,
    };
  });
}

function tokenInfo(rt: Runtime, handle: Buffer): { slot: SlotInfo; token: TokenInfo } {
  const index = rt.module.C_GetSlotList(true).findIndex((h) => h.equals(handle));
  const s = rt.module.C_GetSlotInfo(handle);
  const t = rt.module.C_GetTokenInfo(handle);
  return {
    slot: {
      slotId: slotIdString(handle),
      index,
      description: trimPadded(s.slotDescription),
      manufacturerId: trimPadded(s.manufacturerID),
      flags: s.flags,
      hardwareVersion: version(s.hardwareVersion),
      firmwareVersion: version(s.firmwareVersion),
    },
    token: {
      label: trimPadded(t.label),
      manufacturerId: trimPadded(t.manufacturerID),
      model: trimPadded(t.model),
      serialNumber: trimPadded(t.serialNumber),
      flags: t.flags,
      minPinLen: t.minPinLen,
      maxPinLen: t.maxPinLen,
      hardwareVersion: version(t.hardwareVersion),
      firmwareVersion: version(t.firmwareVersion),
    },
  };
}

/**
 * Checks a PIN for real: C_Logout then C_Login with it (C_Login on a logged-in token would
 * answer CKR_USER_ALREADY_LOGGED_IN without checking). On failure the worker logs back in
 * with the PIN it knew, so a wrong PIN does not log the relay out.
 */
function verifyPin(rt: Runtime, token: string, pin: string): { loginRequired: boolean } {
  return rt.run(token, (ctx) => {
    if (!ctx.slot.loginRequired) return { loginRequired: false };
    try {
      rt.module.C_Logout(ctx.session);
    } catch (error) {
      if (ckrOf(error) !== CKR.USER_NOT_LOGGED_IN) throw error;
    }
    try {
      rt.loginWith(ctx.session, pin);
    } catch (error) {
      const known = rt.knownPin(ctx.slot);
      if (known !== undefined) restoreQuietly(rt, ctx, known);
      throw error;
    }
    rt.rememberPin(token, pin);
    return { loginRequired: true };
  });
}

function restoreQuietly(rt: Runtime, ctx: OpContext, pin: string): void {
  try {
    rt.loginWith(ctx.session, pin);
  } catch {
    // the known PIN stopped working too: the next operation reports the login state
  }
}

/** Reads attributes one call at a time when a joint read fails on one of them. */
function readAttributes(
  rt: Runtime,
  session: Buffer,
  handle: Buffer,
  types: readonly number[],
): AttrValues {
  const values: AttrValues = new Map();
  if (types.length === 0) return values;
  try {
    const read = rt.module.C_GetAttributeValue(
      session,
      handle,
      types.map((type) => ({ type })),
    );
    for (const attr of read) values.set(attr.type, attrBytes(attr.value));
    return values;
  } catch (error) {
    const ckr = ckrOf(error);
    if (ckr !== CKR.ATTRIBUTE_SENSITIVE && ckr !== CKR.ATTRIBUTE_TYPE_INVALID) throw error;
  }
  for (const type of types) {
    try {
      const [attr] = rt.module.C_GetAttributeValue(session, handle, [{ type }]);
      values.set(type, attrBytes(attr?.value));
    } catch (error) {
      const ckr = ckrOf(error);
      if (ckr !== CKR.ATTRIBUTE_SENSITIVE && ckr !== CKR.ATTRIBUTE_TYPE_INVALID) throw error;
      values.set(type, null);
    }
  }
  return values;
}

function attrBytes(value: unknown): Uint8Array | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Uint8Array) return copyBytes(value);
  return new Uint8Array(Buffer.from(String(value), "utf8"));
}

/**
 * Empty data goes through Init + Final: pkcs11js hands C_Sign / C_Encrypt / C_Decrypt a NULL
 * data pointer for it, which SoftHSM2 refuses (CKR_ARGUMENTS_BAD), while the multi-part
 * Final over no data gives the MAC of the empty message or GCM's tag alone.
 */
const EMPTY = 0;

function verifySignature(rt: Runtime, ctx: OpContext, p: Methods["verify"]["params"]): boolean {
  rt.module.C_VerifyInit(ctx.session, toMechanism(p.mechanism), rt.handleOf(ctx, p.ref));
  try {
    // Empty data: Init + Final, as for Sign (see EMPTY).
    return p.data.length === EMPTY
      ? rt.module.C_VerifyFinal(ctx.session, toBuffer(p.signature))
      : rt.module.C_Verify(ctx.session, toBuffer(p.data), toBuffer(p.signature));
  } catch (error) {
    const ckr = ckrOf(error);
    if (ckr === CKR.SIGNATURE_INVALID || ckr === CKR.SIGNATURE_LEN_RANGE) return false;
    throw error;
  }
}

/** The search template of a relay data object (CKO_DATA on the token, by application + label). */
function dataObjectTemplate(name: DataObjectName): pkcs11js.Template {
  return toTemplate([
    { type: CKA.CLASS, value: CKO.DATA },
    { type: CKA.TOKEN, value: true },
    { type: CKA.APPLICATION, value: name.application },
    { type: CKA.LABEL, value: name.label },
  ]);
}

/** At most this many copies of one data object are deleted at once. */
const MAX_DATA_COPIES = 16;

/** The handles of a data object's copies (callers refresh a possibly stale view first). */
function findDataObjects(rt: Runtime, ctx: OpContext, name: DataObjectName): Buffer[] {
  return rt.find(ctx.session, dataObjectTemplate(name), MAX_DATA_COPIES);
}

/**
 * Reads every copy. "None" must be true (a key without a record counts as Active), so a
 * possibly stale view (SoftHSM2: another worker may have created the object) is refreshed
 * first, as for findObjects.
 */
function readDataObject(rt: Runtime, p: Methods["readDataObject"]["params"]): Uint8Array[] {
  if (rt.viewMayBeStale()) rt.reinitialize();
  return rt.run(p.token, (ctx) =>
    findDataObjects(rt, ctx, p.name).flatMap((handle) => {
      const value = readAttributes(rt, ctx.session, handle, [CKA.VALUE]).get(CKA.VALUE);
      return value === undefined || value === null ? [] : [value];
    }),
  );
}

/**
 * Creates the new copy, then destroys the old ones: SoftHSM2 refuses C_SetAttributeValue of
 * a data object's CKA_VALUE (CKR_ATTRIBUTE_READ_ONLY), and this order never leaves the key
 * without a record. The view is refreshed first so that no old copy is missed.
 */
function writeDataObject(rt: Runtime, p: Methods["writeDataObject"]["params"]): null {
  if (p.fresh !== true && rt.viewMayBeStale()) rt.reinitialize();
  return rt.run(p.token, (ctx) => {
    const old = p.fresh === true ? [] : findDataObjects(rt, ctx, p.name);
    rt.module.C_CreateObject(ctx.session, [
      ...dataObjectTemplate(p.name),
      { type: CKA.PRIVATE, value: true },
      { type: CKA.VALUE, value: toBuffer(p.value) },
    ]);
    for (const handle of old) rt.module.C_DestroyObject(ctx.session, handle);
    return null;
  });
}

function deleteDataObject(rt: Runtime, p: Methods["deleteDataObject"]["params"]): number {
  if (rt.viewMayBeStale()) rt.reinitialize();
  return rt.run(p.token, (ctx) => {
    const handles = findDataObjects(rt, ctx, p.name);
    for (const handle of handles) rt.module.C_DestroyObject(ctx.session, handle);
    return handles.length;
  });
}

/** Output buffer size for single-part sign/encrypt/decrypt (RSA-16384 plus GCM tag room). */
const OUTPUT_BYTES = 4096;

/** Output buffer size for C_Digest: the longest digest (SHA-512, 64 bytes). */
const DIGEST_BYTES = 64;

/** Reused by C_Sign (which returns a view into it: the result is copied). */
const signOutput = Buffer.alloc(OUTPUT_BYTES);

/** The RPC methods, by name. */
export const handlers: Omit<Handlers, "init" | "finalize" | "ping" | "signMany"> = {
  libraryInfo: (rt) => libraryInfo(rt),
  listTokens: (rt) => {
    // Tokens initialised since this worker's C_Initialize only show after a new one.
    if (rt.viewMayBeStale()) rt.reinitialize();
    return listTokens(rt);
  },
  tokenInfo: (rt, p) => rt.run(p.token, (ctx) => tokenInfo(rt, ctx.slot.handle)),
  verifyPin: (rt, p) => verifyPin(rt, p.token, p.pin),
  restoreLogin: (rt, p) => {
    rt.rememberPin(p.token, p.pin);
    return rt.run(p.token, (ctx) => {
      if (ctx.slot.loginRequired) rt.loginWith(ctx.session, p.pin);
      return null;
    });
  },
  generateKeyPair,
  generateKey,
  createObject,
  findObjects: (rt, p) => {
    // A search must see every object, not merely some: with SoftHSM2 a worker may miss
    // objects another process created (see docs/architecture.md), and a partial result
    // cannot be told from a complete one, so a possibly stale view is refreshed first.
    if (rt.viewMayBeStale()) rt.reinitialize();
    return rt.run(p.token, (ctx) => {
      const found = rt.find(ctx.session, toTemplate(p.template), Math.max(1, p.max));
      rt.staleIfEmpty(found.length);
      return found.slice(0, p.max).map((h) => readAttributes(rt, ctx.session, h, p.attributes));
    });
  },
  getAttributes: (rt, p) =>
    rt.run(p.token, (ctx) => readAttributes(rt, ctx.session, rt.handleOf(ctx, p.ref), p.types)),
  setAttributes: (rt, p) =>
    rt.run(p.token, (ctx) => {
      rt.module.C_SetAttributeValue(ctx.session, rt.handleOf(ctx, p.ref), toTemplate(p.attrs));
      return null;
    }),
  destroyObject: (rt, p) =>
    rt.run(p.token, (ctx) => {
      rt.module.C_DestroyObject(ctx.session, rt.handleOf(ctx, p.ref));
      rt.forgetHandles(ctx.slot);
      return null;
    }),
  readDataObject: (rt, p) => readDataObject(rt, p),
  writeDataObject: (rt, p) => writeDataObject(rt, p),
  deleteDataObject: (rt, p) => deleteDataObject(rt, p),
  sign: (rt, p) =>
    rt.run(p.token, (ctx) => {
      rt.module.C_SignInit(ctx.session, toMechanism(p.mechanism), rt.handleOf(ctx, p.ref));
      if (p.data.length === EMPTY) return copyBytes(rt.module.C_SignFinal(ctx.session, signOutput));
      return copyBytes(rt.module.C_Sign(ctx.session, toBuffer(p.data), signOutput));
    }),
  verify: (rt, p) => rt.run(p.token, (ctx) => verifySignature(rt, ctx, p)),
  encrypt: (rt, p) =>
    rt.run(p.token, (ctx) => {
      rt.module.C_EncryptInit(ctx.session, toMechanism(p.mechanism), rt.handleOf(ctx, p.ref));
      const out = Buffer.alloc(p.data.length + OUTPUT_BYTES);
      if (p.data.length === EMPTY) return copyBytes(rt.module.C_EncryptFinal(ctx.session, out));
      return copyBytes(rt.module.C_Encrypt(ctx.session, toBuffer(p.data), out));
    }),
  decrypt: (rt, p) =>
    rt.run(p.token, (ctx) => {
      rt.module.C_DecryptInit(ctx.session, toMechanism(p.mechanism), rt.handleOf(ctx, p.ref));
      const out = Buffer.alloc(p.data.length + OUTPUT_BYTES);
      if (p.data.length === EMPTY) return copyBytes(rt.module.C_DecryptFinal(ctx.session, out));
      return copyBytes(rt.module.C_Decrypt(ctx.session, toBuffer(p.data), out));
    }),
  generateRandom: (rt, p) =>
    rt.run(p.token, (ctx) =>
      copyBytes(rt.module.C_GenerateRandom(ctx.session, Buffer.alloc(p.length))),
    ),
  seedRandom: (rt, p) =>
    rt.run(p.token, (ctx) => {
      rt.module.C_SeedRandom(ctx.session, toBuffer(p.data));
      return p.data.length;
    }),
  digest: (rt, p) =>
    rt.run(p.token, (ctx) => {
      rt.module.C_DigestInit(ctx.session, toMechanism(p.mechanism));
      const out = Buffer.alloc(DIGEST_BYTES);
      if (p.data.length === EMPTY) return copyBytes(rt.module.C_DigestFinal(ctx.session, out));
      return copyBytes(rt.module.C_Digest(ctx.session, toBuffer(p.data), out));
    }),
  digestKey: (rt, p) =>
    rt.run(p.token, (ctx) => {
      // The handle first: a lookup that throws after C_DigestInit would leave the digest
      // active on the session, and the session's next C_*Init would fail (CKR_OPERATION_ACTIVE).
      const key = rt.handleOf(ctx, p.ref);
      rt.module.C_DigestInit(ctx.session, toMechanism(p.mechanism));
      rt.module.C_DigestKey(ctx.session, key);
      return copyBytes(rt.module.C_DigestFinal(ctx.session, Buffer.alloc(DIGEST_BYTES)));
    }),
  streamBegin,
  streamUpdate,
  streamFinish,
  streamAbort,
};

/** The PKCS#11 function a method's argument errors are reported against. */
export const MAIN_FUNCTION: Record<keyof Methods, string> = {
  init: "C_Initialize",
  finalize: "C_Finalize",
  ping: "none",
  libraryInfo: "C_GetInfo",
  listTokens: "C_GetSlotList",
  tokenInfo: "C_GetTokenInfo",
  verifyPin: "C_Login",
  restoreLogin: "C_Login",
  generateKeyPair: "C_GenerateKeyPair",
  generateKey: "C_GenerateKey",
  createObject: "C_CreateObject",
  findObjects: "C_FindObjects",
  getAttributes: "C_GetAttributeValue",
  setAttributes: "C_SetAttributeValue",
  destroyObject: "C_DestroyObject",
  readDataObject: "C_FindObjects",
  writeDataObject: "C_CreateObject",
  deleteDataObject: "C_DestroyObject",
  sign: "C_Sign",
  signMany: "C_Sign",
  verify: "C_Verify",
  encrypt: "C_Encrypt",
  decrypt: "C_Decrypt",
  generateRandom: "C_GenerateRandom",
  seedRandom: "C_SeedRandom",
  digest: "C_Digest",
  digestKey: "C_DigestKey",
  streamBegin: "C_EncryptInit",
  streamUpdate: "C_EncryptUpdate",
  streamFinish: "C_EncryptFinal",
  streamAbort: "C_CloseSession",
};

/** pkcs11js's error class, for the main loop's error mapping. */
export const NativePkcs11Error = pkcs11js.Pkcs11Error;
