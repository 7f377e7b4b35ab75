"""Rules, discovered from ``backend_architect.rules``: one rule per file.

A rule is a class deriving from :class:`Rule`. Every fact about it lives in
that class: its code, name, command, languages, severity, message, fix title,
fix safety and its documentation (the docstring). Nothing else in the code base
needs to learn a rule's name.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import textwrap
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, NamedTuple
from collections.abc import Callable, Iterable, Iterator

from .findings import Applicability, Finding, Severity

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Context, SqlContext
    from .sql import Statement

COMMANDS = (
    "QUERY_OPTIMIZE",
    "INDEX_STRATEGY",
    "MIGRATION",
    "SCHEMA_DESIGN",
    "INPUT_VALIDATION",
    "AUTH_SYSTEM",
    "AUTHZ_DESIGN",
    "RATE_LIMITING",
    "CONNECTION_POOL",
    "DESIGN_API",
    "ENDPOINT",
    "SERVICE",
    "REPOSITORY",
    "MIDDLEWARE",
    "MICROSERVICE",
    "EVENT_SYSTEM",
)

# Code prefixes per command; a rule's code is its prefix and three digits.
PREFIXES = {
    "QUERY_OPTIMIZE": "QO",
    "INDEX_STRATEGY": "IX",
    "MIGRATION": "MG",
    "SCHEMA_DESIGN": "SD",
    "INPUT_VALIDATION": "IV",
    "AUTH_SYSTEM": "AU",
    "AUTHZ_DESIGN": "AZ",
    "RATE_LIMITING": "RL",
    "CONNECTION_POOL": "CP",
    "DESIGN_API": "API",
    "ENDPOINT": "EP",
    "SERVICE": "SV",
    "REPOSITORY": "RP",
    "MIDDLEWARE": "MW",
    "MICROSERVICE": "MS",
    "EVENT_SYSTEM": "EV",
    "GENERAL": "BA",
}

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
DOCS_URL = "https://github.com/backend-architect/backend-architect/blob/main/docs/rules.md#{anchor}"

SQL_LANGUAGES = ("sql", "python", "javascript", "typescript", "tsx", "go", "rust")


class Rule:
    """Base class of every rule.

    A SQL rule sets ``statement_kinds`` (libpg_query node names such as
    ``"IndexStmt"``) and implements :meth:`check_statement`, or implements
    :meth:`check_region` to see every statement of a region at once. A rule on
    application code implements :meth:`check_document`.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    command: ClassVar[str]
    languages: ClassVar[tuple[str, ...]] = SQL_LANGUAGES
    severity: ClassVar[Severity] = Severity.WARNING
    message: ClassVar[str]
    fix_title: ClassVar[str | None] = None
    fix_safety: ClassVar[Applicability] = Applicability.SAFE
    statement_kinds: ClassVar[tuple[str, ...] | None] = ()
    # SQL rules run on every SQL region unless limited; "migration" limits a
    # rule to SQL files and migration operations (not queries in app code).
    sql_scope: ClassVar[str] = "any"
    # needs_catalog: the rule only runs with the workspace's schema; reads_schema: it runs
    # without one but says more (or less) with it. Either makes `check` read the schema.
    needs_catalog: ClassVar[bool] = False
    reads_schema: ClassVar[bool] = False
    # False for a rule too noisy on real code to run unless a project asks for it by
    # its code (``select``/``extend-select``); its docstring says why.
    default_enabled: ClassVar[bool] = True
    # The SQL dialects the rule's advice holds for (None: every dialect) and those its
    # fix is written in. A rule group's package sets the group's default (``DIALECTS``,
    # ``FIX_DIALECTS`` in its __init__.py); a rule that differs sets the attribute itself.
    # A file of another dialect gets neither the finding nor the fix.
    dialects: ClassVar[tuple[str, ...] | None] = None
    fix_dialects: ClassVar[tuple[str, ...] | None] = None

    # -- hooks --------------------------------------------------------------

    def check_statement(self, stmt: Statement, ctx: SqlContext) -> Iterable[Finding]:
        return ()

    def check_region(self, ctx: SqlContext) -> Iterable[Finding]:
        return ()

    def check_document(self, ctx: Context) -> Iterable[Finding]:
        return ()

    # -- helpers for rule authors -----------------------------------------------

    def finding(self, start: int, end: int, message: str | None = None, fix=None, **fmt) -> Finding:
        text = message if message is not None else self.message
        if fmt:
            text = text.format(**fmt)
        return Finding(self.code, text, start, end, fix)

    def fix(
        self, edits, title: str | None = None, safety: Applicability | None = None, new_files=()
    ):
        from .findings import Fix

        return Fix(
            title=title or self.fix_title or "apply the fix",
            edits=tuple(edits),
            applicability=safety or self.fix_safety,
            new_files=tuple(new_files),
        )

    # -- documentation ----------------------------------------------------------

    @classmethod
    def doc(cls) -> str:
        return textwrap.dedent(cls.__doc__ or "").strip()

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        sections: dict[str, str] = {}
        current = None
        for line in cls.doc().splitlines():
            m = re.match(r"^##\s+(.*?)\s*$", line)
            if m:
                current = m.group(1)
                sections[current] = ""
            elif current is not None:
                sections[current] += line + "\n"
        return {k: v.strip() for k, v in sections.items()}

    @classmethod
    def summary(cls) -> str:
        what = cls.doc_sections().get("What it does", "")
        return what.split("\n\n")[0].replace("\n", " ").strip()

    @classmethod
    def doc_url(cls) -> str:
        return DOCS_URL.format(anchor=f"{cls.code.lower()}-{cls.name}")

    @classmethod
    def markdown(cls) -> str:
        """The rule's documentation as Markdown (hover and `rule CODE`)."""
        head = f"### {cls.code} {cls.name} ({cls.command})\n\n"
        body = cls.doc()
        tail = ""
        if cls.fix_title:
            tail = f"\n\n## Fix\n\n{cls.fix_title} ({cls.fix_safety.value})."
        return head + body + tail


def _iter_rule_modules() -> Iterator[str]:
    from .. import rules

    for info in pkgutil.walk_packages(rules.__path__, rules.__name__ + "."):
        if not info.ispkg and info.name != INDEX_MODULE:
            yield info.name


class RegistryError(Exception):
    pass


LOCAL_RULES_ENV = "BACKEND_ARCHITECT_LOCAL_RULES"


def _local_rule_modules() -> Iterator:
    """Project-specific rules: Python files listed in $BACKEND_ARCHITECT_LOCAL_RULES."""
    import importlib.util
    import os

    for i, path in enumerate(p for p in os.environ.get(LOCAL_RULES_ENV, "").split(os.pathsep) if p):
        name = f"backend_architect_local_rules_{i}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise RegistryError(f"cannot load local rules from {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield name, module


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by code. Raises RegistryError on a duplicate code."""
    found: dict[str, type[Rule]] = {}
    modules = [(m, importlib.import_module(m)) for m in _iter_rule_modules()]
    for modname, module in modules + list(_local_rule_modules()):
        for obj in _rule_classes(modname, module):
            if obj.code in found and found[obj.code] is not obj:
                raise RegistryError(
                    f"duplicate rule code {obj.code}: {found[obj.code].__module__} and {modname}"
                )
            found[obj.code] = obj
    for rule in found.values():
        _apply_group_defaults(rule)
    return tuple(found[c] for c in sorted(found))


def _rule_classes(modname: str, module) -> Iterator[type[Rule]]:
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if obj is Rule or not issubclass(obj, Rule) or obj.__module__ != modname:
            continue
        if getattr(obj, "code", None):
            yield obj


def _apply_group_defaults(rule: type[Rule]) -> None:
    """A rule that does not set ``dialects`` / ``fix_dialects`` takes its group's (once)."""
    if rule.__dict__.get("_group_defaults_applied"):
        return
    rule._group_defaults_applied = True  # type: ignore[attr-defined]
    package = (
        importlib.import_module(rule.__module__.rsplit(".", 1)[0])
        if "." in rule.__module__
        else None
    )
    own = {k for klass in rule.__mro__ if klass is not Rule for k in vars(klass)}
    for attr, default_name in (("dialects", "DIALECTS"), ("fix_dialects", "FIX_DIALECTS")):
        if attr not in own and package is not None and hasattr(package, default_name):
            setattr(rule, attr, getattr(package, default_name))
    if "fix_dialects" not in own and rule.fix_dialects is None and rule.dialects is not None:
        rule.fix_dialects = rule.dialects


def rule_by_code(code: str) -> type[Rule] | None:
    """The rule with this code (or kebab-case name), None when there is none. Imports that
    rule's module alone."""
    for key in (code, code.upper(), code.lower()):
        info = _infos_by_key().get(key)
        if info is not None:
            return load(info)
    local = _local_index()
    return local.get(code) or local.get(code.upper()) or local.get(code.lower())


# -- the rule index ----------------------------------------------------------------------
#
# What a run needs to know about the rules before it runs any (which apply to a language
# and a dialect, which are on by default, which read the schema, the `rules` listing)
# comes from ``rules/_index.py``, generated from the rule classes (``make rules-table``;
# ``tests/test_rule_index.py`` fails when it is stale). A rule's module, with its regular
# expressions and the parsers it uses, is imported only when a file needs the rule.

INDEX_MODULE = "backend_architect.rules._index"
INDEX_FIELDS = (
    "code",
    "name",
    "command",
    "module",
    "cls",
    "languages",
    "dialects",
    "fix_dialects",
    "default_enabled",
    "needs_catalog",
    "reads_schema",
    "severity",
    "fix_title",
    "fix_safety",
    "summary",
)


class RuleInfo(NamedTuple):
    """A rule's facts from the index, without importing it (see :func:`load`)."""

    code: str
    name: str
    command: str
    module: str
    cls: str
    languages: tuple[str, ...]
    dialects: tuple[str, ...] | None
    fix_dialects: tuple[str, ...] | None
    default_enabled: bool
    needs_catalog: bool
    reads_schema: bool
    severity: str
    fix_title: str | None
    fix_safety: str
    summary: str


def info_of(rule: type[Rule]) -> RuleInfo:
    """The index entry of an imported rule class."""
    return RuleInfo(
        code=rule.code,
        name=rule.name,
        command=rule.command,
        module=rule.__module__,
        cls=rule.__qualname__,
        languages=tuple(rule.languages),
        dialects=tuple(rule.dialects) if rule.dialects is not None else None,
        fix_dialects=tuple(rule.fix_dialects) if rule.fix_dialects is not None else None,
        default_enabled=bool(rule.default_enabled),
        needs_catalog=bool(rule.needs_catalog),
        reads_schema=bool(rule.reads_schema),
        severity=rule.severity.value,
        fix_title=rule.fix_title,
        fix_safety=rule.fix_safety.value,
        summary=rule.summary(),
    )


def render_index(rules: Iterable[type[Rule]] | None = None) -> str:
    """The text of ``rules/_index.py`` for the rule classes (default: every packaged rule)."""
    if rules is None:
        rules = [r for r in all_rules() if not r.__module__.startswith("backend_architect_local")]
    lines = [
        '"""The rule index: generated from the rule classes by `make rules-table`; do not edit.',
        "",
        "One tuple per rule, fields as ``core.registry.INDEX_FIELDS``.",
        '"""',
        "",
        "# fmt: off",
        "RULES = (",
    ]
    for rule in rules:
        lines.append(f"    {tuple(info_of(rule))!r},")
    lines += [")", ""]
    return "\n".join(lines)


@lru_cache(maxsize=1)
def rule_infos() -> tuple[RuleInfo, ...]:
    """Every packaged rule's index entry, sorted by code (project-specific rules from
    $BACKEND_ARCHITECT_LOCAL_RULES are added as imported classes: :func:`local_rules`)."""
    module = importlib.import_module(INDEX_MODULE)
    return tuple(sorted((RuleInfo(*row) for row in module.RULES), key=lambda i: i.code))


@lru_cache(maxsize=1)
def _infos_by_key() -> dict[str, RuleInfo]:
    index: dict[str, RuleInfo] = {}
    for info in rule_infos():
        index[info.code] = info
        index[info.name] = info
    return index


def load(info: RuleInfo) -> type[Rule]:
    """The rule class of an index entry (its module is imported the first time)."""
    rule = _loaded.get(info.code)
    if rule is None:
        rule = getattr(importlib.import_module(info.module), info.cls)
        _apply_group_defaults(rule)
        _loaded[info.code] = rule
    return rule


_loaded: dict[str, type[Rule]] = {}


@lru_cache(maxsize=1)
def local_rules() -> tuple[type[Rule], ...]:
    """Project-specific rules ($BACKEND_ARCHITECT_LOCAL_RULES), sorted by code; none unless set."""
    import os

    if not os.environ.get(LOCAL_RULES_ENV):
        return ()
    packaged = {i.code for i in rule_infos()}
    found: dict[str, type[Rule]] = {}
    for modname, module in _local_rule_modules():
        for rule in _rule_classes(modname, module):
            if rule.code in packaged or rule.code in found:
                raise RegistryError(f"duplicate rule code {rule.code}: {modname}")
            found[rule.code] = rule
    return tuple(found[c] for c in sorted(found))


@lru_cache(maxsize=1)
def _local_index() -> dict[str, type[Rule]]:
    index: dict[str, type[Rule]] = {}
    for rule in local_rules():
        index[rule.code] = rule
        index[rule.name] = rule
    return index


def rules_for(
    language: str | None, may_be: Callable[[tuple[str, ...] | None], bool] | None = None
) -> list[type[Rule]]:
    """The rules for a document language (and, with ``may_be``, a SQL dialect: the rule's
    ``dialects`` are passed), sorted by code; only their modules are imported."""
    chosen: list[type[Rule]] = [
        load(i)
        for i in rule_infos()
        if language in i.languages and (may_be is None or may_be(i.dialects))
    ]
    chosen += [
        r
        for r in local_rules()
        if language in r.languages and (may_be is None or may_be(r.dialects))
    ]
    if local_rules():
        chosen.sort(key=lambda r: r.code)
    return chosen


@lru_cache(maxsize=1)
def off_by_default() -> frozenset[str]:
    """Codes of rules that run only when selected by their exact code."""
    return frozenset(i.code for i in rule_infos() if not i.default_enabled) | frozenset(
        r.code for r in local_rules() if not r.default_enabled
    )


def listed_rules() -> list[RuleInfo]:
    """Every rule's index entry, project-specific rules included, sorted by code (the
    `rules` listing; nothing packaged is imported)."""
    if not local_rules():
        return list(rule_infos())
    return sorted([*rule_infos(), *map(info_of, local_rules())], key=lambda i: i.code)


def codes() -> set[str]:
    """Every rule code (from the index: nothing is imported)."""
    return {i.code for i in rule_infos()} | {r.code for r in local_rules()}
