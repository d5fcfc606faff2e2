"""Where kg's data files live, and reading them.  The only module that knows those paths.

May import only ``kg.errors``.  ``kg/data/`` ships inside the package; ``ontology/`` sits
next to the package in a source checkout (``pip install -e .``); a wheel may carry a copy
under ``kg/data/ontology``.  :func:`ontology_dir` looks in both places.
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import DataError

__all__ = ["data_dir", "data_path", "ontology_dir", "ontology_path", "read_data_text"]

_PACKAGE = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The package data directory ``kg/data``."""
    return _PACKAGE / "data"


def data_path(*parts: str) -> Path:
    """A path inside ``kg/data``; the file need not exist."""
    return data_dir().joinpath(*parts)


def ontology_dir() -> Path:
    """The directory holding ``customs.ttl`` and ``shapes.ttl``.

    Raises:
        DataError: neither the checkout's ``ontology/`` nor ``kg/data/ontology`` exists.
    """
    for candidate in (_PACKAGE.parent / "ontology", _PACKAGE / "data" / "ontology"):
        if (candidate / "customs.ttl").is_file():
            return candidate
    raise DataError("ontology/customs.ttl not found", path=str(_PACKAGE.parent / "ontology"),
                    hint="install kg from a source checkout with 'pip install -e .'")


def ontology_path(name: str) -> Path:
    """The path of one ontology file (``customs.ttl`` or ``shapes.ttl``)."""
    return ontology_dir() / name


def read_data_text(path: Path) -> str:
    """Read a data file as UTF-8 text.

    Raises:
        DataError: the file is missing or not UTF-8.
    """
    try:
        # utf-8-sig: a table saved by a spreadsheet starts with a byte order mark.
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("data file not found", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"data file is not UTF-8 ({exc.reason})", path=str(path)) from None
