"""Atomic file writes: a temporary file in the target's directory, then ``os.replace``;
and a set of files published as a whole.

May import only ``kg.errors``.  A build killed part way leaves the previous file intact.
A build's files are made in a scratch directory inside the output directory
(:func:`scratch_dir`) and moved in together by :func:`publish_set`: a journal naming every
move is written first, so that a set cut short by a kill is completed by the next command
that reads the directory (:func:`recover`) and every file of the directory always comes
from one build.  Scratch directories left by a killed build are removed then too.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import InputError

__all__ = [
    "JOURNAL",
    "atomic_write_bytes",
    "atomic_write_text",
    "ensure_dir",
    "publish_set",
    "reading_graph",
    "recover",
    "scratch_dir",
]

#: The journal of a set of moves under way, in the output directory.
JOURNAL = ".kg-publish.json"
_SCRATCH = re.compile(r"\.kg-build-(?:(\d+)-)?[0-9a-z_]+\.tmp")

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


def scratch_dir(out: Path) -> Path:
    """A new scratch directory inside ``out`` for one build's files, named after this
    process (``.kg-build-<pid>-<random>.tmp``) so that :func:`recover` can tell a live
    build's from one a kill left behind.

    Raises:
        InputError: it cannot be made.
    """
    path = out / f".kg-build-{os.getpid()}-{secrets.token_hex(6)}.tmp"
    try:
        path.mkdir()
    except OSError as exc:
        raise _write_error(path, exc) from None
    return path


def publish_set(scratch: Path, out: Path, names: list[str], remove: list[str] = ()) -> None:
    """Move the files ``names`` of ``scratch`` into ``out`` as one set, and remove the
    files ``remove`` of ``out`` (an earlier build's that this one does not write).

    Each file is flushed to disk, then a journal of the moves is written atomically, then
    the moves are made and the journal and ``scratch`` removed.  Killed before the journal,
    ``out`` holds the old set; after it, :func:`recover` completes the new one.

    Raises:
        InputError: a file cannot be flushed, or the journal or a move fails.
    """
    for name in names:
        try:
            with open(scratch / name, "rb+") as handle:
                os.fsync(handle.fileno())
        except OSError as exc:
            raise _write_error(out / name, exc) from None
    journal = {"scratch": scratch.name, "files": list(names), "remove": list(remove)}
    atomic_write_text(out / JOURNAL, json.dumps(journal, ensure_ascii=False))
    _apply(out, journal)


def _apply(out: Path, journal: dict[str, object]) -> None:
    """Carry out a journal's moves (those not made yet), then drop it and its scratch."""
    scratch = out / str(journal["scratch"])
    # Ctrl-C or SIGTERM (raised as KeyboardInterrupt) while the files move is held back
    # until the set is whole: the moves take milliseconds
    pending: KeyboardInterrupt | None = None
    for name in map(str, journal.get("files", [])):  # type: ignore[call-overload]
        while True:
            try:
                if (scratch / name).exists():
                    os.replace(scratch / name, out / name)
                break
            except KeyboardInterrupt as exc:
                pending = exc
            except OSError as exc:
                raise _write_error(out / name, exc) from None
    for name in map(str, journal.get("remove", [])):  # type: ignore[call-overload]
        try:
            (out / name).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise _write_error(out / name, exc) from None
    (out / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(scratch, ignore_errors=True)
    if pending is not None:
        raise pending


def recover(out: Path) -> None:
    """Complete a set of moves a kill cut short in ``out`` and remove the scratch
    directories of builds that are no longer running.  Never raises for what it finds:
    an unreadable journal is dropped, a directory that cannot be read is left alone."""
    try:
        journal = json.loads((out / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        journal = None
    except (OSError, ValueError):
        journal = {}
    try:
        if isinstance(journal, dict) and isinstance(journal.get("scratch"), str) \
                and _SCRATCH.fullmatch(journal["scratch"]):
            _apply(out, journal)
        elif journal is not None:
            (out / JOURNAL).unlink(missing_ok=True)
        entries = list(out.iterdir())
    except (OSError, InputError):
        return
    for entry in entries:
        found = _SCRATCH.fullmatch(entry.name)
        if found and entry.is_dir() and not _running(found.group(1)):
            shutil.rmtree(entry, ignore_errors=True)


def _running(pid: str | None) -> bool:
    """Whether the process ``pid`` (from a scratch directory's name) still runs; a name
    without one is an older build's, never running."""
    if pid is None:
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True
