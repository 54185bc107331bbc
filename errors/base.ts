/**
 * The one error base class of the project. Every error that crosses a module
 * boundary is a `TriggerxError` (or a subclass) with:
 * - `code`: stable, machine-readable, `SCREAMING_SNAKE_CASE`
 *   (for example `LIMIT_FUEL`, `SERVICE_PORT_TAKEN`);
 * - `message`: one short sentence;
 * - `details`: context lines that help a person act on it;
 * - `retryable`: whether trying the same thing again may succeed;
 * - `cause`: the underlying error, when there is one.
 */
export class TriggerxError extends Error {
  override name = "TriggerxError";
  readonly code: string;
  readonly details: readonly string[];
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: {
      details?: readonly string[];
      retryable?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = options.details ?? [];
    this.retryable = options.retryable ?? false;
  }

  /** The message followed by its context lines, for terminals and logs. */
  describe(): string {
    return [this.message, ...this.details.map((line) => `  ${line}`)].join(
      "\n",
    );
  }

  toJSON(): { code: string; message: string; details: readonly string[] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Narrows an unknown thrown value to a `TriggerxError`. */
export function isTriggerxError(value: unknown): value is TriggerxError {
  return value instanceof TriggerxError;
}

/**
 * Removes credentials from a URL before it is shown in a message:
 * `https://user:pass@host/path?key=1` becomes `https://***@host/path?…`.
 */
export function scrubUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const auth = parsed.username || parsed.password ? "***@" : "";
    const query = parsed.search ? "?…" : "";
    return `${parsed.protocol}//${auth}${parsed.host}${parsed.pathname}${query}`;
  } catch {
    return "<invalid url>";
  }
}
