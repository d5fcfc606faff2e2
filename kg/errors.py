"""The exceptions kg raises, all rooted at :class:`KgError`.

Imports nothing from kg.  Every message is one line a user can act on::

    KgError                      "<path>[:<line>]: <problem>; <hint>"
    ├── InputError               unusable arguments (missing path, unwritable dir)  -> exit 2
    ├── DocumentError            one document is unusable (empty, binary, ...)      -> skipped
    ├── DataError                kg/data or --data files
    │   ├── LexiconError
    │   └── PatternError
    ├── GraphError               an invalid IRI, a contract violation
    ├── QueryError               malformed SPARQL, UPDATE without --allow-update    -> exit 2
    └── StoreError               endpoint down or 4xx/5xx after retries             -> exit 1
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "DocumentError",
    "GraphError",
    "InputError",
    "KgError",
    "LexiconError",
    "PatternError",
    "QueryError",
    "StoreError",
]


class KgError(Exception):
    """Root of every error kg raises; ``str(err)`` is a single line.

    Args:
        problem: what is wrong, in a few words.
        path: the file or argument the problem is in, if any.
        line: the 1-based line in ``path``, if known.
        hint: what the user can do about it, if anything.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = _one_line(problem)
        self.path = path
        self.line = line
        self.hint = _one_line(hint) if hint else None
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = _one_line(str(self.path))
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        text = where + self.problem
        if self.hint:
            text += f"; {self.hint}"
        return text

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (--workers); keep the keyword fields.
        return (_rebuild, (type(self), self.problem, self.path, self.line, self.hint))


def _rebuild(
    cls: type[KgError], problem: str, path: str | None, line: int | None, hint: str | None
) -> KgError:
    return cls(problem, path=path, line=line, hint=hint)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class InputError(KgError):
    """The command's arguments cannot be used: a missing path, an unwritable directory."""


class DocumentError(KgError):
    """One input document cannot be used; the build skips it and goes on."""


class DataError(KgError):
    """A lexicon, pattern or other data file under kg/data or --data is malformed."""


class LexiconError(DataError):
    """A lexicon TSV row is malformed or conflicts with another row."""


class PatternError(DataError):
    """A pattern JSONL row is malformed, does not compile, or fails its own example."""


class GraphError(KgError):
    """The graph would break the contract: an invalid IRI, a missing label."""


class QueryError(KgError):
    """A SPARQL query is malformed, or tries to update a read-only store."""


class StoreError(KgError):
    """A triple store endpoint could not be reached or refused the data."""
