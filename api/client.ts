import type { LocalAccount } from "viem";
import { TriggerxError } from "../errors/base";
import { signRequest } from "./auth";

/**
 * A small client of the API for the CLI, keepers and scripts: signs what
 * must be signed and turns error answers into `TriggerxError`s that carry
 * the API's code and one detail line per invalid field.
 *
 * @example
 * const api = new ApiClient("http://127.0.0.1:8080", privateKeyToAccount(key));
 * const { url } = await api.uploadScript(source);
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly account: LocalAccount | undefined;

  constructor(baseUrl: string, account?: LocalAccount) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.account = account;
  }

  /** `POST /api/scripts` with the script's bytes. */
  uploadScript(source: string | Uint8Array): Promise<ScriptUpload> {
    return this.send("POST", "/api/scripts", { raw: source, signed: true });
  }

  /** `POST /api/jobs`. */
  createJobs(jobs: readonly Record<string, unknown>[]): Promise<CreatedJobs> {
    return this.send("POST", "/api/jobs", { json: jobs, signed: true });
  }

  /** `GET /api/jobs/:id`: the job, its storage and its workflow link. */
  getJob(jobId: string): Promise<JobAnswer> {
    return this.send("GET", `/api/jobs/${encodeURIComponent(jobId)}`);
  }

  /** `GET /api/jobs/:id/runs`: newest first. */
  async listRuns(
    jobId: string,
    limit = 10,
  ): Promise<Array<Record<string, unknown>>> {
    const answer = await this.send<{ runs: Array<Record<string, unknown>> }>(
      "GET",
      `/api/jobs/${encodeURIComponent(jobId)}/runs?limit=${limit}`,
    );
    return answer.runs;
  }

  /** `POST /api/jobs/:id/pause | resume | cancel`. */
  changeJob(
    jobId: string,
    action: "pause" | "resume" | "cancel",
  ): Promise<{ job_id: string; status: string }> {
    return this.send(
      "POST",
      `/api/jobs/${encodeURIComponent(jobId)}/${action}`,
      { signed: true },
    );
  }

  /** `PUT /api/jobs/:id/storage` (the job must be paused). */
  editStorage(
    jobId: string,
    edit: { set?: Record<string, string>; delete?: string[] },
  ): Promise<{ storage: { version: number; values: Record<string, string> } }> {
    return this.send("PUT", `/api/jobs/${encodeURIComponent(jobId)}/storage`, {
      json: edit,
      signed: true,
    });
  }

  /**
   * Sends one request. `json` goes as JSON, `raw` as bytes; `signed` signs
   * it with the client's account.
   *
   * @throws TriggerxError with the API's error code, `API_UNREACHABLE`, or
   *   `API_NO_KEY` for a signed request without an account.
   */
  async send<T>(
    method: string,
    path: string,
    options: {
      json?: unknown;
      raw?: string | Uint8Array;
      signed?: boolean;
    } = {},
  ): Promise<T> {
    const body =
      options.json !== undefined ? JSON.stringify(options.json) : options.raw;
    const headers: Record<string, string> = {
      "content-type":
        options.json !== undefined
          ? "application/json"
          : "application/octet-stream",
      ...(options.signed ? await this.sign(method, path, body) : {}),
    };

    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
    } catch (cause) {
      throw new TriggerxError(
        "API_UNREACHABLE",
        `cannot reach the API at ${this.baseUrl}`,
        {
          details: [
            "start it with `triggerx dev` or `triggerx api`, or pass --api <url>",
          ],
          retryable: true,
          cause,
        },
      );
    }
    return readAnswer<T>(response);
  }

  private async sign(
    method: string,
    path: string,
    body: string | Uint8Array | undefined,
  ): Promise<Record<string, string>> {
    if (!this.account) {
      throw new TriggerxError(
        "API_NO_KEY",
        `${method} ${path} must be signed, and no key was given`,
        {
          details: [
            "pass --key <hex>, or start `triggerx dev`, which writes a development key",
          ],
        },
      );
    }
    return signRequest(this.account, { method, path, body });
  }
}

/** The answer of `POST /api/scripts`. */
export interface ScriptUpload {
  cid: string;
  url: string;
  gatewayUrl: string;
  sha256: string;
}

/** The answer of `POST /api/jobs`. */
export interface CreatedJobs {
  user_id: number;
  account_balance: string;
  token_balance: string;
  job_ids: string[];
  task_definition_ids: number[];
  time_frames: number[];
}

/** The answer of `GET /api/jobs/:id`. */
export interface JobAnswer {
  job: Record<string, unknown> & { job_id: string; status: string };
  storage: { version: number; values: Record<string, string> };
  workflow: { id: string; url: string };
}

async function readAnswer<T>(response: Response): Promise<T> {
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.ok) return parsed as T;

  const error = (parsed as { error?: ApiErrorBody } | undefined)?.error;
  // The message names the first invalid field; the details list them all
  // when there are more.
  const fields = error?.fields ?? [];
  throw new TriggerxError(
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? `the API answered HTTP ${response.status}`,
    {
      details:
        fields.length > 1
          ? fields.map((field) => `${field.path}: ${field.message}`)
          : [],
      retryable: response.status >= 500,
    },
  );
}

interface ApiErrorBody {
  code: string;
  message: string;
  fields?: Array<{ path: string; message: string }>;
}
