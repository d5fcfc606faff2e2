"""The ``kg`` command line: a thin click layer over the library.

May import ``kg.pipeline``, ``kg.query``, ``kg.validate``, ``kg.evaluate``, ``kg.export``,
``kg.viz``, ``kg.store`` and ``kg.errors``.  Each ``<verb>_command`` parses its arguments, calls one
library function and prints what it returns.  Errors are mapped to exit codes in one
place (:class:`KgGroup`): ``InputError`` and ``QueryError`` become usage errors (exit 2),
any other ``KgError`` exit 1, with a single ``Error:`` line and no traceback unless
``--debug``; an unexpected exception likewise becomes one ``Error: internal error`` line
(exit 1).  SIGINT and SIGTERM unwind the command, so the library's atomic writes remove
their temporary files, and end it with one ``Error: interrupted`` line and exit 130 / 143.
The pipeline (and with it jieba) is imported only inside ``kg build`` so that
``kg --help`` stays instant.  The CLI opens no documents and writes no files itself.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from kg.errors import InputError, KgError, QueryError
from kg.export import DEFAULT_BASE_IRI, EXPORTERS
from kg.query import FORMATTERS

if TYPE_CHECKING:
    from kg.doc import BuildReport, Outcome

__all__ = ["KgGroup", "main"]

_F = TypeVar("_F", bound=Callable[..., Any])
#: Lone surrogates: bytes of a file name that are not UTF-8, as Python decodes them.
_SURROGATE = re.compile("[\ud800-\udfff]")
OutcomeHook = Callable[["Outcome"], None]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kg")
    except PackageNotFoundError:
        import kg

        return str(getattr(kg, "__version__", "unknown"))


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"kg {_version()}")
        ctx.exit()


def _click_error(exc: KgError) -> click.ClickException:
    """The click exception (and so the exit code) for a library error."""
    if isinstance(exc, (InputError, QueryError)):
        return click.UsageError(str(exc))
    return click.ClickException(str(exc))


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that the command unwinds as on Ctrl-C."""


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While a command runs, SIGTERM raises :class:`_Terminated` instead of killing at once.

    Python's default for SIGTERM ends the process without running ``finally`` or ``except
    BaseException`` blocks, so an atomic write would leave its temporary file behind.
    Worker processes forked meanwhile inherit the handler; there it restores the default
    and re-sends the signal.  Outside the main thread nothing is changed (``signal.signal``
    works only there); the previous handler is restored afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()

    def handler(signum: int, _frame: object) -> None:
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _interrupted(exc: KeyboardInterrupt) -> NoReturn:
    """One ``Error:`` line for Ctrl-C or SIGTERM, then exit 128 + the signal number."""
    signum = signal.SIGTERM if isinstance(exc, _Terminated) else signal.SIGINT
    click.echo(f"Error: interrupted by {signum.name}; no output file was left half-written",
               err=True)
    raise SystemExit(128 + signum)


def _internal_error(exc: Exception) -> click.ClickException:
    """One ``Error:`` line (exit 1) for an exception that is a bug, not the user's doing."""
    detail = (str(exc).strip().splitlines() or [""])[0][:200]
    return click.ClickException(f"internal error {type(exc).__name__}: {detail}; rerun with "
                                "--debug for the traceback and report it")


class KgGroup(click.Group):
    """The ``kg`` group: turns library errors into one ``Error:`` line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand, mapping :class:`KgError` and other exceptions (``--debug``
        re-raises them) and interruptions (exit 130 on SIGINT, 143 on SIGTERM)."""
        with _sigterm_unwinds():
            try:
                return super().invoke(ctx)
            except KeyboardInterrupt as exc:
                _interrupted(exc)
            except (click.ClickException, click.exceptions.Exit, click.Abort):
                raise
            except Exception as exc:
                if ctx.params.get("debug"):
                    raise
                if isinstance(exc, KgError):
                    raise _click_error(exc) from None
                raise _internal_error(exc) from None


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version, help="Show the version and exit.")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def main(debug: bool) -> None:
    """Knowledge graphs from Chinese customs documents: build, query, check, picture."""
    _show_notices()


class _Notices(logging.Handler):
    """The library's notices (the ``kg`` logger, INFO and up) as ``kg: …`` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"kg: {_printable(record.getMessage())}", err=True)


def _show_notices() -> None:
    log = logging.getLogger("kg")
    if not any(isinstance(h, _Notices) for h in log.handlers):
        log.addHandler(_Notices())
    log.setLevel(logging.INFO)
    log.propagate = False


#: Control characters in a path or a message: shown as escapes, so that one outcome stays
#: one line (a file name may hold a line break).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _printable(text: str) -> str:
    """``text`` fit for one line of a terminal: control characters as ``\\n``/``\\xNN``
    escapes, lone surrogates (bytes of a file name that are not UTF-8) as U+FFFD."""
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
    return _SURROGATE.sub("\ufffd", text)


def _seconds_since_start() -> float:
    """Seconds since this process started (interpreter start-up included, from /proc where
    there is one), else since this module was imported."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED


_IMPORTED = time.perf_counter()


def _graph_option(default: str = "output") -> Callable[[_F], _F]:
    return click.option(
        "--graph", "graph", type=click.Path(path_type=Path), default=default,
        show_default=True, help="A build directory or a graph file.")


# -------------------------------------------------------------------- build


@main.command("build")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default="output", show_default=True, help="Where to write the graph files.")
@click.option("--base-iri", default=DEFAULT_BASE_IRI, show_default=True,
              help="The base IRI of every extracted resource.")
@click.option("--format", "formats", multiple=True, type=click.Choice(list(EXPORTERS)),
              default=("turtle", "trig"), show_default=True, help="Output format (repeatable).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes for the per-document stages.")
@click.option("--no-html", is_flag=True, help="Do not write the HTML picture.")
@click.option("--no-cache", is_flag=True,
              help="Process every document again; do not read or write DIR/.cache.")
@click.option("--data", "data_dirs", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A directory of lexicon/pattern files that add rows (repeatable).")
def build_command(paths: tuple[Path, ...], out_dir: Path, base_iri: str,
                  formats: tuple[str, ...], workers: int, no_html: bool, no_cache: bool,
                  data_dirs: tuple[Path, ...]) -> None:
    """Build the graph from documents (files or directories; default seeds/)."""
    from kg import pipeline

    inputs = list(paths) or [Path("seeds")]
    if not paths and not inputs[0].exists():
        raise click.UsageError("no input given and ./seeds does not exist; name the documents")
    with _progress(pipeline, inputs) as on_outcome:
        report = pipeline.build(inputs, out_dir, base_iri=base_iri, formats=formats,
                                workers=workers, html=not no_html, data_dirs=data_dirs,
                                cache=not no_cache, on_outcome=on_outcome)
    click.echo(_build_summary(report, _seconds_since_start()))
    if not report.ok:
        raise SystemExit(1)


@contextmanager
def _progress(pipeline: Any, inputs: Sequence[Path]) -> Iterator[OutcomeHook | None]:
    """The ``on_outcome`` callback: a progress bar when stderr is a terminal, else none.

    The bar needs the number of inputs; without ``pipeline.find_documents`` to count them,
    a line per finished document is drawn instead.
    """
    if not sys.stderr.isatty():
        yield None
        return
    finder = getattr(pipeline, "find_documents", None)
    total = len(finder(inputs)) if finder is not None else 0
    if not total:
        done = itertools.count(1)
        yield lambda o: click.echo(f"\r{next(done)} done: {Path(o.path).name}\x1b[K",
                                   nl=False, err=True)
        click.echo(err=True)
        return
    with click.progressbar(length=total, label="building", file=sys.stderr,
                           item_show_func=lambda name: name) as bar:
        yield lambda o: bar.update(1, Path(o.path).name)


def _reason(outcome: Outcome) -> str:
    """The outcome's one-line reason, led by its path (once)."""
    if outcome.reason.startswith(outcome.path):
        return _printable(outcome.reason)
    return _printable(f"{outcome.path}: {outcome.reason}")


#: Ignored files listed one by one in the summary; the rest are counted (the report lists
#: every one).
_IGNORED_SHOWN = 10


def _build_summary(report: BuildReport, since_start: float | None = None) -> str:
    counts: dict[str, int] = {"built": 0, "skipped": 0, "failed": 0, "ignored": 0}
    for outcome in report.outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    head = (f"documents: {counts['built']} built, {counts['skipped']} skipped, "
            f"{counts['failed']} failed")
    if counts["ignored"]:
        head += f"; {counts['ignored']} other file(s) ignored"
    lines = [head]
    lines += [f"  {o.status}: {_reason(o)}" for o in report.outcomes
              if o.status in ("skipped", "failed")]
    lines += [f"  note: {_reason(o)}" for o in report.outcomes
              if o.status == "built" and o.reason]
    ignored = [o for o in report.outcomes if o.status == "ignored"]
    lines += [f"  ignored: {_reason(o)}" for o in ignored[:_IGNORED_SHOWN]]
    if len(ignored) > _IGNORED_SHOWN:
        lines.append(f"  ... and {len(ignored) - _IGNORED_SHOWN} more ignored "
                     "(build-report.json lists every one)")
    entities = ", ".join(f"{name} {n}" for name, n in report.entity_counts.items())
    lines.append(f"entities: {entities or 'none'}")
    lines.append(f"awards: {report.awards}  programmes: {report.programmes}  "
                 f"triples: {report.triples}")
    lines.append("wrote: " + (", ".join(_printable(str(f)) for f in report.files)
                              or "nothing"))
    if since_start is None:
        lines.append(f"time: {report.seconds:.1f} s")
    else:
        lines.append(f"time: {max(since_start, report.seconds):.1f} s "
                     f"(start-up included; the build itself {report.seconds:.1f} s)")
    return "\n".join(lines)


# -------------------------------------------------------------------- query


@main.command("query")
@click.argument("sparql", metavar="[QUERY]", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8-sig"),
              help="Read the query from a .rq file.")
@_graph_option()
@click.option("--format", "fmt", type=click.Choice(list(FORMATTERS)), default="table",
              show_default=True, help="How to print the results.")
@click.option("--limit-rows", type=click.IntRange(min=0), default=1000, show_default=True,
              help="The most rows the table shows (0: all); csv, tsv, json and jsonl "
                   "write every row.")
@click.option("--allow-update", is_flag=True,
              help="Apply a SPARQL UPDATE to an in-memory copy instead of refusing it.")
@click.option("--allow-service", is_flag=True,
              help="Let SERVICE (and an update's LOAD) reach the network instead of "
                   "refusing the query.")
def query_command(sparql: str | None, query_file: Any, graph: Path, fmt: str,
                  limit_rows: int, allow_update: bool, allow_service: bool) -> None:
    """Run a SPARQL query (the contract's prefixes are predeclared); rows are written as
    they come."""
    from kg.query import query_chunks

    if (sparql is None) == (query_file is None):
        raise click.UsageError("give a QUERY or -f FILE.rq, not both or neither")
    text = sparql if sparql is not None else query_file.read()
    _echo_chunks(query_chunks(text, graph, fmt, allow_update=allow_update,
                              allow_service=allow_service, limit_rows=limit_rows))


def _echo_chunks(chunks: Iterator[str]) -> None:
    """Print the chunks as they come.  A reader that stops early (``kg query … | head``)
    ends the command quietly, exit 0: the rest goes to the null device, so Python's final
    flush of stdout does not complain either."""
    try:
        for chunk in chunks:
            click.echo(chunk, nl=False)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0) from None


# -------------------------------------------------------------------- stats


@main.command("stats")
@_graph_option()
def stats_command(graph: Path) -> None:
    """Count documents, entities per class, awards, programmes and triples."""
    from kg.query import stats

    counts = stats(graph)
    rows = [("documents", counts.documents)]
    rows += [(f"  {name}", n) for name, n in counts.entities.items()]
    rows += [("awards", counts.awards), ("programmes", counts.programmes),
             ("years", counts.years), ("triples", counts.triples)]
    width = max(len(name) for name, _ in rows)
    click.echo("\n".join(f"{name:<{width}}  {n:>7}" for name, n in rows))


# -------------------------------------------------------------------- names


@main.command("names")
@click.argument("pattern", required=False)
@_graph_option()
@click.option("--type", "cls", default=None, metavar="CLASS",
              help="Only this class (Bureau, SubOffice, Department, Honour, Person …).")
def names_command(pattern: str | None, graph: Path, cls: str | None) -> None:
    """List the names in a build: label, class, documents naming it, other names.

    PATTERN keeps the entities whose label or another name contains it.
    """
    from kg.query import open_store
    from kg.query.labels import entity_names

    store, _ = open_store(graph)
    found = entity_names(store, cls=cls, pattern=pattern)
    if not found:
        click.echo("no names" + (f" matching {pattern!r}" if pattern else ""))
        return
    width = max(len(n.cls) for n in found)
    for n in found:
        also = f"  (also {'、'.join(n.aliases)})" if n.aliases else ""
        click.echo(_printable(f"{n.cls:<{width}}  {n.documents:>4} doc  {n.label}{also}"))
    per_class: dict[str, int] = {}
    for n in found:
        per_class[n.cls] = per_class.get(n.cls, 0) + 1
    click.echo(f"{len(found)} names: " + ", ".join(f"{c} {k}" for c, k in per_class.items()))


# ----------------------------------------------------------------- validate


@main.command("validate")
@_graph_option()
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many violations to list.")
def validate_command(graph: Path, limit: int) -> None:
    """Check a build against the contract's SHACL shapes (exit 1 when it does not conform)."""
    from kg.export import find_output
    from kg.validate import validate

    report = validate(find_output(graph))
    if report.conforms:
        click.echo("conforms")
        return
    for v in report.violations[:limit]:
        where = f" {v.path}" if v.path else ""
        click.echo(f"{v.severity}: {v.focus_node}{where}: {v.message}")
    if len(report.violations) > limit:
        click.echo(f"... and {len(report.violations) - limit} more")
    _fail(f"{len(report.violations)} violation(s) of the shapes")


def _fail(message: str) -> NoReturn:
    raise click.ClickException(message)


# ----------------------------------------------------------------- evaluate


@main.command("evaluate")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, multiple=True,
              help="The gold JSON file (repeatable: several files are merged).")
@click.option("--graph", "graphs", type=click.Path(path_type=Path), multiple=True,
              default=("output",), show_default=True,
              help="A build directory or graph file (repeatable).")
@click.option("--details", is_flag=True, help="List the misses and extras.")
def evaluate_command(gold: tuple[Path, ...], graphs: tuple[Path, ...], details: bool) -> None:
    """Score a build against a gold file (the same numbers as the shared scorer)."""
    from kg.evaluate import evaluate, format_report

    click.echo(format_report(evaluate(graphs, gold), details=details), nl=False)


# ------------------------------------------------------------------- export


@main.command("export")
@_graph_option()
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Where to write the converted files.")
@click.option("--format", "formats", multiple=True, required=True,
              type=click.Choice(list(EXPORTERS)), help="Output format (repeatable).")
def export_command(graph: Path, out_dir: Path, formats: tuple[str, ...]) -> None:
    """Convert an existing build to other formats."""
    from kg.export import convert

    for path in convert(graph, out_dir, formats):
        click.echo(f"wrote {path}")


# --------------------------------------------------------------------- load


@main.command("load")
@click.argument("build", required=False, default="output",
                type=click.Path(path_type=Path))
@click.option("--endpoint", required=True, metavar="URL",
              help="The store's Graph Store Protocol endpoint, e.g. "
                   "http://localhost:7878/store (Oxigraph), http://localhost:3030/ds/data "
                   "(Fuseki).")
@click.option("--bulk", is_flag=True,
              help="Use Oxigraph's bulk loader (?no_transaction) for a large build.")
@click.option("--union-default-graph", "union_default", is_flag=True,
              help="Also replace the store's default graph with the union of the graphs, "
                   "each triple once, so queries need no union option (for a store that "
                   "holds this build only).")
@click.option("--graph-param", default="graph", show_default=True,
              help="The query parameter that names a graph (graph-uri for Virtuoso).")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Retries of a request when the store is down or answers 408/429/5xx.")
@click.option("--backoff", type=click.FloatRange(min=0), default=0.5, show_default=True,
              help="Seconds before the first retry; doubled for each further one.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Seconds to wait for the store on each request.")
def load_command(build: Path, endpoint: str, bulk: bool, union_default: bool,
                 graph_param: str, retries: int, backoff: float, timeout: float) -> None:
    """Load a build (default output/) into a triple store, one named graph per document.

    Each graph is PUT to ENDPOINT?graph=<document IRI>, so loading again replaces it.
    """
    from kg.store import RetryPolicy, load

    def loaded(graph: Any) -> None:
        click.echo(f"loaded {graph.name or '(default graph)'}  {graph.triples} triples")

    policy = RetryPolicy(attempts=retries + 1, backoff=backoff, timeout=timeout)
    report = load(build, endpoint, policy=policy, bulk=bulk, union_default=union_default,
                  graph_param=graph_param, on_loaded=loaded)
    line = (f"{report.document_graphs} document graphs ({report.document_triples} triples)")
    if union_default:
        line += f" and the union default graph ({report.union_triples} distinct triples)"
    click.echo(f"{line} into {report.endpoint} in {report.seconds:.1f} s")


# ---------------------------------------------------------------------- viz


@main.command("viz")
@_graph_option()
@click.option("-o", "--output", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="The HTML file (default: graph.html beside the graph; with "
                                 "--focus, graph-<focus>-<depth>.html).")
@click.option("--focus", default=None, help="Centre the picture on this entity (any name).")
@click.option("--depth", type=click.IntRange(min=0), default=2, show_default=True,
              help="How many links from the focus to show.")
def viz_command(graph: Path, out_file: Path | None, focus: str | None, depth: int) -> None:
    """Draw a build as a self-contained HTML page."""
    from kg.export import read_output
    from kg.viz import write_html

    if out_file is None:
        # a picture of a neighbourhood gets its own file: the build's pictures stay
        name = "graph.html" if focus is None else f"graph-{_file_part(focus)}-{depth}.html"
        out_file = (graph if graph.is_dir() else graph.parent) / name
    for path in write_html(read_output(graph), out_file, focus=focus, depth=depth):
        click.echo(f"wrote {path}")


_FILE_UNSAFE = re.compile(r"[\\/:*?\"<>|\s\x00-\x1f]+")


def _file_part(name: str) -> str:
    """``name`` as part of a file name: path separators, reserved marks and spaces as ``_``."""
    return _FILE_UNSAFE.sub("_", name).strip("._")[:60] or "focus"
