// JWT access and refresh tokens (jsonwebtoken). Secrets come from the environment.
import { randomUUID } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import jwt from "jsonwebtoken";

// include: _shared/jwt_tokens.ts

const USERS = new WeakMap<FastifyRequest, AccessClaims>();

// The verified claims of the request's access token (undefined without one).
export function currentUser(request: FastifyRequest): AccessClaims | undefined {
  return USERS.get(request);
}

// requireAuth is a preHandler hook checking the Authorization header; with roles, the caller needs one of them.
export function requireAuth(...roles: string[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? "";
    if (!header.toLowerCase().startsWith("bearer ")) {
      return reply.code(401).send({ error: { code: "UNAUTHORIZED", message: "missing bearer token", details: [] } });
    }
    let claims: AccessClaims;
    try {
      claims = verifyAccess(header.slice(7).trim());
    } catch (err) {
      return reply.code(401).send({ error: { code: "UNAUTHORIZED", message: String((err as Error).message), details: [] } });
    }
    if (roles.length > 0 && !roles.some((r) => claims.roles.includes(r))) {
      return reply.code(403).send({ error: { code: "FORBIDDEN", message: "missing role", details: [] } });
    }
    USERS.set(request, claims);
  };
}
