import { type FetchContentOptions, fetchContent } from "../content/fetch";
import { isTriggerxError, type TriggerxError } from "../errors/base";
import { scriptHash } from "../records/hashes";
import { compileScript } from "../sandbox/compile";
import { ApiError, type FieldError } from "./errors";
import type { JobRequest } from "./job-request";

/**
 * The scripts of new jobs, fetched, checked and compiled once at creation,
 * so a job whose script cannot run is refused to its owner instead of
 * failing on every keeper later.
 */

/** A job's script as the job row records it. */
export interface ResolvedScript {
  /** CID of the exact bytes (computed when the URL named none). */
  cid: string;
  /** SHA-256 of the bytes, `0x` + 64 hex digits. */
  hash: string;
}

// Content errors as the job's owner sees them.
const SCRIPT_CODES: Record<string, string> = {
  CONTENT_NOT_FOUND: "SCRIPT_NOT_FOUND",
  CONTENT_CID_MISMATCH: "SCRIPT_CID_MISMATCH",
  CONTENT_TOO_LARGE: "SCRIPT_TOO_LARGE",
  CONTENT_INVALID_URL: "SCRIPT_URL_INVALID",
  CONTENT_INVALID_CID: "SCRIPT_URL_INVALID",
};

/**
 * Fetches every job's script (each URL once), verifies it against its CID,
 * compiles it, and keeps its bytes in the content store so keepers can
 * fetch it by CID. Returns one script per job, in order.
 *
 * @throws ApiError 400 with the first failure's code (`SCRIPT_NOT_FOUND`,
 *   `SCRIPT_CID_MISMATCH`, `SCRIPT_TOO_LARGE`, `SCRIPT_COMPILE_FAILED`,
 *   `SCRIPT_LANGUAGE_UNSUPPORTED`, `SCRIPT_NOT_TEXT`) and one field entry
 *   per job whose script failed.
 */
export async function resolveJobScripts(
  jobs: readonly JobRequest[],
  fetchOptions: FetchContentOptions,
): Promise<ResolvedScript[]> {
  const byUrl = new Map<string, Promise<ResolvedScript>>();
  const failures: Array<{ code: string; field: FieldError }> = [];
  const scripts: ResolvedScript[] = [];

  for (const job of jobs) {
    const key = `${job.language} ${job.scriptUrl}`;
    const pending =
      byUrl.get(key) ??
      resolveScript(job.scriptUrl, job.language, fetchOptions);
    byUrl.set(key, pending);
    try {
      scripts.push(await pending);
    } catch (error) {
      if (!isTriggerxError(error)) throw error;
      failures.push(scriptFailure(job, error));
    }
  }

  const [first] = failures;
  if (first === undefined) return scripts;
  throw new ApiError(
    400,
    first.code,
    `${first.field.path}: ${first.field.message}`,
    {
      fields: failures.map((failure) => failure.field),
    },
  );
}

async function resolveScript(
  url: string,
  language: JobRequest["language"],
  fetchOptions: FetchContentOptions,
): Promise<ResolvedScript> {
  if (language === "go") {
    // TODO(api): compile Go scripts to WebAssembly at creation once the
    // sandbox has a Go toolchain; until then Go jobs are refused here.
    throw new ApiError(
      400,
      "SCRIPT_LANGUAGE_UNSUPPORTED",
      "Go scripts are not supported by this network yet; use typescript or javascript",
    );
  }

  const { bytes, cid } = await fetchContent(url, fetchOptions);
  const source = decodeText(bytes);
  const filename = language === "typescript" ? "script.ts" : "script.js";
  await compileScript(source, filename);
  await fetchOptions.store.put(bytes);

  return { cid, hash: scriptHash(bytes) };
}

function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new ApiError(400, "SCRIPT_NOT_TEXT", "the script is not UTF-8 text", {
      cause,
    });
  }
}

function scriptFailure(
  job: JobRequest,
  error: TriggerxError,
): { code: string; field: FieldError } {
  const code = SCRIPT_CODES[error.code] ?? error.code;
  const path =
    code === "SCRIPT_LANGUAGE_UNSUPPORTED"
      ? `jobs[${job.index}].language`
      : `jobs[${job.index}].dynamic_arguments_script_url`;
  // The compiler's first error is the one to fix first; the fetch errors
  // say why each source failed.
  const [detail] = error.details;
  const message = detail ? `${error.message}: ${detail}` : error.message;

  return { code, field: { path, message } };
}
