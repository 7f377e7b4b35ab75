"""Flask: ``@app.route`` / ``@bp.post`` decorators, class views, flask-limiter."""

from __future__ import annotations

import re

from .base import Framework
from .kit.python_views import python_routes

_IMPORT = re.compile(rb"^\s*(from|import)\s+flask\w*\b", re.M)


class Flask(Framework):
    name = "flask"
    title = "Flask"
    language = "python"
    default_language = "python"
    scaffolds = True
    validation_idiom = "a marshmallow/Pydantic schema"
    limiter = "flask-limiter"
    app_creation = re.compile(r"^([ \t]*)(\w+)\s*=\s*(?:flask\.)?Flask\(", re.M)

    def detects(self, head):
        return bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return python_routes(document, tree, data, self.name)


FRAMEWORK = Flask()
