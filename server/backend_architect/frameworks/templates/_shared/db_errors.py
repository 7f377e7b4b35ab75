def constraint_error(exc: BaseException, method: str = "") -> tuple[int, str, str, list] | None:
    """(status, code, message, details) for a database constraint violation, or None.

    Reads PostgreSQL's SQLSTATE (psycopg, psycopg2, also wrapped by SQLAlchemy) and
    SQLite's messages, so no driver needs importing: a duplicate is 409; a row that
    references a missing one, a missing value or a failed CHECK is 422; removing a row
    others still reference is 409.
    """
    import re

    for err in (exc, getattr(exc, "orig", None), exc.__cause__):
        if err is None:
            continue
        state = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None) or ""
        text = str(err)
        diag = getattr(err, "diag", None)
        column = getattr(diag, "column_name", None) if diag is not None else None
        detail = (getattr(diag, "message_detail", None) if diag is not None else None) or text
        key = re.search(r"Key \(([^)]*)\)", detail) or re.search(r"constraint failed: \w+\.(\w+)", text)
        field = column or (key.group(1) if key else "")
        if state == "23505" or "UNIQUE constraint failed" in text:
            return 409, "CONFLICT", "a row with the same unique value already exists", [{"field": field, "message": "already exists"}]
        if state == "23503" or "FOREIGN KEY constraint failed" in text:
            if method == "DELETE" or "update or delete on" in text:
                return 409, "CONFLICT", "other rows still refer to this one", []
            return 422, "VALIDATION_ERROR", "a referenced row does not exist", [{"field": field, "message": "refers to a row that does not exist"}]
        if state in ("23502", "23514") or "NOT NULL constraint failed" in text or "CHECK constraint failed" in text:
            return 422, "VALIDATION_ERROR", "a value breaks a rule of the table", [{"field": field, "message": "is missing or not allowed"}]
    return None
