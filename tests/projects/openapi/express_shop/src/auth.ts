import type { NextFunction, Request, Response } from "express";

export function requireAuth(req: Request, res: Response, next: NextFunction) {
  if (!req.headers.authorization) {
    res.status(401).json({ error: { code: "UNAUTHORIZED", message: "missing token" } });
    return;
  }
  next();
}
