import { type Request, type Response, Router } from "express";
import { parseCid } from "../content/cid";
import { isTriggerxError } from "../errors/base";
import { scriptHash } from "../records/hashes";
import { isRegisteredKeeper } from "../store/keepers";
import { type RawBodyRequest, type requireSigner, signerOf } from "./auth";
import { bodyParsers, rawBody } from "./body";
import type { ApiDeps } from "./config";
import { ApiError, invalidFields, notFound } from "./errors";
import { param } from "./job-params";

/**
 * The content-addressed store over HTTP: job owners upload scripts, keepers
 * upload execution records, and anyone reads content by CID at
 * `/ipfs/<cid>`, as from an IPFS gateway.
 */
export function contentRoutes(
  deps: ApiDeps,
  signed: ReturnType<typeof requireSigner>,
): Router {
  const router = Router();
  const { content, config } = deps;

  router.post(
    "/api/scripts",
    bodyParsers(config.maxBodyBytes),
    signed,
    async (req: Request, res: Response) => {
      const bytes = scriptBytes(req);
      const cid = await content.put(bytes);
      res.status(201).json({
        ...stored(deps, req, cid),
        sha256: scriptHash(bytes),
      });
    },
  );

  router.post(
    "/api/content",
    bodyParsers(config.maxContentBytes),
    signed,
    async (req: Request, res: Response) => {
      const signer = signerOf(res);
      if (!(await isRegisteredKeeper(deps.cassandra, signer))) {
        throw new ApiError(
          403,
          "AUTH_NOT_KEEPER",
          `${signer} is not a registered keeper; only keepers upload execution records`,
        );
      }

      const cid = await content.put(rawBody(req as RawBodyRequest));
      res.status(201).json(stored(deps, req, cid));
    },
  );

  router.get("/ipfs/:cid", async (req: Request, res: Response) => {
    const cid = parseCidParam(param(req, "cid"));
    const bytes = await content.get(cid);
    if (bytes === undefined) {
      throw notFound("CONTENT_NOT_FOUND", `this store does not hold ${cid}`);
    }
    sendImmutable(res, cid, bytes);
  });

  return router;
}

/** The base URL clients reach the API at. */
function publicUrl(deps: ApiDeps, req: Request): string {
  return deps.config.publicUrl ?? `${req.protocol}://${req.get("host")}`;
}

/** Where stored content can be read: by CID and through this API. */
function stored(deps: ApiDeps, req: Request, cid: string) {
  return {
    cid,
    url: `ipfs://${cid}`,
    gatewayUrl: `${publicUrl(deps, req)}/ipfs/${cid}`,
  };
}

/**
 * A script upload: `{ "source": "...", "filename": "job.ts" }` as JSON, or
 * the script's bytes as they are with any other content type.
 */
function scriptBytes(req: Request): Uint8Array {
  const raw = rawBody(req as RawBodyRequest);
  if (!req.is("application/json")) {
    if (raw.length > 0) return raw;
    throw invalidFields([{ path: "body", message: "the script is empty" }]);
  }

  const source = (req.body as { source?: unknown } | null)?.source;
  if (typeof source !== "string" || source === "") {
    throw invalidFields([
      { path: "source", message: "must be the script's text" },
    ]);
  }
  return Buffer.from(source, "utf8");
}

function parseCidParam(text: string): string {
  try {
    return parseCid(text).cid;
  } catch (error) {
    if (!isTriggerxError(error)) throw error;
    throw new ApiError(400, error.code, error.message, {
      details: error.details,
    });
  }
}

function sendImmutable(res: Response, cid: string, bytes: Uint8Array): void {
  // The bytes of a CID never change: caches may keep them for a year.
  res.set({
    "Cache-Control": "public, max-age=31536000, immutable",
    ETag: `"${cid}"`,
    "Content-Type": "application/octet-stream",
    "X-Content-Type-Options": "nosniff",
  });
  res.status(200).end(Buffer.from(bytes));
}
