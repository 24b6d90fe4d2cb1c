/**
 * The identity a client certificate carries (mutual TLS, `[server] client-ca-path`): its
 * subject Common Name, its subject alternative names (DNS, email, URI), and the SHA-256
 * fingerprint of its SubjectPublicKeyInfo (DER), which stays the same when the certificate
 * is renewed with the same key.
 */
import { createHash, type X509Certificate } from "node:crypto";

/** What `[[clients]]` entries match against. */
export interface ClientIdentity {
  /** Subject CN values (normally one). */
  readonly cns: readonly string[];
  /** DNS, email and URI subject alternative names, without their `DNS:` etc. prefixes. */
  readonly sans: readonly string[];
  /** SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex (64 digits). */
  readonly spkiSha256: string;
}

const SAN_KINDS = ["DNS", "email", "URI"] as const;

/** Reads the identity out of a (verified) client certificate. */
export function identityOfCertificate(cert: X509Certificate): ClientIdentity {
  const spki = cert.publicKey.export({ type: "spki", format: "der" });
  return {
    cns: subjectCommonNames(cert.subject),
    sans: parseSubjectAltNames(cert.subjectAltName ?? ""),
    spkiSha256: createHash("sha256").update(spki).digest("hex"),
  };
}

/** CN values of Node's subject text (one `KEY=value` per line, e.g. `C=NL\nCN=signer-1`). */
export function subjectCommonNames(subject: string): string[] {
  return subject
    .split("\n")
    .filter((line) => line.startsWith("CN="))
    .map((line) => line.slice(3));
}

/**
 * DNS, email and URI names of Node's subjectAltName text (`DNS:a, email:b@c, URI:d`); a value
 * with special characters comes as a JSON string (`DNS:"a,b"`). Other kinds (IP, ...) are
 * not identities here.
 */
export function parseSubjectAltNames(text: string): string[] {
  const names: string[] = [];
  const entry = /(DNS|email|URI|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy;
  for (let m = entry.exec(text); m !== null && m[0] !== ""; m = entry.exec(text)) {
    const kind = m[1] ?? "";
    const raw = m[2] ?? "";
    if (!(SAN_KINDS as readonly string[]).includes(kind)) continue;
    names.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
  }
  return names;
}

/** A short name for log lines: the first CN, else the first SAN, else the key fingerprint. */
export function identityLabel(identity: ClientIdentity): string {
  const cn = identity.cns[0];
  if (cn !== undefined) return `CN=${cn}`;
  const san = identity.sans[0];
  if (san !== undefined) return `SAN=${san}`;
  return `SPKI=${identity.spkiSha256.slice(0, 16)}`;
}
