// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
import type { Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";

const ERROR_CODES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  422: "VALIDATION_ERROR",
  429: "RATE_LIMITED",
};

export function errorBody(code: string, message: string, details: { field: string; message: string }[] = []) {
  return { error: { code, message, details } };
}

function log(level: string, message: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ level, message, time: new Date().toISOString(), ...fields }));
}

// origins: the CORS_ORIGINS environment variable (comma separated); none: same origin only
export function installMiddleware(app: Hono, origins: string[] = (process.env.CORS_ORIGINS ?? "").split(",")): void {
  app.use("*", requestId({ headerName: "X-Request-ID" }));
  app.use("*", async (c, next) => {
    const start = Date.now();
    await next();
    log("info", "request", {
      request_id: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Date.now() - start,
    });
  });
  const allowed = origins.map((o) => o.trim()).filter((o) => o !== "" && o !== "*");
  if (allowed.length > 0) {
    app.use("*", cors({ origin: allowed, credentials: true }));
  }
  app.notFound((c) => c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const status = err.status;
      return c.json(errorBody(ERROR_CODES[status] ?? (status >= 500 ? "INTERNAL" : "BAD_REQUEST"), err.message), status);
    }
    log("error", "unhandled error", { request_id: c.get("requestId"), error: String(err) });
    return c.json(errorBody("INTERNAL", "an unexpected error occurred"), 500);
  });
}
