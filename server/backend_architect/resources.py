"""One model of a resource, shared by the generators (REPOSITORY, ENDPOINT,
INPUT_VALIDATION, DESIGN_API) so the pieces they write agree by construction.

A resource is a table seen from the API: its fields with their type, nullability and
default; which ones the database fills (identity, serial, SQLite rowid, GENERATED
columns, ``now()`` / ``CURRENT_TIMESTAMP`` defaults such as ``created_at``); which are
sensitive (password hashes, tokens, secrets, roles and permissions: never taken from a
client nor sent back unless asked for); which hold JSON. The repository writes every
column the database does not fill; a client writes only the input fields; a response
carries only the output fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalog.model import ForeignKey
from .lang import naming
from .core.lazy_re import lazy

# name patterns of columns a client must neither set nor read by default
_SENSITIVE = lazy(
    r"^(password.*|.*_hash|.*hashed.*|.*token.*|.*secret.*|api_key|.*_key_hash"
    r"|roles?|permissions?|scopes?|is_(admin|superuser|staff)|privileges?)$",
    re.I,
)
# a column holding a password hash: the endpoints take a write-only ``password`` and hash it
_PASSWORD_HASH = lazy(
    r"^(password_hash|password_digest|hashed_password|encrypted_password|passwd_hash)$", re.I
)
_SERVER_FILLED_NAMES = {"created_at", "updated_at", "inserted_at", "modified_at"}
_JSON_TYPES = {"json", "jsonb"}


@dataclass(frozen=True)
class Field:
    name: str
    sql_type: str
    nullable: bool = True
    default: str | None = None
    generated: bool = False  # identity, serial, SQLite rowid, GENERATED ... STORED
    server_filled: bool = False  # a default the database computes (now(), gen_random_uuid())
    sensitive: bool = False
    primary_key: bool = False

    @property
    def json(self) -> bool:
        return naming.base_type(self.sql_type) in _JSON_TYPES

    @property
    def array(self) -> bool:
        return self.sql_type.endswith("[]")

    @property
    def py_type(self) -> str:
        return naming.py_type(self.sql_type)

    @property
    def writable(self) -> bool:
        """The repository may set it (the database does not fill it)."""
        return not self.generated and not self.server_filled

    @property
    def required(self) -> bool:
        """A create must give it: NOT NULL, no default, not filled by the database."""
        return self.writable and not self.nullable and self.default is None

    @property
    def has_constant_default(self) -> bool:
        return self.default is not None and naming.py_literal(self.default) is not None


@dataclass
class Resource:
    """A table as the API sees it (see the module docstring)."""

    table: str
    schema: str | None
    fields: list[Field]
    id: Field
    unique_keys: list[list[str]] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    dialect: str = "postgres"  # "postgres" | "sqlite"
    include_sensitive: bool = False  # the user asked for the sensitive fields too

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def writable(self) -> list[Field]:
        """Columns the repository writes."""
        return [f for f in self.fields if f.writable]

    @property
    def input_fields(self) -> list[Field]:
        """Fields a client may send (create, replace, patch)."""
        return [f for f in self.writable if self.include_sensitive or not f.sensitive]

    @property
    def output_fields(self) -> list[Field]:
        """Fields a response carries."""
        return [f for f in self.fields if self.include_sensitive or not f.sensitive]

    @property
    def hidden(self) -> list[Field]:
        """Sensitive fields left out of input and output."""
        return [] if self.include_sensitive else [f for f in self.fields if f.sensitive]

    @property
    def json_fields(self) -> list[Field]:
        return [f for f in self.fields if f.json]

    @property
    def required_hidden(self) -> list[Field]:
        """Sensitive columns a create cannot do without and the endpoints do not fill: the
        user decides how (the password hash is filled from a write-only ``password``)."""
        return [f for f in self.hidden if f.required and f is not self.password_hash]

    @property
    def password_hash(self) -> Field | None:
        """The hidden password-hash column the endpoints fill from a write-only
        ``password`` (None when there is none, or the user asked for sensitive fields)."""
        return next((f for f in self.hidden if _PASSWORD_HASH.match(f.name)), None)

    @property
    def id_py_type(self) -> str:
        return self.id.py_type

    @property
    def updated_at(self) -> Field | None:
        f = self.field("updated_at")
        return f if f is not None and f.server_filled else None

    @property
    def now_sql(self) -> str:
        """The current time in this dialect (SQLite has no now())."""
        return "CURRENT_TIMESTAMP"


def is_sensitive(name: str) -> bool:
    return bool(_SENSITIVE.match(name))


def _server_filled(c) -> bool:
    if c.generated:
        return False
    d = (c.default or "").strip().lower()
    if not d:
        return False
    if "(" in d or d in ("current_timestamp", "current_date", "current_time", "localtimestamp"):
        return True  # computed by the database at insert time
    return c.name in _SERVER_FILLED_NAMES and bool(c.auto)


def from_table(t, *, include_sensitive: bool = False) -> Resource:
    """The resource of a table read by :mod:`commands.tables` (from the catalog or a
    CREATE TABLE statement)."""
    fields = []
    for c in t.columns:
        generated = bool(getattr(c, "generated", False))
        fields.append(
            Field(
                name=c.name,
                sql_type=c.type,
                nullable=c.nullable,
                default=c.default,
                generated=generated,
                server_filled=_server_filled(c) or (bool(c.auto) and not generated),
                sensitive=is_sensitive(c.name),
                primary_key=c.name in (t.primary_key or []),
            )
        )
    idc = t.id_column
    ident = next(f for f in fields if f.name == idc.name)
    return Resource(
        table=t.name,
        schema=t.schema,
        fields=fields,
        id=ident,
        unique_keys=t.unique_keys,
        foreign_keys=list(t.foreign_keys),
        dialect=getattr(t, "dialect", None) or "postgres",
        include_sensitive=include_sensitive,
    )


def python_store_methods(r: Resource) -> dict[str, str]:
    """The signature of each repository method; ENDPOINT's store Protocol is built from
    the same text, so the handlers call exactly what the repository defines."""
    idt = r.id_py_type
    idp = naming.py_param(r.id.name)
    row = "dict[str, Any]"
    return {
        "find_by_id": f"def find_by_id(self, {idp}: {idt}, /) -> {row} | None",
        "find_all": f'def find_all(self, page: int = 1, limit: int = 20, sort: str = {r.id.name!r}, order: str = "asc") -> tuple[list[{row}], int]',
        "create": f"def create(self, **values: Any) -> {row}",
        "update": f"def update(self, {idp}: {idt}, /, **changes: Any) -> {row} | None",
        "delete": f"def delete(self, {idp}: {idt}, /) -> bool",
    }


# -- TypeScript (node-postgres) -------------------------------------------------------------------


def ts_type(f: Field) -> str:
    """The TypeScript type of a field as the repository hands it out: int8 ids and
    counts as numbers (the repository converts them), JSON as any JSON value."""
    if naming.base_type(f.sql_type) == "bigint":
        return "number"
    return naming.ts_type(f.sql_type)


def ts_entity(r: Resource) -> str:
    return naming.pascal(naming.singular(r.table))


def typescript_store_methods(r: Resource) -> dict[str, str]:
    """The repository's method signatures; ENDPOINT's store interface is the same text."""
    ent = ts_entity(r)
    idt = ts_type(r.id)
    return {
        "findById": f"findById(id: {idt}): Promise<{ent} | null>",
        "findAll": f'findAll(opts?: {{ page?: number; limit?: number; sort?: string; order?: "asc" | "desc" }}): Promise<Page<{ent}>>',
        "create": f"create(input: New{ent}): Promise<{ent}>",
        "update": f"update(id: {idt}, changes: {ent}Changes): Promise<{ent} | null>",
        "delete": f"delete(id: {idt}): Promise<boolean>",
    }


# -- Go (database/sql or pgx) ---------------------------------------------------------------------


def go_type(f: Field, nullable: bool | None = None) -> str:
    """The Go type of a field; JSON columns are ``json.RawMessage`` (any JSON value, sent
    back as JSON rather than base64)."""
    if f.json:
        return "json.RawMessage"
    return naming.go_type(f.sql_type, f.nullable if nullable is None else nullable)


def go_entity(r: Resource) -> str:
    return naming.pascal(naming.singular(r.table))


def go_store_methods(r: Resource, qualifier: str = "") -> dict[str, str]:
    """The repository's method signatures (``qualifier``: the package prefix of its types
    as seen from the caller); ENDPOINT's store interface is the same text."""
    ent = qualifier + go_entity(r)
    idt = go_type(r.id, False)
    return {
        "FindByID": f"FindByID(ctx context.Context, id {idt}) (*{ent}, error)",
        "FindAll": f"FindAll(ctx context.Context, page, limit int, sort, order string) ([]{ent}, int64, error)",
        "Create": f"Create(ctx context.Context, in {ent}Input) (*{ent}, error)",
        "Update": f"Update(ctx context.Context, id {idt}, in {ent}Input) (*{ent}, error)",
        "Delete": f"Delete(ctx context.Context, id {idt}) (bool, error)",
    }


def json_schema(f: Field) -> dict:
    """The JSON Schema of a field's value (OpenAPI 3.1)."""
    if f.json:
        schema: dict = {"type": ["object", "array"]}
    elif f.array:
        item = json_schema(Field(f.name, f.sql_type[:-2], nullable=False))
        schema = {"type": "array", "items": item}
    else:
        schema = {
            "int": {"type": "integer"},
            "float": {"type": "number"},
            "bool": {"type": "boolean"},
            "datetime": {"type": "string", "format": "date-time"},
            "date": {"type": "string", "format": "date"},
            "bytes": {"type": "string", "contentEncoding": "base64"},
        }.get(f.py_type, {"type": "string"})
    if f.nullable and not f.primary_key:
        t = schema.get("type")
        schema = {**schema, "type": [*t, "null"] if isinstance(t, list) else [t, "null"]}
    return schema


def object_schemas(r: Resource) -> dict[str, dict]:
    """``{Entity, EntityInput, EntityReplace, EntityPatch}`` JSON Schemas: what a response
    carries, what a create takes (the fields without a default), what a PUT takes (every
    writable field; a nullable one may be null; the write-only ``password`` stays optional),
    what a PATCH takes (any subset)."""
    ent = naming.pascal(naming.singular(r.table))
    out = {f.name: json_schema(f) for f in r.output_fields}
    inp = {f.name: json_schema(f) for f in r.input_fields}
    required = [f.name for f in r.input_fields if f.required]
    if r.password_hash is not None:  # the endpoints hash a write-only ``password`` into it
        inp["password"] = {"type": "string", "maxLength": 256, "writeOnly": True}
        if r.password_hash.required:
            required.append("password")
    return {
        ent: {
            "type": "object",
            "properties": out,
            "required": [f.name for f in r.output_fields if not f.nullable],
        },
        f"{ent}Input": {
            "type": "object",
            "properties": inp,
            "required": required,
            "additionalProperties": False,
        },
        f"{ent}Replace": {
            "type": "object",
            "properties": inp,
            "required": [f.name for f in r.input_fields],
            "additionalProperties": False,
        },
        f"{ent}Patch": {"type": "object", "properties": inp, "additionalProperties": False},
    }
