// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
import { randomUUID } from "node:crypto";
import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter, type INestApplication } from "@nestjs/common";
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

// include: _shared/db_errors.ts

// ErrorFormatFilter answers every exception in the {error: {code, message, details}} format.
@Catch()
export class ErrorFormatFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse<Response>();
    const violation = constraintError(exception, host.switchToHttp().getRequest<Request>().method);
    if (violation !== null) {
      const { status, ...error } = violation;
      res.status(status).json({ error });
      return;
    }
    if (!(exception instanceof HttpException)) {
      log("error", "unhandled error", { request_id: res.locals.requestId, error: String(exception) });
      res.status(500).json({ error: { code: "INTERNAL", message: "an unexpected error occurred", details: [] } });
      return;
    }
    const status = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === "object" && body !== null && "error" in body && typeof (body as { error: unknown }).error === "object") {
      res.status(status).json(body); // already in the error format
      return;
    }
    // the default ValidationPipe sends a list of messages such as "email must be a string"
    const raw = typeof body === "object" && body !== null ? (body as { message?: unknown }).message : body;
    const details = Array.isArray(raw) ? raw.map((m) => ({ field: String(m).split(" ")[0], message: String(m) })) : [];
    const code = details.length > 0 ? "VALIDATION_ERROR" : ERROR_CODES[status] ?? (status >= 500 ? "INTERNAL" : "BAD_REQUEST");
    if (status >= 500) {
      log("error", "unhandled error", { request_id: res.locals.requestId, error: String(exception) });
    }
    const message = status >= 500 ? "an unexpected error occurred" : details.length > 0 ? "the request is not valid" : String(raw ?? exception.message);
    res.status(status).json({ error: { code, message, details } });
  }
}

// installMiddleware adds request ids, JSON logs, CORS and the error format to the app (Express platform).
export function installMiddleware(app: INestApplication) {
  app.use(requestContext);
  app.useGlobalFilters(new ErrorFormatFilter());
}
