"""Backend Architect: a language server that reviews backend code like a senior architect."""

__version__ = "0.1.0"
