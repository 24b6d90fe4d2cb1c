/**
 * The worker's object-creating methods (C_GenerateKeyPair, C_GenerateKey, C_CreateObject),
 * made safe to retry. The Runtime retries an operation after recovering from a lost library
 * or session (runtime.ts); for a creation, the failure may have come after the token stored
 * the object (SoftHSM2 re-reading its store, a response lost). Before a retry, the object is
 * looked for by its CKA_CLASS and CKA_ID: when it is there, the creation is done, and a
 * second object with the same CKA_ID (two keys behind one KMIP Unique Identifier) is never
 * made. A first attempt does not look: an earlier object with the same CKA_ID is the
 * caller's concern (the relay's CKA_IDs are random).
 */
import { CKA, CKO } from "../constants.js";
import type { Methods } from "../rpc/protocol.js";
import type { Attr, TokenSelector } from "../types.js";
import { toMechanism, toTemplate } from "./convert.js";
import type { OpContext, Runtime } from "./runtime.js";

/** The CKA_CLASS and CKA_ID of a template, when it has both: what finds its object again. */
function identityOf(template: readonly Attr[], cls?: number): Attr[] | undefined {
  const id = template.find((a) => a.type === CKA.ID);
  const klass =
    template.find((a) => a.type === CKA.CLASS) ??
    (cls === undefined ? undefined : { type: CKA.CLASS, value: cls });
  return id === undefined || klass === undefined ? undefined : [klass, id];
}

/** Runs `create` once; a retry first checks whether `identity` already names an object. */
function createOnce(
  rt: Runtime,
  token: TokenSelector,
  identity: readonly Attr[] | undefined,
  create: (ctx: OpContext) => void,
): null {
  let attempted = false;
  return rt.run(token, (ctx) => {
    if (attempted && identity !== undefined) {
      if (rt.find(ctx.session, toTemplate(identity), 1).length > 0) return null;
    }
    attempted = true;
    create(ctx);
    return null;
  });
}

/** C_GenerateKeyPair; the private key's CKA_ID tells a retry whether the pair exists. */
export function generateKeyPair(rt: Runtime, p: Methods["generateKeyPair"]["params"]): null {
  return createOnce(rt, p.token, identityOf(p.privateTemplate, CKO.PRIVATE_KEY), (ctx) => {
    rt.module.C_GenerateKeyPair(
      ctx.session,
      toMechanism(p.mechanism),
      toTemplate(p.publicTemplate),
      toTemplate(p.privateTemplate),
    );
  });
}

/** C_GenerateKey of a secret key. */
export function generateKey(rt: Runtime, p: Methods["generateKey"]["params"]): null {
  return createOnce(rt, p.token, identityOf(p.template, CKO.SECRET_KEY), (ctx) => {
    rt.module.C_GenerateKey(ctx.session, toMechanism(p.mechanism), toTemplate(p.template));
  });
}

/** C_CreateObject (Register). */
export function createObject(rt: Runtime, p: Methods["createObject"]["params"]): null {
  return createOnce(rt, p.token, identityOf(p.template), (ctx) => {
    rt.module.C_CreateObject(ctx.session, toTemplate(p.template));
  });
}
