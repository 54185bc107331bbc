import { randomUUID } from "node:crypto";
import express, {
  type Express,
  type NextFunction,
  type Request,
  type Response,
} from "express";
import { isTriggerxError } from "../errors/base";
import { createLogger, type Logger } from "../logging/logger";
import { ReplayGuard, requireSigner } from "./auth";
import type { ApiDeps } from "./config";
import { contentRoutes } from "./content-routes";
import { ApiError } from "./errors";
import { jobRoutes } from "./job-routes";

/**
 * The network's HTTP API (see docs/api.md): job owners create and steer
 * jobs, keepers upload records, anyone reads jobs, runs and content.
 * Errors are always `{ error: { code, message, fields? } }`.
 *
 * @example
 * const app = createApp({ cassandra, temporal, content, config });
 * app.listen(8080, "127.0.0.1");
 */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  const logger = deps.logger ?? createLogger("api");
  const signed = requireSigner({ replays: new ReplayGuard() });

  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.use(requestLogger(logger));
  app.get("/api/health", health(deps));
  app.use(contentRoutes(deps, signed));
  app.use(jobRoutes(deps, signed));
  app.use((req: Request) => {
    throw new ApiError(
      404,
      "NOT_FOUND",
      `no route for ${req.method} ${req.path}`,
    );
  });
  app.use(errorHandler(logger));

  return app;
}

function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const reqId = randomUUID();
    const log = logger.child({ reqId });
    const started = process.hrtime.bigint();
    res.locals.log = log;
    res.locals.reqId = reqId;
    res.set("x-request-id", reqId);
    res.on("finish", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info(
        { method: req.method, path: req.path, status: res.statusCode, ms },
        "request",
      );
    });
    next();
  };
}

function health(deps: ApiDeps) {
  return async (_req: Request, res: Response) => {
    const [cassandra, temporal] = await Promise.all([
      check(() =>
        deps.cassandra.execute("SELECT release_version FROM system.local"),
      ),
      check(() => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const ok = cassandra && temporal;
    res.status(ok ? 200 : 503).json({
      status: ok ? "ok" : "degraded",
      cassandra: cassandra ? "ok" : "unreachable",
      temporal: temporal ? "ok" : "unreachable",
    });
  };
}

async function check(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
}

/** Turns every error into the API's JSON error shape. */
function errorHandler(logger: Logger) {
  return (
    error: unknown,
    _req: Request,
    res: Response,
    _next: NextFunction,
  ) => {
    const api = toApiError(error, res.locals.reqId as string | undefined);
    const log = (res.locals.log as Logger | undefined) ?? logger;
    if (api.status >= 500) log.error({ err: error }, "request failed");
    else log.debug({ code: api.code }, "request refused");

    if (res.headersSent) return;
    res.status(api.status).json(api.body());
  };
}

function toApiError(error: unknown, reqId: string | undefined): ApiError {
  if (error instanceof ApiError) return error;
  const parserError = bodyParserError(error);
  if (parserError) return parserError;
  if (isTriggerxError(error)) {
    // A known failure below the API (a store, Temporal): not the caller's.
    return new ApiError(error.retryable ? 503 : 500, error.code, error.message);
  }
  return new ApiError(
    500,
    "INTERNAL",
    `the server failed to handle the request (its log has it under request id ${reqId ?? "unknown"})`,
  );
}

/** Errors of express's body parsers carry a status and a type. */
function bodyParserError(error: unknown): ApiError | undefined {
  const { type, status } = (error ?? {}) as { type?: string; status?: number };
  if (type === "entity.too.large") {
    return new ApiError(413, "BODY_TOO_LARGE", "the request body is too large");
  }
  if (type === "entity.parse.failed") {
    return new ApiError(
      400,
      "BODY_INVALID_JSON",
      "the request body is not valid JSON",
    );
  }
  if (typeof type === "string" && status !== undefined && status < 500) {
    return new ApiError(
      status,
      "BODY_INVALID",
      "the request body cannot be read",
    );
  }
  return undefined;
}
