import express, { type RequestHandler } from "express";
import type { RawBodyRequest } from "./auth";

/**
 * Body parsers that keep the raw bytes in `req.rawBody`, since a request
 * signature covers the body exactly as sent. A JSON content type is parsed
 * into `req.body`; any other body stays a Buffer in `req.body`.
 */
export function bodyParsers(limit: number): RequestHandler[] {
  const verify = (req: unknown, _res: unknown, buffer: Buffer) => {
    (req as RawBodyRequest).rawBody = buffer;
  };

  return [
    express.json({ limit, verify, strict: false }),
    express.raw({ limit, verify, type: () => true }),
  ];
}

/** The raw bytes of the request's body; empty when it had none. */
export function rawBody(req: RawBodyRequest): Buffer {
  return req.rawBody ?? Buffer.alloc(0);
}
