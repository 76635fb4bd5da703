"""Fixtures of the early-warning tests: the import tests' small county."""

from tests.registry_imports.conftest import county

__all__ = ["county"]
