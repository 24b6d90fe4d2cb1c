/**
 * Authorization by client identity (`[[clients]]`): each entry binds a certificate identity
 * to the tokens and KMIP operations it may use. Without entries everyone the TLS layer lets in
 * may do anything (the relay's behaviour before the table existed); with entries, a client
 * matching none is refused every item, and a matching client is refused (Permission Denied,
 * naming the operation or token) what its entry does not grant.
 */
import type { ClientMatch, ClientRule } from "../config/schema.js";
import type { KmipError } from "../kmip/errors.js";
import { kmipErrors } from "../kmip/errors.js";
import { type ClientIdentity, identityLabel } from "./client-identity.js";

/** The grant of one client: undefined lists mean "any". */
export interface ClientGrant {
  readonly tokens?: ReadonlySet<string>;
  readonly operations?: ReadonlySet<string>;
}

/** The `[[clients]]` table, ready for lookups. */
export class ClientPolicy {
  constructor(private readonly rules: readonly ClientRule[]) {}

  /**
   * The grant of the first entry matching `identity`; a KmipError (Permission Denied) when
   * none matches or the client showed no certificate.
   */
  grantFor(identity: ClientIdentity | undefined): ClientGrant | KmipError {
    if (identity === undefined) {
      return kmipErrors.permissionDenied("no client certificate: this client is not authorized");
    }
    const rule = this.rules.find((r) => matches(r.match, identity));
    if (rule === undefined) {
      return kmipErrors.permissionDenied(
        `client ${identityLabel(identity)} matches no [[clients]] entry: not authorized`,
      );
    }
    return {
      ...(rule.tokens === undefined ? {} : { tokens: new Set(rule.tokens) }),
      ...(rule.operations === undefined ? {} : { operations: new Set(rule.operations) }),
    };
  }
}

/** Permission Denied when the grant does not include `operation` (its KMIP name). */
export function checkOperation(grant: ClientGrant, operation: string): KmipError | undefined {
  if (grant.operations === undefined || grant.operations.has(operation)) return undefined;
  return kmipErrors.permissionDenied(`operation ${operation} is not granted to this client`);
}

/** Permission Denied when the grant does not include the token `selector` (KMIP Username). */
export function checkToken(grant: ClientGrant, selector: string): KmipError | undefined {
  if (grant.tokens === undefined || grant.tokens.has(selector)) return undefined;
  return kmipErrors.permissionDenied(`token "${selector}" is not granted to this client`);
}

function matches(match: ClientMatch, identity: ClientIdentity): boolean {
  switch (match.type) {
    case "cn":
      return identity.cns.includes(match.value);
    case "san":
      return identity.sans.includes(match.value);
    case "spki-sha256":
      return identity.spkiSha256 === match.value;
  }
}
