"""The data shapes DESIGN_API reads from source (app.declared_models) and the mount prefixes it
puts routes under (app.mount_prefixes): one small project per idiom."""

from __future__ import annotations

import contextlib
import io
import json
import textwrap
from pathlib import Path

from openapi_spec_validator import validate

from backend_architect.app.declared_models import go_models, python_models, typescript_models
from backend_architect.cli import main as cli_main

REF = "#/components/schemas/"


def test_pydantic_models_with_inheritance_optionals_and_field_defaults():
    models = python_models(
        textwrap.dedent(
            """
            from typing import Literal, Optional
            from pydantic import BaseModel, Field

            class Base(BaseModel):
                name: str = Field(..., max_length=10)
                tags: list[str] = []

            class ItemIn(Base):
                price: float = Field(gt=0)
                kind: Literal["a", "b"] = "a"
                parent: Optional["ItemIn"] = None
                secret: str = Field(default="x", alias="secretValue")

            class NotAModel:
                x: int
            """
        )
    )
    assert set(models) == {"Base", "ItemIn"}
    item = models["ItemIn"]
    assert item["required"] == ["name", "price"]
    assert item["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert item["properties"]["kind"] == {"type": "string", "enum": ["a", "b"]}
    assert item["properties"]["parent"] == {"anyOf": [{"$ref": REF + "ItemIn"}, {"type": "null"}]}
    assert "secretValue" in item["properties"]


def test_zod_schemas_interfaces_and_dto_classes():
    models = typescript_models(
        textwrap.dedent(
            """
            import { z } from "zod";
            import { IsOptional, IsString } from "class-validator";

            export const Line = z.object({ sku: z.string(), qty: z.number().int().min(1) }).strict();
            export const NewOrder = z.object({
              lines: z.array(Line).nonempty(),
              note: z.string().max(200).optional(),
              paidAt: z.string().datetime().nullable(),
              channel: z.enum(["web", "shop"]).default("web"),
            });

            export interface OrderView {
              id: number;
              lines: Array<{ sku: string }>;
              note?: string | null;
            }

            export class CreateUserDto {
              @IsString()
              readonly email!: string;

              @IsOptional()
              @IsString()
              nickname?: string;

              constructor(private readonly svc: unknown) {}
            }
            """
        )
    )
    order = models["NewOrder"]
    assert order["required"] == ["lines", "paidAt"]
    assert order["properties"]["lines"] == {"type": "array", "items": {"$ref": REF + "Line"}}
    assert order["properties"]["paidAt"] == {"type": ["string", "null"], "format": "date-time"}
    assert models["Line"]["properties"]["qty"] == {"type": "integer"}
    # .strict(): unknown keys are refused; a plain z.object strips them (any key may be sent)
    assert models["Line"]["additionalProperties"] is False
    assert "additionalProperties" not in order
    view = models["OrderView"]
    assert view["required"] == ["id", "lines"]
    assert view["properties"]["note"] == {"type": ["string", "null"]}
    dto = models["CreateUserDto"]
    assert dto["properties"] == {"email": {"type": "string"}, "nickname": {"type": "string"}}
    assert dto["required"] == ["email"]


def test_go_structs_by_json_tag():
    models = go_models(
        textwrap.dedent(
            """
            package api

            type Audit struct {
                CreatedAt time.Time `json:"created_at"`
            }

            type Item struct {
                Audit
                ID    int64             `json:"id"`
                Name  string            `json:"name"`
                Price *float64          `json:"price,omitempty"`
                Meta  map[string]string `json:"meta"`
                Hash  string            `json:"-"`
            }

            type NewItem struct {
                Name  string  `json:"name" binding:"required"`
                Price float64 `json:"price" binding:"gte=0"`
            }
            """
        )
    )
    item = models["Item"]
    assert list(item["properties"]) == ["created_at", "id", "name", "price", "meta"]
    assert item["required"] == ["created_at", "id", "name", "meta"]  # a response: all but omitempty
    assert item["properties"]["price"] == {"type": ["number", "null"]}
    assert models["NewItem"]["required"] == ["name"]  # a request: what its binding requires


def test_flask_blueprint_registered_under_a_prefix_in_another_module(tmp_path):
    root = tmp_path / "shop"
    (root / "shop").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0.1.0"\n')
    (root / "shop" / "__init__.py").write_text(
        "from flask import Flask\n\nfrom .items import bp\n\napp = Flask(__name__)\n"
        'app.register_blueprint(bp, url_prefix="/api/v1")\n'
    )
    (root / "shop" / "items.py").write_text(
        "from flask import Blueprint\n\n"
        'bp = Blueprint("items", __name__, url_prefix="/items")\n\n\n'
        '@bp.get("/<int:item_id>")\ndef get_item(item_id):\n    return {"id": item_id}\n'
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert cli_main(["openapi", str(root), "--format", "json"]) == 0
    spec = json.loads(out.getvalue())
    validate(spec)
    assert list(spec["paths"]) == ["/api/v1/items/{item_id}"]
    assert set(spec["paths"]["/api/v1/items/{item_id}"]["get"]["responses"]) == {"200", "404"}


def test_nested_fastapi_includes_add_every_prefix(tmp_path: Path):
    """An including router's own prefix and its include's (a module constant) both count."""
    root = tmp_path / "svc"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "svc"\nversion = "0.1.0"\n')
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "main.py").write_text(
        "from fastapi import APIRouter, FastAPI\n\nfrom app.users import router as users\n\n"
        'PEOPLE = "/people"\napi = APIRouter(prefix="/v2")\napi.include_router(users, prefix=PEOPLE)\n'
        'app = FastAPI()\napp.include_router(api, prefix="/api")\n'
    )
    (root / "app" / "users.py").write_text(
        "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n"
        '@router.get("/{id}")\ndef get_user(id: int):\n    return {"id": id}\n'
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert cli_main(["openapi", str(root), "--format", "json"]) == 0
    assert list(json.loads(out.getvalue())["paths"]) == ["/api/v2/people/{id}"]


def test_express_routers_chained_on_a_router_mounted_under_a_prefix(tmp_path: Path):
    """``const api = Router().use(a).use(b)`` then ``Router().use("/v3", api)``: a and b's
    routes are under /v3, and under the app's mount of that file."""
    root = tmp_path / "web"
    (root / "src" / "routes").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "web", "dependencies": {"express": "^4.19.0"}}')
    (root / "src" / "main.ts").write_text(
        'import express from "express";\nimport routes from "./routes";\n\n'
        'const app = express();\napp.use("/svc", routes);\napp.listen(3000);\n'
    )
    (root / "src" / "routes" / "index.ts").write_text(
        'import { Router } from "express";\nimport books from "./books";\nimport shelves from "./shelves";\n\n'
        "const api = Router()\n  .use(books)\n  .use(shelves);\n\n"
        'export default Router().use("/v3", api);\n'
    )
    for name in ("books", "shelves"):
        (root / "src" / "routes" / f"{name}.ts").write_text(
            'import { Router } from "express";\n\nconst router = Router();\n'
            f'router.get("/{name}/:id", (req, res) => {{ res.json({{}}); }});\n\nexport default router;\n'
        )
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert cli_main(["openapi", str(root), "--format", "json"]) == 0
    assert sorted(json.loads(out.getvalue())["paths"]) == ["/svc/v3/books/{id}", "/svc/v3/shelves/{id}"]


def test_a_field_typed_with_a_model_of_another_file_refers_to_it(tmp_path: Path):
    root = tmp_path / "api"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "api"\nversion = "0.1.0"\n')
    (root / "models.py").write_text(
        "from pydantic import BaseModel\n\n\nclass Author(BaseModel):\n    name: str\n"
    )
    (root / "app.py").write_text(
        "from fastapi import FastAPI\nfrom pydantic import BaseModel\n\nfrom models import Author\n\n"
        "app = FastAPI()\n\n\nclass Book(BaseModel):\n    title: str\n    author: Author\n\n\n"
        '@app.get("/books/{book_id}", response_model=Book)\ndef get_book(book_id: int):\n    ...\n'
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert cli_main(["openapi", str(root), "--format", "json"]) == 0
    spec = json.loads(out.getvalue())
    validate(spec)
    schemas = spec["components"]["schemas"]
    assert schemas["Book"]["properties"]["author"] == {"$ref": REF + "Author"}
    assert schemas["Author"]["required"] == ["name"]
