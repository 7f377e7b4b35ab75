// HTTP endpoints for {{entities}}.
import { zValidator } from "@hono/zod-validator";
import { type Context, Hono } from "hono";
import { z } from "zod";

export interface {{Entity}}Store {
  findById(id: number): Promise<Record<string, unknown> | null>;
  findAll(opts: { page: number; limit: number; sort: string; order: "asc" | "desc" }): Promise<{ rows: unknown[]; total: number }>;
  create(input: {{Entity}}Input): Promise<Record<string, unknown>>;
  update(id: number, changes: Partial<{{Entity}}Input>): Promise<Record<string, unknown> | null>;
  delete(id: number): Promise<boolean>;
}

// strict: a field that is not one of these (an id, a server-filled column, a typo) is a 422
export const {{entity}}Schema = z.object({
{{zod_fields}}
}).strict();
export type {{Entity}}Input = z.infer<typeof {{entity}}Schema>;

const {{entities}}Sortable = [{{sortable}}] as const;

const listQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  sort: z.enum({{entities}}Sortable).default("{{id_column}}"),
  order: z.enum(["asc", "desc"]).default("asc"),
});

const idParam = z.object({ id: z.coerce.number().int().positive() });

function errorBody(code: string, message: string, details: { field: string; message: string }[] = []) {
  return { error: { code, message, details } };
}

// Validation failures answer 422 in the error format, with one detail per field.
function invalid(result: { success: boolean; error?: z.ZodError }, c: Context) {
  if (result.success || !result.error) return undefined;
  const details = result.error.issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? i.keys.map((k) => ({ field: [...i.path, k].join("."), message: "is not a field that can be set" }))
      : [{ field: i.path.join("."), message: i.message }],
  );
  return c.json(errorBody("VALIDATION_ERROR", "the request is not valid", details), 422);
}

export function {{entities}}Routes(store: {{Entity}}Store): Hono {
  const app = new Hono();

  app.get("{{base}}", zValidator("query", listQuery, invalid), async (c) => {
    const { page, limit, sort, order } = c.req.valid("query");
    const { rows, total } = await store.findAll({ page, limit, sort, order });
    const at = (p: number) => `${c.req.path}?page=${p}&limit=${limit}&sort=${sort}&order=${order}`;
    return c.json({
      data: rows,
      meta: { page, limit, total },
      links: { self: at(page), next: page * limit < total ? at(page + 1) : null, prev: page > 1 ? at(page - 1) : null },
    });
  });

  app.get("{{base}}/:id", zValidator("param", idParam, invalid), async (c) => {
    const { id } = c.req.valid("param");
    const row = await store.findById(id);
    if (row === null) return c.json(errorBody("NOT_FOUND", `{{entity}} ${id} not found`), 404);
    return c.json({ data: row });
  });

  app.post("{{base}}", zValidator("json", {{entity}}Schema, invalid), async (c) => {
    const row = await store.create(c.req.valid("json"));
    return c.json({ data: row }, 201);
  });

  // PUT replaces the whole resource: every field is sent (a nullable one may be null)
  app.put("{{base}}/:id", zValidator("param", idParam, invalid), zValidator("json", {{entity}}Schema.required(), invalid), async (c) => {
    const { id } = c.req.valid("param");
    const row = await store.update(id, c.req.valid("json"));
    if (row === null) return c.json(errorBody("NOT_FOUND", `{{entity}} ${id} not found`), 404);
    return c.json({ data: row });
  });

  app.patch("{{base}}/:id", zValidator("param", idParam, invalid), zValidator("json", {{entity}}Schema.partial(), invalid), async (c) => {
    const { id } = c.req.valid("param");
    const row = await store.update(id, c.req.valid("json"));
    if (row === null) return c.json(errorBody("NOT_FOUND", `{{entity}} ${id} not found`), 404);
    return c.json({ data: row });
  });

  app.delete("{{base}}/:id", zValidator("param", idParam, invalid), async (c) => {
    const { id } = c.req.valid("param");
    if (!(await store.delete(id))) return c.json(errorBody("NOT_FOUND", `{{entity}} ${id} not found`), 404);
    return c.body(null, 204);
  });

  return app;
}
