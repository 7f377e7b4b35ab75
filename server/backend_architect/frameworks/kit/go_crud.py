"""The CRUD handlers of a resource in Go (Gin, Echo, Fiber, net/http), built on the resource model.

The store interface is the repository's method set with the repository's own types
(imported from its package), so a repository is a store as it is. The body is decoded
field by field into the repository's input (unknown, identity, server-filled and sensitive
fields are 422 with the field named; JSON columns take any JSON value); PUT requires every
field, PATCH sets only what was sent, and a null clears a nullable column (the input's Null
set); constraint violations answer 409/422 in the error format; create answers 201 with
Location. Only the framework's idioms differ (``Idioms``).
"""

from __future__ import annotations

import os
import re
import dataclasses
from dataclasses import dataclass

from ...lang import naming
from ...resources import from_table, go_entity, go_store_methods, go_type

#: replaced by the repository package's import path once the file's place is known
REPOSITORY_IMPORT = "__REPOSITORY_IMPORT__"


@dataclass(frozen=True)
class Idioms:
    imports: tuple[str, ...]
    handler: str  # the function literal's signature
    ctx: str
    param: str  # {name}
    query: str  # {name}, {default}
    body: str
    path: str
    method: str
    set_header: str  # {name}, {value}
    reply: str  # {status}, {value}: a statement ending the handler
    no_content: str
    mount: list[str]  # lines opening the route function; {res}, {base}, {ent}
    route: str  # {method} (GET...) or {Method} (Get...), {path} ("" or "/:id" style already made), {fn}
    id_path: str  # the item path suffix
    extra: tuple[str, ...] = ()  # helper functions the idioms need
    std: tuple[str, ...] = ()  # standard-library packages the idioms use


def _reply(idioms: Idioms, status: str, value: str) -> str:
    return idioms.reply.format(status=status, value=value)


def go_handlers(t, ops, base: str, idioms: Idioms) -> tuple[str, str]:
    r = from_table(t)
    ent = go_entity(r)
    res = naming.pascal(t.name)
    one = naming.camel(ent)
    lc = naming.camel(t.name)
    idc = r.id
    numeric = go_type(idc, False) in ("int64", "int32", "int16")
    L: list[str] = []
    a = L.append
    a(f"// {ent}Store is the {t.name} repository as these handlers use it (its method set).")
    a(f"type {ent}Store interface {{")
    for sig in go_store_methods(r, "repository.").values():
        a(f"\t{sig}")
    a("}")
    a("")
    a(
        f"var {lc}Sortable = map[string]bool{{{', '.join(chr(34) + f.name + chr(34) + ': true' for f in r.output_fields)}}}"
    )
    a("")
    a(f"// {one}Problem is a response in the error format.")
    a(f"func {one}Problem(code, message string, details []map[string]string) map[string]any {{")
    a("\tif details == nil {")
    a("\t\tdetails = []map[string]string{}")
    a("\t}")
    a(
        '\treturn map[string]any{"error": map[string]any{"code": code, "message": message, "details": details}}'
    )
    a("}")
    a("")
    a(f'// decode{ent} reads a JSON body into the repository\'s input; mode "create": the required')
    a(
        '// fields, "replace" (PUT): every field (a nullable one may be null), "update" (PATCH): only'
    )
    a("// what is sent. A null for a nullable column is recorded in the input's Null set.")
    a(
        f"func decode{ent}(body io.Reader, mode string) (repository.{ent}Input, []map[string]string) {{"
    )
    a(f"\tvar in repository.{ent}Input")
    a("\tvar raw map[string]json.RawMessage")
    a("\tif err := json.NewDecoder(body).Decode(&raw); err != nil || raw == nil {")
    a('\t\treturn in, []map[string]string{{"field": "", "message": "expected a JSON object"}}')
    a("\t}")
    a("\tdetails := []map[string]string{}")
    a("\tbad := func(field, message string) {")
    a('\t\tdetails = append(details, map[string]string{"field": field, "message": message})')
    a("\t}")
    a("\tfor name, value := range raw {")
    a("\t\tswitch name {")
    for f in r.input_fields:
        fld = "in." + naming.go_field(f.name)
        a(f'\t\tcase "{f.name}":')
        if f.nullable:  # null sets the column to NULL (a nil field would leave it unchanged)
            a('\t\t\tif string(value) == "null" {')
            a("\t\t\t\tif in.Null == nil {")
            a("\t\t\t\t\tin.Null = map[string]bool{}")
            a("\t\t\t\t}")
            a("\t\t\t\tin.Null[name] = true")
            a("\t\t\t\tcontinue")
            a("\t\t\t}")
        if f.json:
            a(f"\t\t\t{fld} = value")
            continue
        if not f.nullable:
            a('\t\t\tif string(value) == "null" {')
            a('\t\t\t\tbad(name, "must not be null")')
            a(f"\t\t\t}} else if err := json.Unmarshal(value, &{fld}); err != nil {{")
        else:
            a(f"\t\t\tif err := json.Unmarshal(value, &{fld}); err != nil {{")
        kind = (
            "a list"
            if f.array
            else {"int": "an integer", "float": "a number", "bool": "a boolean"}.get(
                f.py_type, "a string"
            )
        )
        a(f'\t\t\t\tbad(name, "must be {kind}")')
        a("\t\t\t}")
    pw = r.password_hash
    if pw is not None:  # write-only; stored hashed
        a('\t\tcase "password":')
        a("\t\t\tvar password string")
        a("\t\t\tif err := json.Unmarshal(value, &password); err != nil || len(password) < 8 {")
        a('\t\t\t\tbad(name, "must be a string of at least 8 characters")')
        a(f"\t\t\t}} else if hashed, err := {one}HashPassword(password); err != nil {{")
        a('\t\t\t\tbad(name, "could not be hashed")')
        a("\t\t\t} else {")
        a(f"\t\t\t\tin.{naming.go_field(pw.name)} = &hashed")
        a("\t\t\t}")
    a("\t\tdefault:")
    a('\t\t\tbad(name, "is not a field that can be set")')
    a("\t\t}")
    a("\t}")
    required = [f.name for f in r.input_fields if f.required]
    if pw is not None and pw.required:
        required.append("password")
    everything = [f.name for f in r.input_fields]  # PUT: the write-only password stays optional
    for mode, names in (("create", required), ("replace", everything)):
        if names:
            a(f'\tif mode == "{mode}" {{')
            for name in names:
                a(f'\t\tif _, given := raw["{name}"]; !given {{')
                a(f'\t\t\tbad("{name}", "is required")')
                a("\t\t}")
            a("\t}")
    a("\treturn in, details")
    a("}")
    a("")
    if pw is not None:
        a(
            f'// {one}HashPassword: PBKDF2-SHA256 with a random salt, "pbkdf2-sha256$600000$salt$hash" (hex).'
        )
        a(f"func {one}HashPassword(password string) (string, error) {{")
        a("\tsalt := make([]byte, 16)")
        a("\tif _, err := rand.Read(salt); err != nil {")
        a('\t\treturn "", err')
        a("\t}")
        a("\tkey, err := pbkdf2.Key(sha256.New, password, salt, 600000, 32)")
        a("\tif err != nil {")
        a('\t\treturn "", err')
        a("\t}")
        a('\treturn fmt.Sprintf("pbkdf2-sha256$600000$%x$%x", salt, key), nil')
        a("}")
        a("")
    a(
        f"// {one}StoreError answers a store error: a constraint violation is the client's (a duplicate"
    )
    a(
        "// 409, a missing referenced row or a broken CHECK 422, removing a row still referenced 409)."
    )
    a(f"func {one}StoreError(err error, method string) (int, map[string]any) {{")
    a("\tvar pgErr interface{ SQLState() string }")
    a("\tif errors.As(err, &pgErr) {")
    a("\t\tswitch state := pgErr.SQLState(); {")
    a('\t\tcase state == "23505":')
    a(
        f'\t\t\treturn http.StatusConflict, {one}Problem("CONFLICT", "a row with the same unique value already exists", nil)'
    )
    a('\t\tcase state == "23503" && method == http.MethodDelete:')
    a(
        f'\t\t\treturn http.StatusConflict, {one}Problem("CONFLICT", "other rows still refer to this one", nil)'
    )
    a('\t\tcase state == "23503":')
    a(
        f'\t\t\treturn http.StatusUnprocessableEntity, {one}Problem("VALIDATION_ERROR", "a referenced row does not exist", nil)'
    )
    a('\t\tcase state == "23502" || state == "23514":')
    a(
        f'\t\t\treturn http.StatusUnprocessableEntity, {one}Problem("VALIDATION_ERROR", "a value breaks a rule of the table", nil)'
    )
    a("\t\t}")
    a("\t}")
    a(
        f'\treturn http.StatusInternalServerError, {one}Problem("INTERNAL", "an unexpected error occurred", nil)'
    )
    a("}")
    a("")
    idt = go_type(idc, False)
    a(f"func {one}ID(raw string) ({idt}, bool) {{")
    if numeric:
        a(f"\tid, err := strconv.ParseInt(raw, 10, {idt[3:]})")
        a(f"\treturn {idt}(id), err == nil && id > 0")
    else:
        a('\treturn raw, raw != ""')
    a("}")
    a("")
    I = idioms  # noqa: E741
    ctx = I.ctx
    I = dataclasses.replace(  # noqa: E741
        I,
        query=I.query.replace("{one}", one),
        reply=I.reply.replace("{one}", one),
        no_content=I.no_content.replace("{one}", one),
    )
    notfound = lambda what: _reply(  # noqa: E731
        I,
        "http.StatusNotFound",
        f'{one}Problem("NOT_FOUND", fmt.Sprintf("{one} %v not found", {what}), nil)',
    )  # noqa: E731
    storeerr = [
        "\t\t\tstatus, problem := " + f"{one}StoreError(err, {I.method})",
        "\t\t\t" + _reply(I, "status", "problem"),
    ]
    invalid = "\t\t\t" + _reply(
        I,
        "http.StatusUnprocessableEntity",
        f'{one}Problem("VALIDATION_ERROR", "the request body is not valid", details)',
    )
    for line in I.mount:
        a(line.format(res=res, base=base, ent=ent, table=t.name))

    def route(method, path, body_lines):
        a(
            "\t"
            + I.route.format(
                method=method, Method=method.capitalize(), path=path, fn=I.handler + " {", base=base
            )
        )
        L.extend(body_lines)
        a("\t})")

    def with_id(lines):
        return [
            f"\t\tid, ok := {one}ID({I.param.format(name='id')})",
            "\t\tif !ok {",
            "\t\t\t" + notfound(I.param.format(name="id")),
            "\t\t}",
            *lines,
        ]

    if "list" in ops:
        route(
            "GET",
            "",
            [
                f"\t\tpage, err1 := strconv.Atoi({I.query.format(name='page', default='1')})",
                f"\t\tlimit, err2 := strconv.Atoi({I.query.format(name='limit', default='20')})",
                f"\t\tsort := {I.query.format(name='sort', default=idc.name)}",
                f"\t\torder := {I.query.format(name='order', default='asc')}",
                f'\t\tif err1 != nil || err2 != nil || page < 1 || limit < 1 || limit > 100 || !{lc}Sortable[sort] || (order != "asc" && order != "desc") {{',
                "\t\t\t"
                + _reply(
                    I,
                    "http.StatusBadRequest",
                    f'{one}Problem("VALIDATION_ERROR", "page >= 1, limit 1..100, a sortable column and asc|desc expected", nil)',
                ),
                "\t\t}",
                f"\t\trows, total, err := store.FindAll({ctx}, page, limit, sort, order)",
                "\t\tif err != nil {",
                *storeerr,
                "\t\t}",
                f'\t\tat := func(p int) string {{ return fmt.Sprintf("%s?page=%d&limit=%d&sort=%s&order=%s", {I.path}, p, limit, sort, order) }}',
                "\t\tvar next, prev any",
                "\t\tif int64(page*limit) < total {",
                "\t\t\tnext = at(page + 1)",
                "\t\t}",
                "\t\tif page > 1 {",
                "\t\t\tprev = at(page - 1)",
                "\t\t}",
                "\t\t"
                + _reply(
                    I,
                    "http.StatusOK",
                    'map[string]any{"data": rows, "meta": map[string]any{"page": page, "limit": limit, "total": total}, "links": map[string]any{"self": at(page), "next": next, "prev": prev}}',
                ),
            ],
        )
    if "get" in ops:
        route(
            "GET",
            I.id_path,
            with_id(
                [
                    f"\t\trow, err := store.FindByID({ctx}, id)",
                    "\t\tif err != nil {",
                    *storeerr,
                    "\t\t}",
                    "\t\tif row == nil {",
                    "\t\t\t" + notfound("id"),
                    "\t\t}",
                    "\t\t" + _reply(I, "http.StatusOK", 'map[string]any{"data": row}'),
                ]
            ),
        )
    if "create" in ops:
        route(
            "POST",
            "",
            [
                f'\t\tin, details := decode{ent}({I.body}, "create")',
                "\t\tif len(details) > 0 {",
                invalid,
                "\t\t}",
                f"\t\trow, err := store.Create({ctx}, in)",
                "\t\tif err != nil {",
                *storeerr,
                "\t\t}",
                "\t\t"
                + I.set_header.format(
                    name='"Location"',
                    value=f'fmt.Sprintf("%s/%v", strings.TrimSuffix({I.path}, "/"), row.{naming.go_field(idc.name)})',
                ),
                "\t\t" + _reply(I, "http.StatusCreated", 'map[string]any{"data": row}'),
            ],
        )
    for op, method in (("replace", "PUT"), ("update", "PATCH")):
        if op not in ops:
            continue
        route(
            method,
            I.id_path,
            with_id(
                [
                    f'\t\tin, details := decode{ent}({I.body}, "{op}")',
                    "\t\tif len(details) > 0 {",
                    invalid,
                    "\t\t}",
                    f"\t\trow, err := store.Update({ctx}, id, in)",
                    "\t\tif err != nil {",
                    *storeerr,
                    "\t\t}",
                    "\t\tif row == nil {",
                    "\t\t\t" + notfound("id"),
                    "\t\t}",
                    "\t\t" + _reply(I, "http.StatusOK", 'map[string]any{"data": row}'),
                ]
            ),
        )
    if "delete" in ops:
        route(
            "DELETE",
            I.id_path,
            with_id(
                [
                    f"\t\tdeleted, err := store.Delete({ctx}, id)",
                    "\t\tif err != nil {",
                    *storeerr,
                    "\t\t}",
                    "\t\tif !deleted {",
                    "\t\t\t" + notfound("id"),
                    "\t\t}",
                    "\t\t" + I.no_content,
                ]
            ),
        )
    a("}")
    if I.extra:
        a("")
        L.extend(line.format(one=one) for line in I.extra)
    out: list[str] = []
    for i, line in enumerate(L):
        if "\x00" not in line:
            out.append(line)
            continue
        head, tail = line.split("\x00", 1)
        out.append(head)
        last = i + 1 < len(L) and L[i + 1] == "\t})"
        if not last:
            out.append(head[: len(head) - len(head.lstrip("\t"))] + tail)
    L = out
    std = (["crypto/pbkdf2", "crypto/rand", "crypto/sha256"] if pw is not None else []) + [
        "context",
        "encoding/json",
        "errors",
        "fmt",
        "io",
        "net/http",
        "strings",
    ]
    if numeric or "list" in ops:
        std.append("strconv")
    std += [p for p in I.std if p not in std]
    imports = "\n".join(f'\t"{p}"' for p in sorted(std))
    imports += "\n\n" + "\n".join(f'\t"{p}"' for p in I.imports) if I.imports else ""
    imports += f'\n\n\t"{REPOSITORY_IMPORT}"'
    return imports, "\n".join(L) + "\n"


def repository_import(root: str) -> str:
    """The import path of the repository package REPOSITORY writes (go.mod's module, or the
    path under a GOPATH ``src``, plus its folder)."""
    from ...commands.repository import _existing_dir

    folder = _existing_dir(root, ("repository",)) or os.path.join(root, "internal", "repository")
    rel = os.path.relpath(folder, root).replace(os.sep, "/")
    module = None
    try:
        with open(os.path.join(root, "go.mod"), encoding="utf-8") as fh:
            m = re.search(r"^module\s+(\S+)", fh.read(), re.M)
            module = m.group(1) if m else None
    except OSError:
        pass
    if module is None:
        parts = os.path.abspath(root).split(os.sep)
        module = (
            "/".join(parts[len(parts) - parts[::-1].index("src") :])
            if "src" in parts
            else os.path.basename(root)
        )
    return f"{module}/{rel}"


def place(text: str, root: str) -> str:
    return text.replace(REPOSITORY_IMPORT, repository_import(root))


def jwt_import(path: str) -> str:
    """golang-jwt's import path in the major version the module already requires (v5 when none)."""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        try:
            with open(os.path.join(folder, "go.mod"), encoding="utf-8") as fh:
                m = re.search(r"github\.com/golang-jwt/jwt/v(\d+)", fh.read())
            return f"github.com/golang-jwt/jwt/v{m.group(1) if m else 5}"
        except OSError:
            parent = os.path.dirname(folder)
            if parent == folder:
                return "github.com/golang-jwt/jwt/v5"
            folder = parent
