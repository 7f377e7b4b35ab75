// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";

const ERROR_CODES: Record<number, string> = { 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED" };

// CORS origins from CORS_ORIGINS (comma separated); never "*" since credentials are allowed.
const ALLOWED_ORIGINS = new Set((process.env.CORS_ORIGINS ?? "").split(",").map((o) => o.trim()).filter((o) => o && o !== "*"));

export function log(level: string, message: string, fields: Record<string, unknown> = {}) {
  process.stdout.write(JSON.stringify({ level, message, ...fields }) + "\n");
}

export function requestContext(req: Request, res: Response, next: NextFunction) {
  const requestId = req.header("X-Request-ID") ?? randomUUID();
  res.locals.requestId = requestId;
  res.setHeader("X-Request-ID", requestId);
  const origin = req.header("Origin");
  if (origin && ALLOWED_ORIGINS.has(origin)) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
    res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID");
    res.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
    res.setHeader("Vary", "Origin");
  }
  if (req.method === "OPTIONS") {
    res.status(204).end();
    return;
  }
  const started = process.hrtime.bigint();
  res.on("finish", () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log("info", "request", { request_id: requestId, method: req.method, path: req.path, status: res.statusCode, ms });
  });
  next();
}

export function notFound(req: Request, res: Response) {
  res.status(404).json({ error: { code: "NOT_FOUND", message: `no route for ${req.method} ${req.path}`, details: [] } });
}

// include: _shared/db_errors.ts

// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function errorHandler(err: unknown, req: Request, res: Response, next: NextFunction) {
  const violation = constraintError(err, req.method);
  if (violation !== null) {
    const { status, ...error } = violation;
    res.status(status).json({ error });
    return;
  }
  const raw = (err as { status?: unknown; statusCode?: unknown }) ?? {};
  const given = typeof raw.status === "number" ? raw.status : typeof raw.statusCode === "number" ? raw.statusCode : 500;
  const status = given >= 400 && given < 600 ? given : 500;
  if (status >= 500) {
    log("error", "unhandled error", { request_id: res.locals.requestId, error: String(err) });
  }
  const message = status >= 500 ? "an unexpected error occurred" : String((err as Error).message ?? err);
  res.status(status).json({ error: { code: ERROR_CODES[status] ?? "INTERNAL", message, details: [] } });
}
