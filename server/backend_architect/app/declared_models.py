"""The data shapes a project declares, as JSON Schemas (OpenAPI 3.1): Pydantic / SQLModel /
TypedDict / dataclass classes (Python), zod object schemas, interfaces, object type aliases and
DTO classes (TypeScript), structs with their ``json`` tags (Go).

Each reader takes a document's text and returns ``name -> schema``; a field whose type names
another declared shape refers to it with ``$ref`` (``#/components/schemas/<name>``), so the
caller keeps the shapes that are referenced and drops the references to unknown names
(:func:`close_refs`). Text only, no imports run: what cannot be read becomes ``{}`` (any).
"""

from __future__ import annotations

import re

REF = "#/components/schemas/"
PY_MODEL_BASES = re.compile(r"\b(BaseModel|SQLModel|Schema|TypedDict|RootModel|BaseSchema)\b")
PY_SCALARS: dict[str, dict] = {
    "str": {"type": "string"},
    "EmailStr": {"type": "string", "format": "email"},
    "AnyUrl": {"type": "string", "format": "uri"},
    "HttpUrl": {"type": "string", "format": "uri"},
    "SecretStr": {"type": "string"},
    "int": {"type": "integer"},
    "PositiveInt": {"type": "integer", "minimum": 1},
    "float": {"type": "number"},
    "Decimal": {"type": "number"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "format": "time"},
    "UUID": {"type": "string", "format": "uuid"},
    "uuid.UUID": {"type": "string", "format": "uuid"},
    "bytes": {"type": "string", "contentEncoding": "base64"},
    "dict": {"type": "object"},
    "Any": {},
    "object": {},
}
TS_SCALARS: dict[str, dict] = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "bigint": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "Date": {"type": "string", "format": "date-time"},
    "any": {},
    "unknown": {},
    "object": {"type": "object"},
    "null": {"type": "null"},
}
GO_SCALARS: dict[str, dict] = {
    "string": {"type": "string"},
    "bool": {"type": "boolean"},
    "float32": {"type": "number"},
    "float64": {"type": "number"},
    "time.Time": {"type": "string", "format": "date-time"},
    "json.RawMessage": {},
    "any": {},
    "interface{}": {},
    "uuid.UUID": {"type": "string", "format": "uuid"},
    "[]byte": {"type": "string", "contentEncoding": "base64"},
}
GO_INT = re.compile(r"u?int(8|16|32|64)?$")


# -- helpers ------------------------------------------------------------------------------------


def split_top(s: str, sep: str = ",") -> list[str]:
    """``s`` split at ``sep`` outside brackets and strings."""
    out, depth, cur, quote = [], 0, [], ""
    i = 0
    while i < len(s):
        ch = s[i]
        if quote:
            cur.append(ch)
            if ch == "\\" and i + 1 < len(s):
                cur.append(s[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
            cur.append(ch)
        elif ch in "([{<":
            depth += 1
            cur.append(ch)
        elif ch in ")]}>" and not (ch == ">" and i > 0 and s[i - 1] == "="):
            depth -= 1
            cur.append(ch)
        elif depth == 0 and s.startswith(sep, i):
            out.append("".join(cur))
            cur = []
            i += len(sep)
            continue
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur))
    return [p.strip() for p in out if p.strip()]


def matching(s: str, open_at: int) -> int:
    """The index of the bracket closing the one at ``open_at`` (strings and comments skipped)."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[str] = []
    i, quote = open_at, ""
    while i < len(s):
        ch = s[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif s.startswith("//", i):
            nl = s.find("\n", i)
            i = len(s) if nl < 0 else nl
            continue
        elif ch in pairs:
            stack.append(pairs[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
            if not stack:
                return i
        i += 1
    return -1


def nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    t = schema.get("type")
    if t is None:
        return schema
    types = t if isinstance(t, list) else [t]
    return schema if "null" in types else {**schema, "type": [*types, "null"]}


def _enum(values: list[str]) -> dict:
    return {"type": "string", "enum": values}


def _obj(props: dict, required: list[str]) -> dict:
    out: dict = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


# -- Python -------------------------------------------------------------------------------------


def py_type(ann: str, names: set[str]) -> dict:
    """The JSON Schema of a Python annotation."""
    ann = ann.strip().strip("'\"")
    if not ann:
        return {}
    parts = split_top(ann, "|")
    if len(parts) > 1:
        rest = [p for p in parts if p != "None"]
        inner = (
            py_type(rest[0], names)
            if len(rest) == 1
            else {"anyOf": [py_type(p, names) for p in rest]}
        )
        return nullable(inner) if len(rest) < len(parts) else inner
    m = re.fullmatch(r"([\w.]+)\[(.*)\]", ann, re.S)
    if m:
        head, args = m.group(1).rsplit(".", 1)[-1], split_top(m.group(2))
        if head == "Optional" and args:
            return nullable(py_type(args[0], names))
        if head == "Union":
            return py_type(" | ".join(args), names)
        if head in ("Annotated", "Required", "NotRequired") and args:
            return py_type(args[0], names)
        if head in (
            "list",
            "List",
            "Sequence",
            "set",
            "Set",
            "tuple",
            "Tuple",
            "frozenset",
            "conlist",
        ):
            return {"type": "array", "items": py_type(args[0], names) if args else {}}
        if head in ("dict", "Dict", "Mapping"):
            return {
                "type": "object",
                "additionalProperties": py_type(args[1], names) if len(args) > 1 else {},
            }
        if head == "Literal":
            return _enum([a.strip("'\"") for a in args])
        return {}
    if ann in names:
        return {"$ref": REF + ann}
    short = ann.rsplit(".", 1)[-1]
    if short in names:
        return {"$ref": REF + short}
    return dict(PY_SCALARS.get(ann, PY_SCALARS.get(short, {})))


def _field_required(default: str) -> bool:
    """``Field(...)`` / ``Field(min_length=8)`` (no default given) declare a required field."""
    m = re.match(r"(?:pydantic\.)?Field\((.*)\)$", default.strip(), re.S)
    if not m:
        return False
    args = split_top(m.group(1))
    if args and "=" not in args[0].split("(")[0]:
        return args[0] == "..."
    return not any(re.match(r"default(?:_factory)?\s*=", a) for a in args)


def python_models(text: str, known: frozenset[str] = frozenset()) -> dict[str, dict]:
    """Model classes of a Python module (bases: BaseModel, SQLModel, TypedDict, ... or another
    model of the module; ``@dataclass`` classes) with their annotated fields."""
    classes: dict[str, tuple[list[str], list[tuple[str, str, str | None]], bool]] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)class\s+(\w+)\s*(?:\((.*)\))?\s*:", lines[i])
        if not m:
            i += 1
            continue
        indent, name = len(m.group(1)), m.group(2)
        bases = [b.strip() for b in split_top(m.group(3) or "") if "=" not in b]
        dataclass = i > 0 and re.match(r"\s*@(?:dataclasses\.)?dataclass", lines[i - 1]) is not None
        fields: list[tuple[str, str, str | None]] = []
        body_indent = None
        i += 1
        while i < len(lines):
            line = lines[i]
            if not line.strip() or line.lstrip().startswith("#"):
                i += 1
                continue
            cur = len(line) - len(line.lstrip())
            if cur <= indent:
                break
            body_indent = cur if body_indent is None else body_indent
            if cur == body_indent:
                fm = re.match(r"\s*([A-Za-z_]\w*)\s*:\s*(.+)$", line)
                if fm and not fm.group(1).startswith("_") and fm.group(1) != "model_config":
                    rest = fm.group(2).split("  #")[0].rstrip()
                    while rest.count("[") > rest.count("]") and i + 1 < len(lines):
                        i += 1
                        rest += " " + lines[i].strip()
                    pieces = split_top(rest, "=")
                    ann = pieces[0]
                    default = "=".join(pieces[1:]) if len(pieces) > 1 else None
                    if not re.match(r"ClassVar\b", ann):
                        fields.append((fm.group(1), ann, default))
            i += 1
        classes[name] = (bases, fields, dataclass)

    def is_model(name: str, seen: set[str]) -> bool:
        if name in seen or name not in classes:
            return False
        seen.add(name)
        bases, _, dc = classes[name]
        return dc or any(
            PY_MODEL_BASES.search(b) or is_model(b.rsplit(".", 1)[-1], seen) for b in bases
        )

    models = [n for n in classes if is_model(n, set())]
    names = set(models) | known
    out: dict[str, dict] = {}

    def fields_of(name: str, seen: set[str]) -> list[tuple[str, str, str | None]]:
        if name in seen or name not in classes:
            return []
        seen.add(name)
        bases, fields, _ = classes[name]
        inherited = [f for b in bases for f in fields_of(b.rsplit(".", 1)[-1], seen)]
        own = {f[0] for f in fields}
        return [f for f in inherited if f[0] not in own] + fields

    for name in models:
        props: dict = {}
        required: list[str] = []
        total_false = "total=False" in "".join(classes[name][0])
        for fname, ann, default in fields_of(name, set()):
            schema = py_type(ann, names)
            alias = re.search(r"\balias\s*=\s*['\"](\w+)['\"]", default or "")
            key = alias.group(1) if alias else fname
            props[key] = schema
            field_required = default is None or _field_required(default)
            if field_required and not total_false and not ann.startswith("NotRequired"):
                required.append(key)
        out[name] = _obj(props, required)
    return out


# -- TypeScript -----------------------------------------------------------------------------------


def ts_type(t: str, names: set[str]) -> dict:
    """The JSON Schema of a TypeScript type."""
    t = t.strip()
    if not t:
        return {}
    parts = split_top(t, "|")
    if len(parts) > 1:
        rest = [p for p in parts if p not in ("null", "undefined")]
        if rest and all(re.fullmatch(r"'[^']*'|\"[^\"]*\"", p) for p in rest):
            inner = _enum([p[1:-1] for p in rest])
        elif len(rest) == 1:
            inner = ts_type(rest[0], names)
        else:
            inner = {"anyOf": [ts_type(p, names) for p in rest]}
        return nullable(inner) if "null" in parts else inner
    if t.startswith("(") and t.endswith(")") and matching(t, 0) == len(t) - 1:
        return ts_type(t[1:-1], names)
    if t.endswith("[]"):
        return {"type": "array", "items": ts_type(t[:-2], names)}
    if re.fullmatch(r"'[^']*'|\"[^\"]*\"", t):
        return _enum([t[1:-1]])
    if t.startswith("{") and t.endswith("}"):
        return ts_members(t[1:-1], names)
    m = re.fullmatch(r"([\w.]+)<(.*)>", t, re.S)
    if m:
        head, args = m.group(1), split_top(m.group(2))
        if head in ("Array", "ReadonlyArray", "Set") and args:
            return {"type": "array", "items": ts_type(args[0], names)}
        if head == "Record" and len(args) == 2:
            return {"type": "object", "additionalProperties": ts_type(args[1], names)}
        if head in ("Promise", "Readonly", "Partial", "Required") and args:
            inner = ts_type(args[0], names)
            return (
                {**inner, "required": []} if head == "Partial" and "properties" in inner else inner
            )
        return {}
    if t in names:
        return {"$ref": REF + t}
    return dict(TS_SCALARS.get(t, {}))


def _strip_comments(s: str) -> str:
    s = re.sub(r"/\*.*?\*/", "", s, flags=re.S)
    return re.sub(r"(?m)^\s*//.*$", "", s)


def ts_members(body: str, names: set[str]) -> dict:
    """An object schema of ``name?: type;`` members (interfaces, type literals, classes)."""
    body = _strip_comments(body)
    body = re.sub(r"@\w+(?:\.\w+)*\s*(?:\((?:[^()]|\([^()]*\))*\))?", " ", body)  # decorators
    props: dict = {}
    required: list[str] = []
    for member in split_top(body.replace("\n", ";"), ";"):
        for piece in split_top(member, ","):
            m = re.match(
                r"(?:(?:public|readonly|declare|private|protected)\s+)*([\w$]+|'[^']+'|\"[^\"]+\")([?!])?\s*:\s*(.+?)(?:\s*=\s*.+)?$",
                piece.strip(),
                re.S,
            )
            if not m or m.group(0).lstrip().startswith(("private", "protected")):
                continue
            name = m.group(1).strip("'\"")
            if "(" in name:
                continue
            props[name] = ts_type(m.group(3), names)
            if m.group(2) != "?" and "undefined" not in split_top(m.group(3), "|"):
                required.append(name)
    return _obj(props, required)


def zod_schema(expr: str, names: set[str]) -> tuple[dict, bool]:
    """(JSON Schema, optional) of a zod expression."""
    expr = expr.strip()
    optional = False
    null = False
    base = expr
    # peel the modifiers off the end: .optional() .nullable() .default(..) .min(..) ...
    fmt: dict = {}
    while True:
        m = re.search(r"\.(\w+)\(\s*\)$", base) or None
        if m is None and base.endswith(")"):
            close = len(base) - 1
            depth, j = 0, close
            while j >= 0:
                if base[j] == ")":
                    depth += 1
                elif base[j] == "(":
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            mm = re.search(r"\.(\w+)$", base[:j]) if j > 0 else None
            if mm and mm.group(1) in MODIFIERS:
                m = mm
                cut = mm.start()
            else:
                break
        elif m is not None:
            if m.group(1) not in MODIFIERS:
                break
            cut = m.start()
        else:
            break
        mod = m.group(1)
        if mod in ("optional", "default", "catch"):
            optional = True
        elif mod == "nullable":
            null = True
        elif mod == "nullish":
            optional = null = True
        elif mod == "int":
            fmt["type"] = "integer"
        elif mod in ("email", "url", "uuid", "datetime", "date"):
            fmt["format"] = {"url": "uri", "datetime": "date-time"}.get(mod, mod)
        base = base[:cut]
    base = re.sub(r"^z\.coerce\.", "z.", base)
    m = re.match(r"z\.(\w+)\(", base)
    schema: dict
    if m:
        kind = m.group(1)
        inner = base[m.end() : -1] if base.endswith(")") else ""
        if kind == "object":
            schema = zod_object(inner.strip()[1:-1] if inner.strip().startswith("{") else "", names)
        elif kind == "array":
            schema = {"type": "array", "items": zod_schema(inner, names)[0]}
        elif kind == "enum":
            schema = _enum(re.findall(r"['\"]([^'\"]*)['\"]", inner))
        elif kind == "literal":
            lit = inner.strip()
            schema = _enum([lit.strip("'\"")]) if lit[:1] in "'\"" else {}
        elif kind == "record":
            args = split_top(inner)
            schema = {
                "type": "object",
                "additionalProperties": zod_schema(args[-1], names)[0] if args else {},
            }
        elif kind in ("union", "discriminatedUnion"):
            arr = inner[inner.find("[") + 1 : inner.rfind("]")]
            schema = {"anyOf": [zod_schema(p, names)[0] for p in split_top(arr)]}
        else:
            schema = dict(
                {
                    "string": {"type": "string"},
                    "number": {"type": "number"},
                    "bigint": {"type": "integer"},
                    "boolean": {"type": "boolean"},
                    "date": {"type": "string", "format": "date-time"},
                    "null": {"type": "null"},
                }.get(kind, {})
            )
    elif base in names:
        schema = {"$ref": REF + base}
    else:
        schema = {}
    if fmt and "$ref" not in schema:
        schema.update(fmt)
    return (nullable(schema) if null else schema), optional


MODIFIERS = {
    "optional",
    "nullable",
    "nullish",
    "default",
    "catch",
    "int",
    "email",
    "url",
    "uuid",
    "datetime",
    "date",
    "min",
    "max",
    "length",
    "positive",
    "nonnegative",
    "negative",
    "nonempty",
    "trim",
    "toLowerCase",
    "regex",
    "describe",
    "strict",
    "passthrough",
    "finite",
    "gte",
    "lte",
    "gt",
    "lt",
    "refine",
    "transform",
}


def zod_object(body: str, names: set[str]) -> dict:
    props: dict = {}
    required: list[str] = []
    for member in split_top(_strip_comments(body)):
        m = re.match(r"([\w$]+|'[^']+'|\"[^\"]+\")\s*:\s*(.+)$", member, re.S)
        if not m:
            continue
        name = m.group(1).strip("'\"")
        schema, optional = zod_schema(m.group(2), names)
        props[name] = schema
        if not optional:
            required.append(name)
    return _obj(props, required)


def typescript_models(text: str, known: frozenset[str] = frozenset()) -> dict[str, dict]:
    """zod object schemas (by variable name, and by their ``z.infer`` type name), interfaces,
    object type aliases and classes with typed properties (NestJS DTOs)."""
    decls: list[tuple[str, str, str]] = []  # (name, kind, body)
    for m in re.finditer(
        r"(?:export\s+)?(?:const|let)\s+([\w$]+)\s*(?::[^=]+)?=\s*(z\.object\()", text
    ):
        close = matching(text, m.end(2) - 1)
        if close > 0:
            # ``z.object({...}).strict()``: unknown keys are refused
            strict = re.match(r"\s*\.strict\(\s*\)", text[close + 1 :]) is not None
            decls.append(
                (m.group(1), "zod-strict" if strict else "zod", text[m.start(2) : close + 1])
            )
    for m in re.finditer(
        r"(?:export\s+)?(?:(?:abstract\s+)?class|interface)\s+([\w$]+)(?:<[^>{]*>)?(?:\s+(?:extends|implements)\s+([\w$.<>, ]+?))?\s*\{",
        text,
    ):
        close = matching(text, m.end() - 1)
        if close > 0:
            decls.append((m.group(1), "members", text[m.end() : close]))
    for m in re.finditer(r"(?:export\s+)?type\s+([\w$]+)\s*=\s*\{", text):
        close = matching(text, m.end() - 1)
        if close > 0:
            decls.append((m.group(1), "members", text[m.end() : close]))
    infer = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r"type\s+([\w$]+)\s*=\s*z\.(?:infer|input|output)<\s*typeof\s+([\w$]+)\s*>", text
        )
    }
    names = {d[0] for d in decls} | set(infer) | known
    out: dict[str, dict] = {}
    for name, kind, body in decls:
        if kind.startswith("zod"):
            out[name] = zod_schema(body, names)[0]
            if kind == "zod-strict" and out[name].get("type") == "object":
                out[name] = {**out[name], "additionalProperties": False}
        else:
            schema = ts_members(body, names)
            if schema["properties"]:
                out[name] = schema
    for alias, var in infer.items():
        if var in out:
            out.setdefault(alias, {"$ref": REF + var})
    return out


# -- Go -----------------------------------------------------------------------------------------


def go_type(t: str, names: set[str]) -> dict:
    t = t.strip()
    if t.startswith("*"):
        return nullable(go_type(t[1:], names))
    if t == "[]byte":
        return dict(GO_SCALARS["[]byte"])
    if t.startswith("[]"):
        return {"type": "array", "items": go_type(t[2:], names)}
    m = re.match(r"map\[\w+\](.+)$", t)
    if m:
        return {"type": "object", "additionalProperties": go_type(m.group(1), names)}
    if GO_INT.match(t):
        return {"type": "integer"}
    if t in GO_SCALARS:
        return dict(GO_SCALARS[t])
    m = re.match(r"sql\.Null(\w+)$", t)
    if m:
        base = {"String": "string", "Bool": "boolean", "Float64": "number", "Time": "string"}
        return nullable({"type": base.get(m.group(1), "integer")})
    short = t.rsplit(".", 1)[-1]
    if short in names:
        return {"$ref": REF + short}
    return {}


def go_models(text: str, known: frozenset[str] = frozenset()) -> dict[str, dict]:
    """Structs of a Go file; a field is named by its ``json`` tag. A field is required when
    its tag says so (``binding``/``validate``: required); in a struct without validation tags
    (a response) when it is neither a pointer nor ``omitempty``."""
    structs: list[tuple[str, str]] = []
    for m in re.finditer(r"\btype\s+(\w+)\s+struct\s*\{", text):
        close = matching(text, m.end() - 1)
        if close > 0:
            structs.append((m.group(1), text[m.end() : close]))
    names = {n for n, _ in structs} | known
    bodies = dict(structs)
    out: dict[str, dict] = {}

    def fields(body: str, seen: set[str]) -> list[tuple[str, str, str]]:
        got: list[tuple[str, str, str]] = []
        for raw in body.splitlines():
            code = raw.split("//")[0]
            line = code.strip() if "`" not in code else raw.strip()
            m = re.match(r"([A-Z]\w*(?:\s*,\s*[A-Z]\w*)*)\s+([^`\s]+(?:\{\})?)\s*(`[^`]*`)?", line)
            if m:
                for n in re.split(r"\s*,\s*", m.group(1)):
                    got.append((n, m.group(2), m.group(3) or ""))
                continue
            emb = re.match(r"\*?([\w.]+)\s*(`[^`]*`)?$", line)
            if emb and emb.group(1).rsplit(".", 1)[-1] in bodies and emb.group(1) not in seen:
                seen.add(emb.group(1))
                got += fields(bodies[emb.group(1).rsplit(".", 1)[-1]], seen)
        return got

    for name, body in structs:
        fs = fields(body, {name})
        validated = any(re.search(r'(?:binding|validate):"', tag) for _, _, tag in fs)
        props: dict = {}
        required: list[str] = []
        for fname, ftype, tag in fs:
            jm = re.search(r'json:"([^"]*)"', tag)
            opts = jm.group(1).split(",") if jm else [fname]
            key = opts[0] or fname
            if key == "-":
                continue
            props[key] = go_type(ftype, names)
            rule = re.search(r'(?:binding|validate):"([^"]*)"', tag)
            if rule:
                if "required" in rule.group(1).split(","):
                    required.append(key)
            elif not validated and "omitempty" not in opts and not ftype.startswith("*"):
                required.append(key)
        out[name] = _obj(props, required)
    return out


# -- the workspace --------------------------------------------------------------------------------


def models_of(
    text: str, language: str | None, known: frozenset[str] = frozenset()
) -> dict[str, dict]:
    """The shapes ``text`` of ``language`` declares; nothing (never an error) when unreadable.
    ``known``: names declared in other files of the project, referred to with ``$ref`` too."""
    try:
        if language == "python":
            return python_models(text, known)
        if language in ("typescript", "tsx", "javascript"):
            return typescript_models(text, known)
        if language == "go":
            return go_models(text, known)
    except (RecursionError, ValueError, IndexError):
        return {}
    return {}


def refs(schema) -> set[str]:
    out: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF):
            out.add(ref[len(REF) :])
        for v in schema.values():
            out |= refs(v)
    elif isinstance(schema, list):
        for v in schema:
            out |= refs(v)
    return out


def close_refs(roots: set[str], models: dict[str, dict], have: dict) -> None:
    """Add to ``have`` (components.schemas) the models ``roots`` name and every model they
    refer to."""
    todo = [r for r in roots if r in models]
    while todo:
        name = todo.pop()
        if name in have:
            continue
        have[name] = models[name]
        todo += [r for r in refs(models[name]) if r in models and r not in have]
