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

# The API functions share their names with the modules that hold them (kg.query is
# also a module).  Importing a submodule binds its name on the package, so those three
# modules are imported first and the names are then bound to the functions for good.
import kg.evaluate as _evaluate_module  # noqa: E402
import kg.query as _query_module  # noqa: E402
import kg.validate as _validate_module  # noqa: E402

query = _query_module.run_query
validate = _validate_module.validate
evaluate = _evaluate_module.evaluate

if TYPE_CHECKING:  # pragma: no cover
    from kg.pipeline import build as build


def __getattr__(name: str) -> Any:
    if name == "build":  # the pipeline loads jieba's machinery: only on first use
        from kg.pipeline import build

        return build
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
