"""Atomic file writes: a temporary file in the target's directory, then ``os.replace``.

May import only ``kg.errors``.  A build killed part way leaves the previous file intact.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import InputError

__all__ = ["atomic_write_bytes", "atomic_write_text", "ensure_dir", "publish", "reading_graph"]

_O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and check it is a writable directory.

    Raises:
        InputError: the directory cannot be created or written.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create output directory ({exc.strerror})", path=str(path),
            hint="choose another directory with -o",
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError("output directory is not writable", path=str(path),
                         hint="choose another directory with -o")
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half.

    The bytes go to a hidden ``.<name>.<random>.tmp`` file beside ``path``, which is
    flushed to disk and renamed over ``path``.  Whatever stops the write (an error, or a
    ``KeyboardInterrupt`` / ``SystemExit`` raised by a signal) removes the temporary file
    before it propagates: its name is chosen before it is created, so no moment exists
    when it is on disk but unknown here.  Only SIGKILL can leave one behind, hidden by its
    leading dot.

    Raises:
        InputError: the directory is not writable, or the write fails (disk full, the
            target is a directory ...).
    """
    path = Path(path)
    ensure_dir(path.parent)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except FileExistsError as exc:  # 64 random bits taken: not ours to remove
        raise _write_error(path, exc) from None
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from None
        raise


def publish(made: Path, path: Path) -> None:
    """Move ``made``, a finished file in a scratch directory on ``path``'s file system, to
    ``path``: flushed to disk first, then renamed, so that readers see the old file or the
    new, never half (as :func:`atomic_write_bytes`, for a file too large to hold).

    Raises:
        InputError: the file cannot be flushed or renamed (the target is a directory ...).
    """
    try:
        with open(made, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(made, path)
    except OSError as exc:
        raise _write_error(Path(path), exc) from None


def _write_error(path: Path, exc: OSError) -> InputError:
    return InputError(f"cannot write file ({exc.strerror or type(exc).__name__})",
                      path=str(path), hint="check the output directory's space and permissions")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 with LF line ends, atomically (see :func:`atomic_write_bytes`).

    A lone surrogate (a file name that is not UTF-8, as Python decodes it) is written as a
    ``\\uXXXX`` escape, which JSON reads back as the same string, instead of failing.
    """
    atomic_write_bytes(path, text.encode("utf-8", "backslashreplace"))


@contextmanager
def reading_graph(path: Path, *, parsing: str = "graph file",
                  hint: str = "rebuild it with 'kg build'",
                  describe: Callable[[BaseException], str] = str) -> Iterator[None]:
    """Turn the errors of reading and parsing an RDF file inside the block into one-line
    ``InputError`` s naming the file.

    Args:
        path: the file being read.
        parsing: what "cannot parse …" says was being parsed.
        hint: what to do about a file that does not parse.
        describe: how the parser's message is shown.

    Raises:
        InputError: the file cannot be read or does not parse.
    """
    try:
        yield
    except OSError as exc:
        raise InputError(f"cannot read graph file ({exc.strerror or exc})", path=str(path),
                         hint="check the path and its permissions") from None
    except (SyntaxError, ValueError) as exc:
        raise InputError(f"cannot parse {parsing} ({describe(exc)})", path=str(path),
                         hint=hint) from None
