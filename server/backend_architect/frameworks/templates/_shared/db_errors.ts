// A database constraint violation (PostgreSQL SQLSTATE on the error node-postgres throws) in the
// error format: a duplicate is 409; a missing referenced row, a missing value or a failed CHECK is
// 422; removing a row others still reference is 409.
export function constraintError(err: unknown, method: string): { status: number; code: string; message: string; details: { field: string; message: string }[] } | null {
  const e = err as { code?: unknown; detail?: unknown; column?: unknown; message?: unknown };
  if (typeof e !== "object" || e === null || typeof e.code !== "string" || !e.code.startsWith("23")) {
    return null;
  }
  const detail = typeof e.detail === "string" ? e.detail : "";
  const key = /Key \(([^)]*)\)/.exec(detail);
  const field = typeof e.column === "string" ? e.column : key ? key[1] : "";
  if (e.code === "23505") {
    return { status: 409, code: "CONFLICT", message: "a row with the same unique value already exists", details: [{ field, message: "already exists" }] };
  }
  if (e.code === "23503") {
    if (method === "DELETE" || String(e.message).startsWith("update or delete on")) {
      return { status: 409, code: "CONFLICT", message: "other rows still refer to this one", details: [] };
    }
    return { status: 422, code: "VALIDATION_ERROR", message: "a referenced row does not exist", details: [{ field, message: "refers to a row that does not exist" }] };
  }
  if (e.code === "23502" || e.code === "23514") {
    return { status: 422, code: "VALIDATION_ERROR", message: "a value breaks a rule of the table", details: [{ field, message: "is missing or not allowed" }] };
  }
  return null;
}
