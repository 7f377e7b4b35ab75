"""Fixes and generators shared by the Rust frameworks (Axum, Actix): ``use`` edits, IV001's
serde + ``validator`` fix, and the ENDPOINT module built from a table."""

from __future__ import annotations

import re

import tree_sitter as ts

from ...core.findings import Edit
from ...lang.rust import text
from . import rust_router as kit
from ...core.lazy_re import lazy

# -- imports ------------------------------------------------------------------------------------


def use_edit(data: bytes, tree: ts.Tree | None, line: str) -> Edit | None:
    """An edit adding a ``use`` declaration after the file's last top-level ``use`` (None when
    the file already has it)."""
    if line.encode() in data:
        return None
    last = None
    if tree is not None:
        for item in tree.root_node.named_children:
            if item.type == "use_declaration":
                last = item
            elif last is not None and item.type not in (
                "line_comment",
                "block_comment",
                "attribute_item",
            ):
                break
    if last is None:
        return Edit(0, 0, line + "\n")
    return Edit(last.end_byte, last.end_byte, "\n" + line)


# -- IV001: serde + validator --------------------------------------------------------------------

_EMAIL = lazy(r"(?i)e_?mail")
_URL = lazy(r"(?i)(?:^|_)(?:url|uri|link|website|homepage)$")
_TEXT_TYPES = lazy(r"^(?:Option<\s*)?(?:String|&'?\w*\s*str|Cow<[^>]*>)\s*>?$")
_LIST_TYPES = lazy(r"^(?:Option<\s*)?Vec<")


def field_rule(name: str, type_text: str) -> str | None:
    """The ``#[validate(...)]`` a field of this name and type gets (None: nothing to check)."""
    if _TEXT_TYPES.match(type_text):
        if _EMAIL.search(name):
            return "email"
        if _URL.search(name):
            return "url"
        return "length(min = 1, max = 255)"
    if _LIST_TYPES.match(type_text):
        return "length(max = 100)"
    return None


def struct_fields(struct: ts.Node, data: bytes) -> list[tuple[ts.Node, str, str, bool]]:
    """(field node, name, type, has a #[validate] attribute) of a struct's named fields."""
    body = struct.child_by_field_name("body")
    out: list[tuple[ts.Node, str, str, bool]] = []
    if body is None or body.type != "field_declaration_list":
        return out
    validated = False
    for c in body.named_children:
        if c.type == "attribute_item":
            validated = validated or text(c, data).startswith("#[validate")
            continue
        if c.type != "field_declaration":
            validated = False
            continue
        name = c.child_by_field_name("name")
        ftype = c.child_by_field_name("type")
        if name is not None and ftype is not None:
            out.append((c, text(name, data), text(ftype, data), validated))
        validated = False
    return out


def unvalidated(h, structs: dict[str, ts.Node], data: bytes):
    """The body/query/form extractors of a handler that nobody validates:
    [(param, kind, model name, struct node or None, why)]."""
    out: list[tuple[kit.Param, str, str, ts.Node | None, str]] = []
    body = h.node.child_by_field_name("body") if h.node is not None else None
    body_text = text(body, data) if body is not None else ""
    for p, kind, model, validated in h.extra.get("extracted", []):
        # a typed query struct is judged like FastAPI's typed query parameters: its types are
        # its schema; a body or form struct stores what it is given, so it needs bounds
        if kind not in ("body", "form") or validated:
            continue
        names = "|".join(re.escape(n) for n in p.names) or "_"
        if re.search(rf"\b(?:{names})(?:\.0)?\s*\.\s*validate\s*\(", body_text):
            continue
        if re.fullmatch(
            r"(?:serde_json::)?(?:Value|Map<.*>)|HashMap<.*>|BTreeMap<.*>", model or "", re.S
        ):
            out.append((p, kind, model, None, "untyped"))
            continue
        struct = structs.get(model)
        if struct is None:
            continue  # defined elsewhere: its checks are not visible here
        fields = struct_fields(struct, data)
        checkable = [f for f in fields if field_rule(f[1], f[2])]
        if not checkable:
            continue  # numbers and flags only: the types already constrain them
        if _parsed_inline(names, [f[1] for f in checkable], body_text):
            continue  # every text field goes through a parser or checker first
        derived = kit.derives(struct, data)
        if "Validate" in derived and any(f[3] for f in fields):
            if _validated_by_helper(names, body_text, h.node, data):
                continue  # handed whole to a function of the file that validates it
            out.append((p, kind, model, struct, "not-called"))
        else:
            out.append((p, kind, model, struct, "no-rules"))
    return out


def _validated_by_helper(names: str, body: str, fn: ts.Node, data: bytes) -> bool:
    """Is the value passed whole (``x``, ``x.into_inner()``, ``&x``) to a function of this file
    that calls ``.validate()`` on its parameter?"""
    root = fn
    while root.parent is not None:
        root = root.parent
    helpers = {
        name
        for name, node in kit.functions_of(root, data).items()
        if node is not fn and re.search(r"\.\s*validate\s*\(", text(node, data))
    }
    for m in re.finditer(r"\b(\w+)\s*\(([^()]*(?:\([^()]*\))?[^()]*)\)", body):
        if m.group(1) in helpers and re.search(
            rf"(?:^|,)\s*&?\s*(?:{names})(?:\.into_inner\(\)|\.0)?\s*(?:,|$)", m.group(2)
        ):
            return True
    return False


_CHECKER = r"(?i)\b\w*(?:parse|extract|valid|check|verify|sanitiz|normali[sz])\w*\s*\(\s*&?\s*"


def _parsed_inline(names: str, fields: list[str], body: str) -> bool:
    """Is each text field of the struct handed to a parser or checker where the handler first
    uses it (``extract_name(&info.resource)?``, ``info.url.parse::<Url>()``), and the struct
    never used whole?"""
    uses = list(re.finditer(rf"\b(?:{names})(?:\.0)?\b", body))
    if not uses:
        return False
    seen: set[str] = set()
    for m in uses:
        rest = body[m.end() :]
        field = re.match(r"\.\s*(\w+)", rest)
        if field is None or field.group(1) not in fields:
            return False  # the whole struct, or another field, is used
        name = field.group(1)
        if name in seen:
            continue  # checked where it was first used
        seen.add(name)
        access = re.escape(m.group(0)) + r"\s*\.\s*" + name
        before = body[: m.end() + field.end()]
        if re.search(_CHECKER + access + r"$", before):
            continue
        if re.match(r"\s*\.\s*(?:parse|trim\(\)\s*\.\s*parse)\b", rest[field.end() :]):
            continue
        return False
    return True


def validation_fix(fw, a, h, kind, data):
    """Derive ``Validate``, add ``#[validate(...)]`` to the struct's text fields and check the
    value at the top of the handler; the rejection answers 422 ``VALIDATION_ERROR``."""
    structs = kit.structs(a.tree, data)
    found = [u for u in unvalidated(h, structs, data) if u[1] == kind and u[3] is not None]
    if not found or h.node is None:
        return None
    p, _, model, struct, why = found[0]
    if not p.names:
        return None
    value = p.names[0]
    edits: list[Edit] = []
    # 1. the struct: derive Validate, rules on its fields
    if "Validate" not in kit.derives(struct, data):
        derive = None
        for attr_node in _attribute_nodes(struct):
            m = re.match(
                rb"#\[\s*derive\s*\((.*)\)\s*\]$",
                data[attr_node.start_byte : attr_node.end_byte],
                re.S,
            )
            if m:
                derive = attr_node
                close = attr_node.start_byte + m.end(1)
                edits.append(Edit(close, close, ", Validate"))
                break
        if derive is None:
            edits.append(Edit(struct.start_byte, struct.start_byte, "#[derive(Validate)]\n"))
    for field, name, ftype, has in struct_fields(struct, data):
        rule = field_rule(name, ftype)
        if rule is None or has:
            continue
        indent = _indent(data, field.start_byte)
        edits.append(Edit(field.start_byte, field.start_byte, f"#[validate({rule})]\n{indent}"))
    imp = use_edit(data, a.tree, "use validator::Validate;")
    if imp is not None:
        edits.append(imp)
    # 2. the handler: validate first
    check = fw.validation_check(h, value, data)
    if check is None:
        return None
    block = h.node.child_by_field_name("body")
    first = next((c for c in block.named_children if "comment" not in c.type), None)
    if first is not None and data.rfind(b"\n", block.start_byte, first.start_byte) >= 0:
        at = data.rfind(b"\n", 0, first.start_byte) + 1  # the first statement's line
        indent = _indent(data, first.start_byte)
        edits.append(Edit(at, at, indent + check.replace("\n", "\n" + indent) + "\n"))
    else:
        end = block.end_byte - 1
        indent = _indent(data, h.node.start_byte) + "    "
        edits.append(Edit(end, end, "\n" + indent + check.replace("\n", "\n" + indent) + "\n"))
    return edits, f"validator rules on {model}"


def _attribute_nodes(node: ts.Node):
    prev = node.prev_named_sibling
    while prev is not None and prev.type in ("attribute_item", "line_comment", "block_comment"):
        if prev.type == "attribute_item":
            yield prev
        prev = prev.prev_named_sibling


def _indent(data: bytes, offset: int) -> str:
    start = data.rfind(b"\n", 0, offset) + 1
    m = re.match(rb"[ \t]*", data[start:offset])
    return m.group(0).decode() if m else ""


def return_type(h, data: bytes) -> str:
    rt = h.node.child_by_field_name("return_type") if h.node is not None else None
    return text(rt, data) if rt is not None else ""


# -- ENDPOINT ----------------------------------------------------------------------------------------


def rust_type(sql_type: str) -> str:
    from ...commands import naming

    base = naming.base_type(sql_type)
    if base in ("smallint", "int2", "integer", "int", "int4", "serial", "smallserial"):
        return "i32"
    if base in ("bigint", "int8", "bigserial"):
        return "i64"
    if base in ("boolean", "bool"):
        return "bool"
    if base in ("real", "float4", "double precision", "float8", "numeric", "decimal"):
        return "f64"
    if base in ("json", "jsonb"):
        return "serde_json::Value"
    return "String"  # text, varchar, uuid, dates: sent as strings


def endpoint_values(table, ops, base: str | None = None) -> dict[str, str]:
    from ...commands import naming

    ent = naming.pascal(naming.singular(table.name))
    body = []
    for c in table.writable:
        t = rust_type(c.type)
        rule = field_rule(c.name, t)
        m = re.search(r"\((\d+)\)", c.type)
        if rule and rule.startswith("length(min") and m:
            rule = f"length(min = 1, max = {m.group(1)})"
        if rule:
            body.append(f"    #[validate({rule})]")
        body.append(f"    pub {naming.snake(c.name)}: {t if c.required else f'Option<{t}>'},")
    sortable = ", ".join(f'"{c.name}"' for c in table.columns)
    return {
        "Entity": ent,
        "entity": naming.snake(naming.singular(table.name)),
        "table": table.name,
        "base": base or "/" + naming.snake(table.name).replace("_", "-"),
        "body_fields": "\n".join(body) if body else "    // no writable columns",
        "sortable": sortable,
    }


def endpoint_file(fw, table, ops, base: str | None = None) -> str:
    return fw.template("endpoint.rs", **endpoint_values(table, ops, base))


# a value for each placeholder of the Rust templates (the template tests fill them and parse)
TEMPLATE_SAMPLES = {
    "Entity": "BlogPost",
    "entity": "blog_post",
    "table": "blog_posts",
    "base": "/blog-posts",
    "body_fields": "    #[validate(length(min = 1, max = 200))]\n    pub title: String,",
    "sortable": '"id", "title"',
}


# -- API005: error bodies ----------------------------------------------------------------------------

_JSON_LITERAL = rb"(?:(?:axum::)?Json\(\s*)?(?:serde_json::)?json!\(\s*(\{)"
_AXUM_ERROR = lazy(rb"StatusCode::([A-Z_]+)\s*,\s*" + _JSON_LITERAL)
_ACTIX_ERROR = lazy(
    rb"HttpResponse::([A-Z][A-Za-z]+)\(\)\s*\.json\(\s*"
    + _JSON_LITERAL
    + rb"|HttpResponse::build\(\s*StatusCode::([A-Z_]+)\s*\)\s*\.json\(\s*"
    + _JSON_LITERAL
)


def _status_of(name: str) -> int | None:
    from ...app.model import status_from_text

    if not name.isupper():  # actix builder methods: NotFound -> NOT_FOUND
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()
    return status_from_text(name)


def error_literals(body: bytes) -> list[tuple[int, int, bytes]]:
    """(start, end, literal) of the ``json!({...})`` bodies answered with a 4xx/5xx status:
    ``(StatusCode::NOT_FOUND, Json(json!({...})))`` and ``HttpResponse::NotFound().json(json!({...}))``."""
    from ...lang import matching_close

    out = []
    for pattern in (_AXUM_ERROR, _ACTIX_ERROR):
        for m in pattern.finditer(body):
            groups = [g for g in m.groups()]
            name = next((g for g in groups if g is not None and not g.startswith(b"{")), None)
            opening = next(i for i in range(len(groups), 0, -1) if m.group(i) == b"{")
            status = _status_of(name.decode()) if name else None
            if status is None or status < 400:
                continue
            open_at = m.start(opening)
            close = matching_close(body, open_at, b"{", b"}")
            if close is None:
                continue
            out.append((m.start(), close, body[open_at:close]))
    return out
