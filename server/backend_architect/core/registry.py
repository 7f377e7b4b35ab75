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
from typing import TYPE_CHECKING, ClassVar
from collections.abc import Iterable, Iterator

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
        if not info.ispkg:
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
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj is Rule or not issubclass(obj, Rule) or obj.__module__ != modname:
                continue
            if not getattr(obj, "code", None):
                continue
            if obj.code in found and found[obj.code] is not obj:
                raise RegistryError(
                    f"duplicate rule code {obj.code}: {found[obj.code].__module__} and {modname}"
                )
            found[obj.code] = obj
    for rule in found.values():
        _apply_group_defaults(rule)
    return tuple(found[c] for c in sorted(found))


def _apply_group_defaults(rule: type[Rule]) -> None:
    """A rule that does not set ``dialects`` / ``fix_dialects`` takes its group's."""
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
    """The rule with this code (or kebab-case name), None when there is none."""
    index = _rule_index()
    return index.get(code) or index.get(code.upper()) or index.get(code.lower())


@lru_cache(maxsize=1)
def _rule_index() -> dict[str, type[Rule]]:
    index: dict[str, type[Rule]] = {}
    for rule in all_rules():
        index[rule.code] = rule
        index[rule.name] = rule
    return index


@lru_cache(maxsize=1)
def off_by_default() -> frozenset[str]:
    """Codes of rules that run only when selected by their exact code."""
    return frozenset(r.code for r in all_rules() if not r.default_enabled)


def codes() -> set[str]:
    return {r.code for r in all_rules()}
