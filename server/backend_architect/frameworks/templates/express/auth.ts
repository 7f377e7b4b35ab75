// JWT access and refresh tokens (jsonwebtoken). Secrets come from the environment.
import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import jwt from "jsonwebtoken";

// include: _shared/jwt_tokens.ts

// requireAuth checks the Authorization header; with roles, the caller needs one of them.
export function requireAuth(...roles: string[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.header("Authorization") ?? "";
    if (!header.toLowerCase().startsWith("bearer ")) {
      return res.status(401).json({ error: { code: "UNAUTHORIZED", message: "missing bearer token", details: [] } });
    }
    try {
      const claims = verifyAccess(header.slice(7).trim());
      if (roles.length > 0 && !roles.some((r) => claims.roles.includes(r))) {
        return res.status(403).json({ error: { code: "FORBIDDEN", message: "missing role", details: [] } });
      }
      res.locals.user = claims;
      return next();
    } catch (err) {
      return res.status(401).json({ error: { code: "UNAUTHORIZED", message: String((err as Error).message), details: [] } });
    }
  };
}
