// Cross-cutting HTTP concerns: error format, request ids, structured logs, CORS.
import { randomUUID } from "node:crypto";
import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";

const ERROR_CODES: Record<number, string> = { 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED" };

// CORS origins from CORS_ORIGINS (comma separated); never "*" since credentials are allowed.
const ALLOWED_ORIGINS = new Set((process.env.CORS_ORIGINS ?? "").split(",").map((o) => o.trim()).filter((o) => o && o !== "*"));

const REQUEST_IDS = new WeakMap<FastifyRequest, string>();

export function log(level: string, message: string, fields: Record<string, unknown> = {}) {
  process.stdout.write(JSON.stringify({ level, message, ...fields }) + "\n");
}

export function requestIdOf(request: FastifyRequest): string | undefined {
  return REQUEST_IDS.get(request);
}

// installMiddleware adds request ids, JSON logs, CORS and the error format to the root app.
export function installMiddleware(app: FastifyInstance) {
  app.addHook("onRequest", async (request, reply) => {
    const header = request.headers["x-request-id"];
    const requestId = typeof header === "string" && header !== "" ? header : randomUUID();
    REQUEST_IDS.set(request, requestId);
    reply.header("X-Request-ID", requestId);
    const origin = request.headers.origin;
    if (origin && ALLOWED_ORIGINS.has(origin)) {
      reply.header("Access-Control-Allow-Origin", origin);
      reply.header("Access-Control-Allow-Credentials", "true");
      reply.header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID");
      reply.header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
      reply.header("Vary", "Origin");
    }
    if (request.method === "OPTIONS") {
      return reply.code(204).send();
    }
  });
  app.addHook("onResponse", async (request, reply) => {
    log("info", "request", { request_id: REQUEST_IDS.get(request), method: request.method, path: request.routeOptions.url ?? request.url, status: reply.statusCode, ms: reply.elapsedTime });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: "NOT_FOUND", message: `no route for ${request.method} ${request.url}`, details: [] } });
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.validation) {
      const details = err.validation.map((v) => ({
        field: String(v.params?.missingProperty ?? v.params?.additionalProperty ?? v.instancePath.replace(/^\//, "")),
        message: v.message ?? "is not valid",
      }));
      return reply.code(422).send({ error: { code: "VALIDATION_ERROR", message: "the request is not valid", details } });
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      log("error", "unhandled error", { request_id: REQUEST_IDS.get(request), error: String(err) });
    }
    const message = status >= 500 ? "an unexpected error occurred" : err.message;
    return reply.code(status).send({ error: { code: ERROR_CODES[status] ?? (status >= 500 ? "INTERNAL" : "BAD_REQUEST"), message, details: [] } });
  });
}
