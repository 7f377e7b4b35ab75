"""Syntax helpers, once per language."""
