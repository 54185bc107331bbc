import { TriggerxError } from "../errors/base";

/** One invalid field of a request body, such as `jobs[0].time_interval`. */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * An error the API answers with: an HTTP status, a stable code and, for a
 * body that failed validation, one entry per invalid field. The answer's
 * body is always `{ error: { code, message, fields? } }`.
 */
export class ApiError extends TriggerxError {
  override name = "ApiError";
  readonly status: number;
  readonly fields: readonly FieldError[];

  constructor(
    status: number,
    code: string,
    message: string,
    options: {
      fields?: readonly FieldError[];
      details?: readonly string[];
      retryable?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(code, message, options);
    this.status = status;
    this.fields = options.fields ?? [];
  }

  /** The JSON body of the answer. */
  body(): { error: { code: string; message: string; fields?: FieldError[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.fields.length ? { fields: [...this.fields] } : {}),
      },
    };
  }
}

/** A 400 for a body with invalid fields; the message names the first. */
export function invalidFields(
  fields: readonly FieldError[],
  code = "VALIDATION_FAILED",
): ApiError {
  const [first] = fields;
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : "";
  const message = first
    ? `${first.path}: ${first.message}${more}`
    : "the request is invalid";
  return new ApiError(400, code, message, { fields });
}

/** A 404 for a job, execution or content that does not exist. */
export function notFound(code: string, message: string): ApiError {
  return new ApiError(404, code, message);
}

/** A 409 for a request the current state does not allow. */
export function conflict(code: string, message: string): ApiError {
  return new ApiError(409, code, message);
}
