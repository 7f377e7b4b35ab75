import { Router, type NextFunction, type Request, type Response } from "express";
import { CreateUser, UserOut } from "../schemas";

export const usersRouter = Router();
const users = new Map<number, Record<string, unknown>>();

function validate(schema: typeof CreateUser) {
  return (req: Request, res: Response, next: NextFunction) => {
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) {
      res.status(422).json({ error: { code: "VALIDATION_ERROR", message: "invalid body" } });
      return;
    }
    req.body = parsed.data;
    next();
  };
}

usersRouter.get("/:id", (req: Request, res: Response) => {
  const row = users.get(Number(req.params.id));
  if (!row) {
    res.status(404).json({ error: { code: "NOT_FOUND", message: "no such user" } });
    return;
  }
  res.json(UserOut.parse(row));
});

usersRouter.post("/", validate(CreateUser), (req: Request, res: Response) => {
  for (const row of users.values()) {
    if (row.email === req.body.email) {
      res.status(409).json({ error: { code: "CONFLICT", message: "email taken" } });
      return;
    }
  }
  const row = { ...req.body, id: users.size + 1, status: "active", createdAt: new Date().toISOString() };
  users.set(row.id, row);
  res.status(201).json(UserOut.parse(row));
});

usersRouter.delete("/:id", (req: Request, res: Response) => {
  users.delete(Number(req.params.id));
  res.status(204).end();
});
