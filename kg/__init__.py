"""kg: knowledge graphs from Chinese customs documents.

The public API, one call per CLI command::

    import kg
    report = kg.build(["seeds"], "output")          # Turtle, TriG, HTML, build-report.json
    result = kg.query("SELECT ...", Path("output"))  # SPARQL over the build
    kg.validate(Path("output/graph.ttl"))            # SHACL against ontology/shapes.ttl
    kg.evaluate([Path("output/graph.ttl")], Path("gold.json"))

Heavy modules (jieba, pyshacl) load on first use, so ``import kg`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kg.doc import Document as Document
from kg.errors import KgError as KgError

__version__ = "0.1.0"

__all__ = ["Document", "KgError", "__version__", "build", "evaluate", "query", "validate"]

if TYPE_CHECKING:  # pragma: no cover
    from kg.evaluate import evaluate as evaluate
    from kg.pipeline import build as build
    from kg.query import run_query as query
    from kg.validate import validate as validate

_LAZY = {
    "build": ("kg.pipeline", "build"),
    "query": ("kg.query", "run_query"),
    "validate": ("kg.validate", "validate"),
    "evaluate": ("kg.evaluate", "evaluate"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
