/**
 * Runs test/interop/pykmip_driver.py (PyKMIP 0.10 under Debian's /usr/bin/python3) with one
 * JSON instruction and parses its one JSON result line. The instruction goes in on stdin
 * because it carries the PIN.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The interpreter PyKMIP is installed for (the first `python3` on PATH may lack it). */
export const PYKMIP_PYTHON = "/usr/bin/python3";
export const DRIVER_PATH = fileURLToPath(new URL("./pykmip_driver.py", import.meta.url));

export type KmipVersionName = "1.0" | "1.1" | "1.2" | "1.3" | "1.4" | "2.0";
export type ScenarioName = "info" | "keys" | "errors" | "names";

/** Sign parameters by PyKMIP enumeration member name, e.g. hashing_algorithm: "SHA_256". */
export interface SignParams {
  readonly padding_method?: "PKCS1v15" | "PSS";
  readonly hashing_algorithm?: "SHA_256" | "SHA_384" | "SHA_512";
  readonly cryptographic_algorithm?: "RSA" | "EC" | "ECDSA" | "ED25519";
  readonly digital_signature_algorithm?: string;
}

export interface SignSpec {
  readonly id: string;
  readonly params: SignParams | null;
  /** Bytes of data to sign (default: a short text). */
  readonly size?: number;
}

export interface KeySpec {
  readonly label: string;
  /** PyKMIP CryptographicAlgorithm member name. */
  readonly algorithm: "RSA" | "EC" | "ECDSA" | "ED25519";
  readonly length: number;
  /** Key Format Types to Get the public key in, besides the server's default. */
  readonly getFormats: readonly string[];
  readonly signs: readonly SignSpec[];
}

export interface DriverInstruction {
  readonly host: string;
  readonly port: number;
  readonly ca: string;
  readonly username: string;
  readonly password: string;
  readonly version: KmipVersionName;
  /** TLS as PyKMIP sets it up: "negotiate" (PROTOCOL_SSLv23, the default) or "1.2" (PROTOCOL_TLSv1_2). */
  readonly tls?: "negotiate" | "1.2";
  readonly scenarios: readonly ScenarioName[];
  readonly keys?: readonly KeySpec[];
  /** Also verify signatures in Python (`cryptography`). */
  readonly verify?: boolean;
}

/** A KMIP failure as PyKMIP reported it (reason null: the call succeeded). */
export interface Failure {
  readonly reason: string | null;
  readonly message?: string;
  readonly result?: string;
}

export interface DriverError {
  readonly step: string;
  readonly type?: string;
  readonly reason?: string | null;
  readonly message: string;
  readonly trace?: string;
}

export interface PublicKeyResult {
  readonly format: string;
  readonly algorithm: string;
  readonly length: number;
  /** Hex of the Key Material bytes. */
  readonly der: string;
}

export interface FormatResult extends Partial<PublicKeyResult> {
  readonly requested: string;
  readonly reason?: string;
}

export interface SignatureResult {
  readonly id: string;
  readonly data: string;
  readonly signature: string;
  readonly verified?: string | false;
}

export interface KeyRecord {
  readonly label: string;
  readonly publicUid?: string;
  readonly privateUid?: string;
  readonly publicKey?: PublicKeyResult;
  readonly formats?: readonly FormatResult[];
  readonly activated?: boolean;
  readonly renamed?: { readonly uid: string; readonly name: string | null };
  readonly signatures?: readonly SignatureResult[];
  readonly revoked?: boolean;
  readonly destroyed?: boolean;
  readonly getAfterDestroy?: Failure;
  readonly error?: DriverError;
}

export interface CallResult {
  readonly status: string;
  readonly reason?: string;
  readonly message?: string | null;
}

export interface InfoResult {
  /** The TLS version of the session, as Python's ssl reports it ("TLSv1.3"). */
  readonly tls?: string;
  readonly discoverAll?: CallResult & { readonly versions: readonly string[] };
  readonly discoverOffered?: CallResult & { readonly versions: readonly string[] };
  readonly query?: CallResult & {
    readonly operations: readonly string[];
    readonly objectTypes: readonly string[];
    readonly vendor: string | null;
    readonly serverInformation: string | null;
  };
}

export interface ErrorsResult {
  readonly wrongPinGet?: Failure;
  readonly wrongPinCreate?: Failure;
  readonly rightPinAfterwards?: { readonly publicUid: string; readonly privateUid: string };
  readonly getUnknown?: Failure;
  readonly getPrivate?: Failure;
  /** Requests the relay refuses: Re-key, RSA-1024, Sign with a public key or SHA-1, EC as PKCS_1. */
  readonly refusals?: {
    readonly rekey: Failure;
    readonly createRsa1024: Failure;
    readonly signWithPublicKey: Failure;
    readonly signEcdsaSha1: Failure;
    readonly getEcAsPkcs1: FormatResult;
  };
  /** Key operations on a UID that names nothing. */
  readonly unknownUid?: Readonly<
    Record<"activate" | "modifyAttribute" | "sign" | "revoke" | "destroy", Failure>
  >;
  readonly destroyed?: boolean;
}

/** A P-256 pair named `interop-<version>-kept-pub` / `-priv`, the private key renamed `-renamed`. */
export interface NamesResult {
  readonly publicUid?: string;
  readonly privateUid?: string;
  readonly renamed?: { readonly uid: string; readonly name: string | null };
}

export interface DriverResult {
  readonly version?: string;
  readonly info?: InfoResult;
  readonly keys?: readonly KeyRecord[];
  readonly errors?: ErrorsResult;
  readonly names?: NamesResult;
  /** Scenarios that failed unexpectedly (the others still ran). */
  readonly failed?: readonly DriverError[];
}

export interface DriverRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly result: DriverResult;
}

/** Runs the driver; rejects on a timeout or when stdout holds no JSON result. */
export function runPykmipDriver(
  instruction: DriverInstruction,
  timeoutMs = 45_000,
): Promise<DriverRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYKMIP_PYTHON, [DRIVER_PATH], {
      stdio: ["pipe", "pipe", "pipe"],
      // No __pycache__ next to the scripts in the working tree.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`PyKMIP driver timed out after ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve({ exitCode, signal, stderr, result: JSON.parse(line) as DriverResult });
      } catch {
        reject(
          new Error(`PyKMIP driver printed no JSON (exit ${exitCode}):\n${stdout}\n${stderr}`),
        );
      }
    });
    child.stdin.end(JSON.stringify(instruction));
  });
}
