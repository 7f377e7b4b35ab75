"""FastAPI: ``@router.get(path)`` decorators, ``Depends`` guards, Pydantic models."""

from __future__ import annotations

import re

from .base import Framework
from .kit.python_views import python_routes

_IMPORT = re.compile(rb"^\s*(from|import)\s+fastapi\b", re.M)


class FastAPI(Framework):
    name = "fastapi"
    title = "FastAPI"
    language = "python"
    default_language = "python"
    scaffolds = True
    validation_idiom = "a Pydantic model"
    limiter = "slowapi"
    app_creation = re.compile(r"^([ \t]*)(\w+)\s*=\s*(?:fastapi\.)?FastAPI\(", re.M)

    def detects(self, head):
        return bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return python_routes(document, tree, data, self.name)


FRAMEWORK = FastAPI()
