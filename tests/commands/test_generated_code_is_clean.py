"""Code the generators write passes `check` with zero findings.

ENDPOINT (every framework), REPOSITORY (every language and client style), SERVICE,
MIDDLEWARE and AUTH_SYSTEM output is written into one temporary project beside the
schema it was generated from, and the real command line checks the whole project.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from backend_architect import frameworks
from backend_architect.commands import endpoint, repository
from backend_architect.frameworks.base import read_template
from backend_architect.commands.service import express_handler_at, extract_express, extract_python, handler_at
from backend_architect.commands.tables import tables_in_sql
from backend_architect.core.document import Document, apply_edits

from conftest import server_env

SCHEMA = """\
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL CHECK (char_length(name) <= 120),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  number text NOT NULL,
  total_cents integer NOT NULL CHECK (total_cents >= 0),
  status text NOT NULL DEFAULT 'new',
  note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, number)
);
"""

ENDPOINTS = [  # framework, language, file
    ("fastapi", "python", "py_fastapi/orders.py"),
    ("flask", "python", "py_flask/orders.py"),
    ("django", "python", "py_django/orders/views.py"),
    ("express", "typescript", "ts_express/orders.ts"),
    ("express", "javascript", "js_express/orders.js"),
    ("fastify", "typescript", "ts_fastify/orders.ts"),
    ("fastify", "javascript", "js_fastify/orders.js"),
    ("nestjs", "typescript", "ts_nest/orders.controller.ts"),
    ("gin", "go", "go_gin/orders.go"),
    ("echo", "go", "go_echo/orders.go"),
]

REPOSITORIES = [
    ("py_repo_dbapi/orders_repository.py", lambda t: repository.python_repository(t, "dbapi")),
    ("py_repo_sqlalchemy/orders_repository.py", lambda t: repository.python_repository(t, "sqlalchemy")),
    ("py_repo_sqlite/orders_repository.py", lambda t: repository.python_repository(t, "sqlite3")),
    ("ts_repo/ordersRepository.ts", repository.typescript_repository),
    ("go_repo_sql/orders_repository.go", lambda t: repository.go_repository(t, "database/sql")),
    ("go_repo_pgx/orders_repository.go", lambda t: repository.go_repository(t, "pgx")),
]

def _tpl(framework: str, name: str) -> str:
    fw = frameworks.by_name(framework)
    return fw.template(name, **{**fw.template_samples, "package": "handlers"})


SCAFFOLDS = [  # MIDDLEWARE and AUTH_SYSTEM output
    ("py_fastapi/middleware.py", _tpl("fastapi", "middleware.py")),
    ("py_flask/middleware.py", _tpl("flask", "middleware.py")),
    ("py_django/middleware.py", _tpl("django", "middleware.py")),
    ("ts_express/middleware.ts", _tpl("express", "middleware.ts")),
    ("ts_nest/middleware.ts", _tpl("nestjs", "middleware.ts")),
    ("ts_fastify/middleware.ts", _tpl("fastify", "middleware.ts")),
    ("go_gin/middleware.go", _tpl("gin", "middleware.go")),
    ("go_echo/middleware.go", _tpl("echo", "middleware.go")),
    ("py_fastapi/auth.py", read_template("_shared", "jwt_tokens.py") + _tpl("fastapi", "auth_dependencies.py")),
    ("py_flask/auth.py", read_template("_shared", "jwt_tokens.py") + _tpl("flask", "auth_dependencies.py")),
    ("ts_express/auth.ts", _tpl("express", "auth.ts")),
    ("ts_nest/auth.ts", _tpl("nestjs", "auth.ts")),
    ("go_gin/auth.go", _tpl("gin", "auth.go")),
]

# Handlers with inline logic for SERVICE to move out.
FLASK_HANDLER = '''\
from flask import Blueprint, jsonify, request

from .db import db

bp = Blueprint("invoices", __name__, url_prefix="/invoices")


@bp.post("")
def create_invoice():
    payload = InvoiceIn.model_validate(request.get_json())
    total = sum(line.amount for line in payload.lines)
    invoice = db.invoices.insert(customer_id=payload.customer_id, total=total)
    return jsonify(invoice), 201
'''
EXPRESS_HANDLER = '''\
import { Router } from "express";
import { z } from "zod";
import { invoices } from "./db";

const InvoiceIn = z.object({ customerId: z.number().int(), lines: z.array(z.object({ amount: z.number() })).max(100) });

export const router = Router();

router.post("/invoices", async (req, res) => {
  const payload = InvoiceIn.parse(req.body);
  const total = payload.lines.reduce((sum, line) => sum + line.amount, 0);
  const invoice = await invoices.insert({ customerId: payload.customerId, total });
  res.status(201).json(invoice);
});
'''


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _service_outputs(root: Path) -> None:
    """SERVICE on a Flask and an Express handler: the rewritten handler and the new services file."""
    path = _write(root, "py_service/app/invoices.py", FLASK_HANDLER)
    _write(root, "py_service/app/__init__.py", "")
    doc = Document(FLASK_HANDLER, path=str(path))
    fn = handler_at(doc, doc.text.index("total = sum"))
    edits, change, _, _ = extract_python(doc, fn, str(root / "py_service/app/services/invoices_service.py"))
    path.write_text(apply_edits(doc.text, edits), encoding="utf-8")
    _write(root, "py_service/app/services/invoices_service.py", change.text)

    path = _write(root, "ts_service/src/invoices.ts", EXPRESS_HANDLER)
    doc = Document(EXPRESS_HANDLER, path=str(path))
    found = express_handler_at(doc, doc.data.index(b"const total"))
    edits, change, _, _ = extract_express(doc, found, str(root / "ts_service/src/services/invoicesService.ts"))
    path.write_text(apply_edits(doc.text, [e if not isinstance(e, tuple) else _edit(*e) for e in edits]), encoding="utf-8")
    _write(root, "ts_service/src/services/invoicesService.ts", change.text)


def _edit(start, end, text):
    from backend_architect.core.findings import Edit

    return Edit(start, end, text)


def generated_project(root: Path) -> list[Path]:
    _write(root, "db/schema.sql", SCHEMA)
    tables = {t.name: t for t in tables_in_sql(SCHEMA)}
    orders = tables["orders"]
    written = []
    for framework, language, rel in ENDPOINTS:
        written.append(_write(root, rel, endpoint.new_file(framework, language, orders)))
    for rel, make in REPOSITORIES:
        written.append(_write(root, rel, make(orders)))
    for rel, text in SCAFFOLDS:
        written.append(_write(root, rel, text))
    _service_outputs(root)
    return written


def test_generated_code_passes_check_with_zero_findings(tmp_path):
    written = generated_project(tmp_path)
    assert len(written) == len(ENDPOINTS) + len(REPOSITORIES) + len(SCAFFOLDS)
    r = subprocess.run(
        [sys.executable, "-m", "backend_architect", "check", "--output-format", "json", "--jobs", "1", str(tmp_path)],
        capture_output=True, text=True, env=server_env(), timeout=600,
    )
    assert r.returncode in (0, 1), r.stderr
    findings = json.loads(r.stdout)
    report = "\n".join(
        f"{Path(f['filename']).relative_to(tmp_path)}:{f['location']['row']}: {f['code']} {f['message']}" for f in findings
    )
    assert findings == [], "generated code has findings:\n" + textwrap.indent(report, "  ")
    assert r.returncode == 0
