// `server.addr`: "host:port", "[v6]:port" (IPv6 needs brackets, as in a URL), like Rust's
// SocketAddr; we also accept host names ("localhost:5696"), which Node resolves on listen.
import { isIPv4, isIPv6 } from "node:net";

/** A parsed listen address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Parses `addr`, or returns a description of what is wrong. */
export function parseHostPort(addr: string): HostPort | string {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(addr);
  if (bracketed !== null) {
    const [, host = "", port = ""] = bracketed;
    if (!isIPv6(host)) return `"${host}" is not an IPv6 address`;
    return withPort(host, port);
  }
  const colon = addr.lastIndexOf(":");
  if (colon <= 0) return `expected "host:port" or "[ipv6]:port", got ${JSON.stringify(addr)}`;
  const host = addr.slice(0, colon);
  const port = addr.slice(colon + 1);
  if (host.includes(":")) return `an IPv6 address needs brackets: "[${host}]:${port}"`;
  if (!isIPv4(host) && (!HOSTNAME.test(host) || /^[\d.]+$/.test(host))) {
    return `"${host}" is neither an IP address nor a host name`;
  }
  return withPort(host, port);
}

function withPort(host: string, port: string): HostPort | string {
  const n = /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
  if (!(n >= 0 && n <= 65535)) return `port ${JSON.stringify(port)} is not 0 to 65535`;
  return { host, port: n };
}

/** "127.0.0.1:5696" or "[::1]:5696". */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
