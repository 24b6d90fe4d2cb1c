// Configuration errors: what went wrong (`kind`, `detail`) kept apart from where (`source`,
// `key`, the dotted path of the offending key such as `server.addr`).

/** The kinds of configuration problem. */
export type ConfigErrorKind = "io" | "syntax" | "unknown-key" | "missing" | "invalid";

/** A configuration file that cannot be used; the message is one line naming the key. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(
    readonly kind: ConfigErrorKind,
    /** The file (or other origin) the configuration came from. */
    readonly source: string,
    /** Dotted path of the offending key, when there is one. */
    readonly key: string | undefined,
    /** What is wrong, e.g. `expected "host:port"`. */
    readonly detail: string,
  ) {
    super(formatMessage(kind, source, key, detail));
  }
}

function formatMessage(
  kind: ConfigErrorKind,
  source: string,
  key: string | undefined,
  detail: string,
): string {
  switch (kind) {
    case "unknown-key":
      return `${source}: unknown key ${key}${detail === "" ? "" : ` (${detail})`}`;
    case "missing":
      return `${source}: ${key}: missing, ${detail}`;
    default:
      return key === undefined ? `${source}: ${detail}` : `${source}: ${key}: ${detail}`;
  }
}
