"""Django migrations: ``operations = [...]`` read as the SQL Django runs.

AddIndex, RemoveIndex, AddField, AlterField, RenameField, RemoveField,
RenameModel, DeleteModel, AddConstraint and CreateModel become statements of a
synthetic region (so the MIGRATION rules report them with their usual codes);
the SQL of ``RunSQL`` becomes a region of its own. The fix for a plain AddIndex
(MG001) is ``AddIndexConcurrently`` plus ``atomic = False`` on the migration.
"""

from __future__ import annotations


import bisect
import os
import re

from ..core import languages
from ..core.bounded import MB, ByteLRU
from ..core.files import list_dir, still_generation
from ..core.findings import Applicability, Edit, Fix
from ..core.regions import Region
from .pyast import arg, call_args, call_name, literal, str_arg, str_list, text
from .strings import is_string, literal_text
from .synthetic import Operation, build_region, created_by_sql, quote_name, string_fix_hook

CONCURRENT_IMPORT = "from django.contrib.postgres.operations import AddIndexConcurrently"

FIELD_TYPES = {
    "TextField": "text",
    "IntegerField": "integer",
    "BigIntegerField": "bigint",
    "SmallIntegerField": "smallint",
    "PositiveIntegerField": "integer",
    "PositiveBigIntegerField": "bigint",
    "PositiveSmallIntegerField": "smallint",
    "BooleanField": "boolean",
    "NullBooleanField": "boolean",
    "DateTimeField": "timestamptz",
    "DateField": "date",
    "TimeField": "time",
    "DurationField": "interval",
    "UUIDField": "uuid",
    "JSONField": "jsonb",
    "FloatField": "double precision",
    "BinaryField": "bytea",
    "GenericIPAddressField": "inet",
    "AutoField": "serial",
    "BigAutoField": "bigserial",
    "SmallAutoField": "smallserial",
    "ArrayField": "text[]",
}
VARCHAR_FIELDS = {
    "CharField": 255,
    "EmailField": 254,
    "SlugField": 50,
    "URLField": 200,
    "FilePathField": 100,
    "FileField": 100,
    "ImageField": 100,
}
FK_FIELDS = {"ForeignKey", "OneToOneField"}


def looks_like_django(path: str, text_: str) -> bool:
    p = path.replace("\\", "/")
    return (
        "/migrations/" in p
        and "operations" in text_
        and "Migration" in text_
        and "migrations" in text_
    )


def _app_label(path: str) -> str:
    parts = path.replace("\\", "/").split("/")
    if "migrations" in parts:
        i = len(parts) - 1 - parts[::-1].index("migrations")
        if i > 0:
            return parts[i - 1]
    return "app"


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


class DjangoMigration:
    def __init__(self, document):
        self.doc = document
        self.data = document.data
        self.tree = languages.parse(self.data, "python")
        self.app = _app_label(document.path)
        self.klass = None
        self.body = None
        self.atomic = True
        self.atomic_node = None
        self.ops_list = None
        self.fresh = False
        self._state: dict | None = None
        self._tracked: list = []  # operations tracked before the state was read
        self._find_class()

    def _find_class(self):
        for child in self.tree.root_node.named_children:
            node = child
            if child.type == "decorated_definition":
                node = child.child_by_field_name("definition") or child
            if node.type != "class_definition":
                continue
            name = node.child_by_field_name("name")
            supers = node.child_by_field_name("superclasses")
            if name is None or text(name, self.data) != "Migration":
                continue
            if supers is not None and "Migration" not in text(supers, self.data):
                continue
            self.klass = node
            self.body = node.child_by_field_name("body")
            for stmt in self.body.named_children if self.body else []:
                if stmt.type != "expression_statement" or not stmt.named_children:
                    continue
                a = stmt.named_children[0]
                if a.type != "assignment":
                    continue
                left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
                if left is None or right is None:
                    continue
                key = text(left, self.data)
                if key in ("initial", "replaces") and literal(right, self.data) not in (
                    False,
                    None,
                    "[]",
                ):
                    self.fresh = (
                        True  # initial or squashed: runs on a database without these tables
                    )
                if key == "atomic":
                    self.atomic = literal(right, self.data) is not False
                    self.atomic_node = right
                elif key == "operations" and right.type == "list":
                    self.ops_list = right
            return

    @property
    def state(self) -> dict:
        """The app's model fields as the earlier migrations and this file's operations so far
        leave them: the earlier migrations are read only when an operation asks
        (AlterField), most migrations never do."""
        if self._state is None:
            self._state = app_state(self.doc.path)
            for call, name in self._tracked:
                self.track(call, name, self._state)
            self._tracked = []
        return self._state

    def table(self, model: str | None) -> str:
        return f"{self.app}_{(model or '__tmpl__').lower()}"

    # -- regions ------------------------------------------------------------

    def regions(self) -> list[Region]:
        if self.ops_list is None:
            return []
        ops: list[Operation] = []
        sql_regions: list[Region] = []
        created: set[str] = set()
        own: dict = {}  # the field changes of this file alone (what a later migration reads)
        for call in self._operation_calls(self.ops_list):
            name = _short(call_name(call, self.data))
            if name == "RunSQL":
                sql_regions.extend(self._run_sql(call, created))
                continue
            op = self._operation(name, call)
            self.track(call, name, own)
            if self._state is None:
                self._tracked.append((call, name))
            else:
                self.track(call, name, self._state)
            if op is None:
                continue
            op.label = name
            if name == "CreateModel":
                created.add(self.table(str_arg(call, self.data, 0, "name")).lower())
            ops.append(op)
        out = []
        region = build_region(
            ops,
            kind="django",
            in_transaction=self.atomic,
            host_start=self.ops_list.start_byte,
            host_end=self.ops_list.end_byte,
            meta={"all_tables_new": self.fresh},
        )
        if region is not None:
            out.append(region)
        _remember_state(self.doc, own)
        return out + sql_regions

    def _operation_calls(self, list_node):
        for el in list_node.named_children:
            if el.type != "call":
                continue
            name = _short(call_name(el, self.data))
            if name == "SeparateDatabaseAndState":
                inner = arg(el, self.data, 0, "database_operations")
                if inner is not None and inner.type == "list":
                    yield from self._operation_calls(inner)
                continue
            yield el

    def _run_sql(self, call, created) -> list[Region]:
        node = arg(call, self.data, 0, "sql")
        if node is None:
            return []
        nodes = (
            [node]
            if is_string(node)
            else [c for c in node.named_children if is_string(c)]
            if node.type in ("list", "tuple")
            else []
        )
        out = []
        for n in nodes:
            got = literal_text(n, self.data)
            if got is None:
                continue
            sql, omap, quote = got
            before = set(created)
            created.update(created_by_sql(sql))
            out.append(
                Region(
                    sql,
                    omap,
                    kind="django.RunSQL",
                    host_start=n.start_byte,
                    host_end=n.end_byte,
                    meta={
                        "migration": True,
                        "in_transaction": self.atomic,
                        "created_tables": before,
                        "all_tables_new": self.fresh,
                        "fix_hook": string_fix_hook(quote, (n.start_byte, n.end_byte)),
                        # Django runs each RunSQL string as one query; atomic = False takes the
                        # migration out of its transaction (the only way CONCURRENTLY can run)
                        "opt_out": (
                            tuple(self._atomic_off()),
                            "atomic = False",
                            self._n_ops() == 1 and len(nodes) == 1,
                        )
                        if self.atomic
                        else None,
                    },
                )
            )
        return out

    def _operation(self, name: str, call) -> Operation | None:
        d = self.data
        fn = call.child_by_field_name("function")
        span = (fn.start_byte, fn.end_byte)
        model = str_arg(call, d, 0, "model_name")
        table = quote_name(self.table(model))
        if name in ("AddIndex", "AddIndexConcurrently"):
            index = arg(call, d, 1, "index")
            cols, idx_name, unique = self._index(index)
            conc = " CONCURRENTLY" if name == "AddIndexConcurrently" else ""
            sql = f"CREATE {'UNIQUE ' if unique else ''}INDEX{conc} {quote_name(idx_name)} ON {table} ({cols})"
            op = Operation(sql, *span)
            if not conc:
                op.fixes["MG001"] = lambda c=call: self._concurrent_fix(c, "AddIndexConcurrently")
            return op
        if name in ("RemoveIndex", "RemoveIndexConcurrently"):
            conc = " CONCURRENTLY" if name == "RemoveIndexConcurrently" else ""
            op = Operation(
                f"DROP INDEX{conc} {quote_name(str_arg(call, d, 1, 'name') or '')}", *span
            )
            if not conc:
                op.fixes["MG001"] = lambda c=call: self._concurrent_fix(
                    c, "RemoveIndexConcurrently"
                )
            return op
        if name == "AddField":
            field = arg(call, d, 2, "field")
            if (
                field is not None
                and field.type == "call"
                and _short(call_name(field, d)) == "ManyToManyField"
            ):
                return None  # a join table of its own: no column on this table
            col = str_arg(call, d, 1, "name") or "__tmpl__"
            return Operation(self._add_field_sql(table, col, field), *span)
        if name == "AlterField":
            # Django emits AlterField for any change (help_text too): compare with the field as
            # the app's earlier migrations left it; unknown -> nothing to say
            field = arg(call, d, 2, "field")
            fname = str_arg(call, d, 1, "name") or "__tmpl__"
            ftype, null, _ = self._field(field)
            old = self.state.get(((model or "").lower(), fname))
            if ftype is None or old is None:
                return None
            col = fname + (
                "_id" if field is not None and _short(call_name(field, d)) in FK_FIELDS else ""
            )
            stmts = []
            if old[0] != ftype:
                stmts.append(f"ALTER TABLE {table} ALTER COLUMN {quote_name(col)} TYPE {ftype}")
            if old[1] and not null:
                stmts.append(f"ALTER TABLE {table} ALTER COLUMN {quote_name(col)} SET NOT NULL")
            return Operation(";\n".join(stmts), *span) if stmts else None
        if name == "RenameField":
            old, new = str_arg(call, d, 1, "old_name"), str_arg(call, d, 2, "new_name")
            return Operation(
                f"ALTER TABLE {table} RENAME COLUMN {quote_name(old or '')} TO {quote_name(new or '')}",
                *span,
            )
        if name == "RemoveField":
            dropped = str_arg(call, d, 1, "name")
            return Operation(f"ALTER TABLE {table} DROP COLUMN {quote_name(dropped or '')}", *span)
        if name == "RenameModel":
            old, new = str_arg(call, d, 0, "old_name"), str_arg(call, d, 1, "new_name")
            return Operation(
                f"ALTER TABLE {quote_name(self.table(old))} RENAME TO {quote_name(self.table(new))}",
                *span,
            )
        if name == "DeleteModel":
            return Operation(
                f"DROP TABLE {quote_name(self.table(str_arg(call, d, 0, 'name')))}", *span
            )
        if name == "CreateModel":
            # every table Django creates has a primary key: a field with primary_key=True, else the implicit id
            return Operation(
                f"CREATE TABLE {quote_name(self.table(str_arg(call, d, 0, 'name')))} (id bigint PRIMARY KEY)",
                *span,
            )
        if name == "AddConstraint":
            con = arg(call, d, 1, "constraint")
            if con is None or con.type != "call":
                return None
            kind = _short(call_name(con, d))
            cname = quote_name(str_arg(con, d, 99, "name") or "__tmpl__")
            if kind == "UniqueConstraint":
                cols = (
                    ", ".join(quote_name(c) for c in str_list(arg(con, d, 99, "fields"), d))
                    or "__tmpl__"
                )
                _, kw = call_args(con, d)
                if (
                    "condition" in kw
                    or "expressions" in kw
                    or not str_list(arg(con, d, 99, "fields"), d)
                ):
                    # a partial or expression unique constraint is a unique index
                    return Operation(f"CREATE UNIQUE INDEX {cname} ON {table} ({cols})", *span)
                return Operation(
                    f"ALTER TABLE {table} ADD CONSTRAINT {cname} UNIQUE ({cols})", *span
                )
            if kind == "CheckConstraint":
                return Operation(
                    f"ALTER TABLE {table} ADD CONSTRAINT {cname} CHECK (__tmpl__)", *span
                )
            return None
        return None

    def _index(self, index):
        d = self.data
        if index is None or index.type != "call":
            return "__tmpl__", None, False
        fields = [f.lstrip("-") for f in str_list(arg(index, d, 99, "fields"), d)]
        cols = ", ".join(quote_name(f) for f in fields) or "__tmpl__"
        unique = _short(call_name(index, d)) == "UniqueConstraint"
        return cols, str_arg(index, d, 99, "name"), unique

    def _field(self, field):
        """(SQL type, null, has_default) of a models.XField(...) call."""
        d = self.data
        if field is None or field.type != "call":
            return None, True, False
        kind = _short(call_name(field, d))
        _, kw = call_args(field, d)
        null = literal(kw.get("null"), d) is True
        has_default = (
            "default" in kw and literal(kw["default"], d) is not None or "db_default" in kw
        )
        # Django's effective default: '' for blank string fields, now() for auto_now(_add)
        stringy = (
            kind in VARCHAR_FIELDS
            or kind == "TextField"
            or kind not in FIELD_TYPES
            and "max_length" in kw
        )
        if literal(kw.get("blank"), d) is True and stringy:
            has_default = True
        if literal(kw.get("auto_now"), d) is True or literal(kw.get("auto_now_add"), d) is True:
            has_default = True
        if kind in VARCHAR_FIELDS:
            n = literal(kw.get("max_length"), d)
            ftype = f"varchar({n if isinstance(n, int) else VARCHAR_FIELDS[kind]})"
        elif kind == "DecimalField":
            p, s = literal(kw.get("max_digits"), d), literal(kw.get("decimal_places"), d)
            ftype = f"numeric({p}, {s})" if isinstance(p, int) and isinstance(s, int) else "numeric"
        elif kind in FK_FIELDS:
            ftype = "bigint"
        elif kind not in FIELD_TYPES and "max_length" in kw:  # a custom CharField subclass
            n = literal(kw.get("max_length"), d)
            ftype = f"varchar({n})" if isinstance(n, int) else "varchar"
        else:
            ftype = FIELD_TYPES.get(kind, "text")
        return ftype, null, has_default

    def _add_field_sql(self, table: str, col: str, field) -> str:
        d = self.data
        ftype, null, has_default = self._field(field)
        kind = _short(call_name(field, d)) if field is not None and field.type == "call" else ""
        _, kw = call_args(field, d) if field is not None and field.type == "call" else ([], {})
        if kind in FK_FIELDS:
            col += "_id"
        parts = [f"ALTER TABLE {table} ADD COLUMN {quote_name(col)} {ftype or 'text'}"]
        if has_default:
            parts[0] += (
                " DEFAULT 0"
                if ftype not in ("text",) and not ftype.startswith("varchar")
                else " DEFAULT ''"
            )
        if not null:
            parts[0] += " NOT NULL"
        sql = parts[0]
        short = table.strip('"')
        if literal(kw.get("unique"), d) is True or kind == "OneToOneField":
            sql += f";\nALTER TABLE {table} ADD CONSTRAINT {quote_name(short + '_' + col + '_key')} UNIQUE ({quote_name(col)})"
        if kind in FK_FIELDS:
            sql += (
                f";\nALTER TABLE {table} ADD CONSTRAINT {quote_name(short + '_' + col + '_fk')} FOREIGN KEY "
                f"({quote_name(col)}) REFERENCES __tmpl__ (id) DEFERRABLE INITIALLY DEFERRED"
            )
            if literal(kw.get("db_index"), d) is not False and kind != "OneToOneField":
                sql += f";\nCREATE INDEX {quote_name(short + '_' + col + '_idx')} ON {table} ({quote_name(col)})"
        elif literal(kw.get("db_index"), d) is True:
            sql += f";\nCREATE INDEX {quote_name(short + '_' + col + '_idx')} ON {table} ({quote_name(col)})"
        return sql

    # -- state of the app's models (from its migrations) ----------------------

    def track(self, call, name: str, *states: dict) -> None:
        """Apply the field change of operation ``call`` to each of ``states`` (the arguments
        are read once for all of them)."""
        d = self.data
        if name == "CreateModel":
            model = (str_arg(call, d, 0, "name") or "").lower()
            fields = arg(call, d, 1, "fields")
            for item in (
                fields.named_children if fields is not None and fields.type == "list" else []
            ):
                if item.type == "tuple" and len(item.named_children) >= 2:
                    fname = literal(item.named_children[0], d)
                    ftype, null, _ = self._field(item.named_children[1])
                    if isinstance(fname, str) and ftype:
                        for state in states:
                            state[(model, fname)] = (ftype, null)
        elif name in ("AddField", "AlterField"):
            model = (str_arg(call, d, 0, "model_name") or "").lower()
            fname = str_arg(call, d, 1, "name")
            ftype, null, _ = self._field(arg(call, d, 2, "field"))
            if fname and ftype:
                for state in states:
                    state[(model, fname)] = (ftype, null)
        elif name == "RemoveField":
            key = ((str_arg(call, d, 0, "model_name") or "").lower(), str_arg(call, d, 1, "name"))
            for state in states:
                state.pop(key, None)
        elif name == "RenameField":
            model = (str_arg(call, d, 0, "model_name") or "").lower()
            old_key = (model, str_arg(call, d, 1, "old_name"))
            new_key = (model, str_arg(call, d, 2, "new_name"))
            for state in states:
                old = state.pop(old_key, None)
                if old:
                    state[new_key] = old

    # -- fixes ---------------------------------------------------------------

    def _concurrent_fix(self, call, new_name: str) -> Fix:
        d = self.data
        fn = call.child_by_field_name("function")
        edits = [Edit(fn.start_byte, fn.end_byte, new_name)]
        src = d.decode("utf-8", "surrogatepass")
        import_line = CONCURRENT_IMPORT.replace("AddIndexConcurrently", new_name)
        if not re.search(
            rf"^\s*from django\.contrib\.postgres\.operations import .*\b{new_name}\b", src, re.M
        ):
            existing = re.search(
                r"^from django\.contrib\.postgres\.operations import ([^\n(]+)$", src, re.M
            )
            if existing:
                pos = len(src[: existing.end()].encode())
                edits.append(Edit(pos, pos, f", {new_name}"))
            else:
                pos = self._import_insert_point()
                edits.append(Edit(pos, pos, import_line + "\n"))
        edits += self._atomic_off()
        n_ops = self._n_ops()
        safety = Applicability.SAFE if n_ops == 1 else Applicability.UNSAFE
        title = f"use {new_name} and atomic = False" + (
            "" if n_ops == 1 else " (the other operations lose atomicity)"
        )
        return Fix(title, tuple(edits), safety)

    def _n_ops(self) -> int:
        return (
            len([c for c in self.ops_list.named_children if c.type == "call"])
            if self.ops_list
            else 0
        )

    def _atomic_off(self) -> list[Edit]:
        """The edits that make Django run this migration outside a transaction (``atomic = False``)."""
        d = self.data
        if not self.atomic:
            return []
        if self.atomic_node is not None:
            return [Edit(self.atomic_node.start_byte, self.atomic_node.end_byte, "False")]
        if self.body is None:
            return []
        first = self.body.named_children[0] if self.body.named_children else None
        line_start = (
            d.rfind(b"\n", 0, first.start_byte) + 1 if first is not None else self.body.start_byte
        )
        indent = d[line_start : first.start_byte].decode() if first is not None else "    "
        return [Edit(line_start, line_start, f"{indent}atomic = False\n\n")]

    def _import_insert_point(self) -> int:
        last = None
        for node in self.tree.root_node.named_children:
            if node.type in (
                "import_statement",
                "import_from_statement",
                "future_import_statement",
            ):
                last = node
            elif (
                node.type in ("expression_statement",)
                and last is None
                and node.named_children
                and node.named_children[0].type == "string"
            ):
                continue  # module docstring
            elif last is not None:
                break
        if last is None:
            return 0
        end = self.data.find(b"\n", last.end_byte)
        return len(self.data) if end == -1 else end + 1


_STATE_CACHE = ByteLRU(4 * MB, "django migration states")  # path -> (mtime, field changes)


def _file_state(path: str, mtime: int | None) -> dict:
    """Field changes one migration file makes: {(model, field): (type, null)} (cached by the
    file's modification time ``mtime``, in ns; None: the file cannot be read)."""
    if mtime is None:
        return {}
    hit = _STATE_CACHE.get(path)
    if hit and hit[0] == mtime:
        return hit[1]
    from ..core.document import Document

    try:
        with open(path, encoding="utf-8") as fh:
            doc = Document(fh.read(), path=path)
    except (OSError, UnicodeDecodeError):
        return {}
    try:
        mig = DjangoMigration(doc)
    except languages.ParseRefused:  # over the parsing limits: its changes are unknown
        return {}
    changes: dict = {}
    if mig.ops_list is not None:
        for call in mig._operation_calls(mig.ops_list):
            mig.track(call, _short(call_name(call, mig.data)), changes)
    _put_state(path, mtime, changes)
    return changes


def _put_state(path: str, mtime: int, changes: dict) -> None:
    _STATE_CACHE.put(path, (mtime, changes), 2 * len(path) + 200 + 200 * len(changes))


def _remember_state(doc, changes: dict) -> None:
    """Keep the field changes of a migration just analysed for the later migrations of its
    folder (they read them through :func:`app_state`), when the analysed text is the file's
    content on disk (an editor's unsaved text is not): the file is not parsed again."""
    if not doc.path or doc.path.startswith("<"):
        return
    path = os.path.abspath(doc.path)
    try:
        mtime = os.stat(path).st_mtime_ns
        with open(path, "rb") as fh:
            same = fh.read() == doc.data
    except OSError:
        return
    if same:
        _put_state(path, mtime, changes)


# folder -> ((name, mtime) of the migrations read, the state they leave, the generation of
# the still block they were read in, the folder's migration names then): the migrations of a folder are checked in name order,
# so each one's state is the previous one's plus the migrations between them (no file read
# again), as long as none of those changed
_FOLDER_STATES: dict[str, tuple[tuple[tuple[str, int | None], ...], dict, int, list[str]]] = {}
# folder -> (its listing, the migration files in it): the listing is kept by list_dir, so the
# same tuple comes back while the folder is unchanged
_MIGRATION_NAMES: dict[str, tuple[tuple[str, ...], list[str]]] = {}


def _migration_names(folder: str, names: tuple[str, ...]) -> list[str]:
    known = _MIGRATION_NAMES.get(folder)
    if known is not None and known[0] is names:
        return known[1]
    found = [sib for sib in names if sib.endswith(".py") and sib[:1].isdigit()]
    if len(_MIGRATION_NAMES) > 256 and folder not in _MIGRATION_NAMES:
        _MIGRATION_NAMES.clear()
    _MIGRATION_NAMES[folder] = (names, found)
    return found


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def app_state(path: str) -> dict:
    """Model fields as the migrations before ``path`` in its folder leave them (by file name order).

    Each earlier migration's time stamp is asked for on every call, so an edited one is read
    again; within one still block (:func:`backend_architect.core.files.held_still`, a check
    that writes nothing) the time stamps learnt by the previous call of the folder hold."""
    folder, name = os.path.split(os.path.abspath(path))
    try:
        names = list_dir(folder)
    except OSError:
        return {}
    migrations = _migration_names(folder, names)
    earlier = migrations[: bisect.bisect_left(migrations, name)]
    known = _FOLDER_STATES.get(folder)
    generation = still_generation()
    read: list[tuple[str, int | None]] = []
    state: dict = {}
    done = 0
    if known is not None and len(known[0]) <= len(earlier):
        if generation and known[2] == generation:
            # the time stamps read in this block still hold: only the names are compared
            if known[3] is migrations or all(
                k[0] == sib for k, sib in zip(known[0], earlier, strict=False)
            ):
                read = list(known[0])
        else:
            prefix = [(sib, _mtime(os.path.join(folder, sib))) for sib in earlier[: len(known[0])]]
            if tuple(prefix) == known[0]:
                read = prefix
        if read:
            state, done = dict(known[1]), len(read)
    for sib in earlier[done:]:
        mtime = _mtime(os.path.join(folder, sib))
        read.append((sib, mtime))
        state.update(_file_state(os.path.join(folder, sib), mtime))
    if len(_FOLDER_STATES) > 256 and folder not in _FOLDER_STATES:
        _FOLDER_STATES.clear()
    _FOLDER_STATES[folder] = (tuple(read), dict(state), generation, migrations)
    return state


def django_regions(ctx) -> list[Region]:
    doc = ctx.document
    if not looks_like_django(doc.path, doc.text):
        return []
    return DjangoMigration(doc).regions()
