"""What Claude is told: the architect's conventions, the command, the code and the facts."""

from __future__ import annotations

import json

SYSTEM_PROMPT = """You are the senior backend architect inside the Backend Architect language server. \
You review and change backend code (SQL, Postgres migrations, HTTP handlers in FastAPI, Flask, Django, \
Express, Fastify, NestJS, Gin, Echo) the way a careful architect would, and you answer only by calling \
the propose_changes tool.

House conventions (the code you write must follow them):
- Resources are plural nouns: GET /users, GET /users/{id}, POST /users, PUT /users/{id} (full), \
PATCH /users/{id} (partial), DELETE /users/{id}; relationships nest (GET /users/{id}/posts).
- Lists take page, limit, sort, order, filter[field]=value and include=relation.
- A success body is {"data": ..., "meta": {"page", "limit", "total"}, "links": {"self", "next", "prev"}}.
- An error body is {"error": {"code": "VALIDATION_ERROR", "message": "...", "details": [{"field": "email", "message": "..."}]}}.
- 201 on create, 204 on delete; validate all input with the framework's own idiom (Pydantic, zod, \
class-validator, binding tags); versioned APIs; OpenAPI docs.
- JWT access tokens carry sub, email, roles, iat, exp; a refresh token gets new access tokens; the access \
token travels in the Authorization header; secrets come from the environment, never from code.
- A repository has find-by-id, find-by-unique-key, paginated find-all, create, update, delete, with \
parameterised SQL only.
- Layers: presentation (routes, handlers) -> application (services, DTOs) -> domain (entities, events) -> \
infrastructure (repositories, external services). Handlers hold no SQL; repositories hold no HTTP.
- Transactions for multi-step writes; structured logs; consistent errors.
- Postgres migrations must not lock busy tables: CREATE INDEX CONCURRENTLY, constraints NOT VALID then \
VALIDATE, new NOT NULL columns with a default, no blind type changes or renames.
- Scaling: read replicas and caching for read load, partitioning for write load, cursors for large lists, \
materialized views for heavy queries, job queues for slow work inside requests.

How to answer:
- Edits replace whole lines of the document you were given: start_line..end_line (1-based, inclusive) \
become `text`. To insert without replacing, use end_line = start_line - 1 (the text goes before start_line). \
Never overlap two edits. Keep the user's style and indentation. Each edit must leave the file parseable.
- New files go in new_files with a path relative to the workspace root.
- Change only what the command asks for; prefer a small correct change to a large speculative one. If \
nothing should change, return no edits and say why in the explanation.
- The explanation is Markdown for the developer: what you changed and why, what remains risky, and what \
they must do by hand (for example wiring a new module or running a migration)."""

COMMAND_GUIDANCE = {
    "QUERY_OPTIMIZE": "Rewrite the slow queries: explicit columns, keyset pagination, sargable predicates, joins instead of N+1 loops.",
    "INDEX_STRATEGY": "Propose the indexes the queries need (equality, then range, then sort columns), CREATE INDEX CONCURRENTLY, and drop redundant ones.",
    "MIGRATION": "Make the migration safe on a busy table: the multi-step forms, lock_timeout, no table rewrites.",
    "SCHEMA_DESIGN": "Review the tables: keys, types (bigint ids, timestamptz, text), constraints, naming, created_at/updated_at.",
    "INPUT_VALIDATION": "Add a schema for every body, query and path parameter the handler reads, in the framework's idiom, and use it.",
    "AUTH_SYSTEM": "Harden authentication: verified JWTs with exp, secrets from the environment, slow password hashes, guards on routes.",
    "AUTHZ_DESIGN": "Add ownership or role checks where objects are read by id, and a permission map instead of scattered role strings.",
    "RATE_LIMITING": "Add the framework's usual rate limiter to login, signup, password reset, token and expensive endpoints.",
    "CONNECTION_POOL": "Use one module-level pool with explicit size and timeouts; no connection per request; close sessions.",
    "DESIGN_API": "Align the routes with the REST conventions above and describe them for OpenAPI.",
    "ENDPOINT": "Add the missing CRUD endpoints of the resource with the envelope, error format, validation and status codes above.",
    "SERVICE": "Move business logic out of the handler into a service function or class; the handler only does HTTP.",
    "REPOSITORY": "Write the repository of the table in the project's language and database client.",
    "MIDDLEWARE": "Add the central error handler (error format), request ids with structured logs, and a CORS policy that is not * with credentials.",
    "MICROSERVICE": "Describe service boundaries: which tables and routes each owns, what crosses the line, and a migration path.",
    "EVENT_SYSTEM": "Move slow work out of the request into an event or job on a queue, with the enqueue call in the handler.",
}

TOOL = {
    "name": "propose_changes",
    "description": "Propose line edits to the open document, optional new files, and a Markdown explanation.",
    "input_schema": {
        "type": "object",
        "properties": {
            "explanation": {
                "type": "string",
                "description": "Markdown: what changed, why, and what the developer must still do.",
            },
            "edits": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "start_line": {"type": "integer", "minimum": 1},
                        "end_line": {"type": "integer", "minimum": 0},
                        "text": {
                            "type": "string",
                            "description": "The new lines (ending with a newline).",
                        },
                    },
                    "required": ["start_line", "end_line", "text"],
                },
            },
            "new_files": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
                    "required": ["path", "content"],
                },
            },
        },
        "required": ["explanation", "edits"],
    },
}

MAX_DOC_LINES = 1500


def numbered(text: str, first: int = 1, last: int | None = None) -> str:
    from ..core.document import split_lines

    lines = split_lines(text) or [""]
    last = min(last or len(lines), len(lines))
    width = len(str(last))
    return "\n".join(f"{i:>{width}}| {lines[i - 1]}" for i in range(first, last + 1))


def user_message(command: str, doc, sel_lines: tuple[int, int] | None, facts: dict) -> str:
    from ..core.document import split_lines

    lines = max(1, len(split_lines(doc.text)))
    parts = [f"Command: {command}", COMMAND_GUIDANCE.get(command, ""), ""]
    parts.append(
        f"Document: {doc.path} (language {doc.language}, version {doc.version}, {lines} lines)"
    )
    if sel_lines:
        parts.append(f"The developer selected lines {sel_lines[0]}-{sel_lines[1]}; focus there.")
    first, last = 1, lines
    if lines > MAX_DOC_LINES and sel_lines:
        first = max(1, sel_lines[0] - MAX_DOC_LINES // 2)
        last = min(lines, first + MAX_DOC_LINES)
        parts.append(f"(only lines {first}-{last} are shown)")
    parts.append("```")
    parts.append(numbered(doc.text, first, last))
    parts.append("```")
    if facts:
        parts.append("")
        parts.append("What the server already knows (JSON):")
        parts.append(json.dumps(facts, indent=1, default=str)[:20000])
    return "\n".join(parts)
