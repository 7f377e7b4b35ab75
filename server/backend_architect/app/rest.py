"""Vocabulary of REST path checks: verbs, singular nouns, pagination parameters."""

from __future__ import annotations

import re
from ..core.lazy_re import lazy

VERBS = {
    "get",
    "create",
    "update",
    "delete",
    "remove",
    "add",
    "fetch",
    "list",
    "edit",
    "insert",
    "modify",
    "destroy",
    "retrieve",
    "put",
    "patch",
    "post",
    "set",
    "save",
    "make",
    "change",
}
# CRUD verbs are redundant with the HTTP method wherever they appear; other verbs after an id
# (`/orders/{id}/cancel`, `/entries/{id}/save`) are accepted custom actions on that resource.
CRUD_VERBS = {
    "get",
    "create",
    "update",
    "delete",
    "remove",
    "add",
    "list",
    "edit",
    "insert",
    "modify",
    "destroy",
    "retrieve",
}
# Segments that are fine singular: the caller, actions everyone recognises, uncountables.
SINGULAR_OK = {
    "me",
    "self",
    "current",
    "auth",
    "api",
    "admin",
    "by",
    "id",
    "search",
    "health",
    "healthz",
    "login",
    "logout",
    "signup",
    "signin",
    "register",
    "download",
    "upload",
    "export",
    "import",
    "verify",
    "callback",
    "webhook",
    "oauth",
    "static",
    "public",
    "media",
    "data",
    "info",
    "metadata",
    "config",
    "feed",
    "version",
    "lookup",
    "stream",
    "graphql",
    "internal",
    "debug",
    "rpc",
    "ws",
    "socket",
    "latest",
    "raw",
    "history",
    "staff",
    "news",
    "feedback",
    "software",
    "equipment",
    "status",
    "access",
    "sso",
    "token",
    "refresh",
    "reset",
    "password",
    "settings",
    "preview",
    "batch",
    "bulk",
    "count",
    "stats",
    "summary",
    "dashboard",
    "default",
    "home",
    "index",
    "root",
    "v",
    "rest",
    "service",
    "proxy",
    "cache",
    "mine",
    "my",
    "all",
    "new",
    "edit",
    "inbox",
    "outbox",
    "trash",
    "archive",
    "follow",
    "favorite",
    "like",
    "star",
    "subscribe",
    "unsubscribe",
    "vote",
    "publish",
    "approve",
    # lookup keys (`/tags/slug/{slug}`: by slug) and triggers, not collections
    "slug",
    "name",
    "key",
    "code",
    "uuid",
    "email",
    "username",
    "handle",
    "trigger",
    "type",
    "kind",
}
PAGINATION = lazy(
    r"^(limit|offset|page|page_?size|per_?page|pagesize|perpage|cursor|after|before|since|until|skip|take|size|first|last|next|page_?token|start|count|max_?results|top|ids)$",
    re.I,
)
ACTION_SEGMENTS = {
    "login",
    "logout",
    "signin",
    "signup",
    "register",
    "search",
    "verify",
    "reset",
    "refresh",
    "token",
    "follow",
    "favorite",
    "like",
    "vote",
    "subscribe",
    "publish",
    "approve",
    "reject",
    "cancel",
    "confirm",
    "activate",
}


def words(segment: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", segment)
    return [w.lower() for w in re.split(r"[\s_\-.]+", spaced) if w]


def static_segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s and "{" not in s and not s.startswith("*")]


def is_plural(word: str) -> bool:
    w = word.lower()
    return (
        w.endswith("s")
        and not w.endswith(("ss", "us", "is"))
        or w in ("data", "people", "children", "media", "news")
    )


def is_collection_path(path: str) -> bool:
    segs = [s for s in path.split("/") if s]
    if not segs or "{" in segs[-1]:
        return False
    last = segs[-1]
    ws = words(last)
    return len(ws) >= 1 and is_plural(ws[-1]) and last.lower() not in ACTION_SEGMENTS
