"""Build throughput, memory and query latency on one corpus, side by side (run by hand).

    python benchmarks/generate_corpus.py 1000 /tmp/corpus1k --seed 1
    python benchmarks/bench_build.py /tmp/corpus1k [--workers 1 2] [--html] [--json out.json]

Measures, in one run and on the same documents, in ``--rounds`` interleaved rounds (3 by
default; the best round of each is reported; memory is sampled in one further run of each
build, since sampling costs the build CPU time):

* **jieba**: bare ``jieba.lcut`` (HMM on, its default) over every document's text, in this
  process, the dictionary loaded beforehand: characters per second.
* **build, N workers** (for each ``--workers``): ``kg.build`` in a fresh Python process into
  an empty output directory (so with a cold cache, which it fills as every build does),
  timed from the process start to its end: imports, dictionary loading, ingest, stages,
  graph, every output file.  Characters per second, the ratio to jieba and the speed-up
  over one worker, each both in wall-clock time and in CPU time (user + system of the
  process and its workers), because on a shared machine the wall clock also counts time
  other programs took.  The memory high-water mark is sampled every 50 ms over the process
  tree: the sum of RSS (which counts pages shared by forked workers once per worker) and of
  PSS (which shares them out), and the largest single process.
* **rebuild**: the same build again with one new document added (a second input
  directory), which reads the others from the cache.
* **queries**: each ``queries/*.rq`` on the last build through ``kg.query.run_query``, the
  median of ``--repeat`` runs after one warm-up run; opening (or first making) the
  persisted store is timed apart.
* **the machine's parallel capacity**: the same pure-Python loop in one process, then in
  N processes at once: how much faster N processes get through the work than one
  (2.00 on two free cores).  A worker speed-up can only be read against it: a virtual
  machine whose cores share a host core, or a machine busy with other work, gives less.

``--html`` also writes the HTML picture in every build (off by default: it is drawn for
people, not for 10,000 documents).  Nothing here is run by pytest.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

_DRIVER = """
import sys
from kg.pipeline import build
paths, out, workers, html = sys.argv[1:-3], sys.argv[-3], int(sys.argv[-2]), sys.argv[-1] == "1"
report = build(paths, out, workers=workers, html=html)
print(sum(o.status == "built" for o in report.outcomes), report.triples)
"""


@dataclass
class Run:
    """One build: its times, throughput and memory."""

    label: str
    workers: int
    wall: float
    cpu: float
    chars: int
    built: int = 0
    triples: int = 0
    peak_rss_mb: float = 0.0
    peak_pss_mb: float = 0.0
    peak_single_mb: float = 0.0

    @property
    def wall_rate(self) -> float:
        return self.chars / self.wall

    @property
    def cpu_rate(self) -> float:
        return self.chars / self.cpu


@dataclass
class Report:
    """Everything one benchmark run measured."""

    corpus: str
    documents: int
    chars: int
    jieba_wall: float = 0.0
    jieba_cpu: float = 0.0
    runs: list[Run] = field(default_factory=list)
    store_open: float = 0.0
    queries: dict[str, float] = field(default_factory=dict)
    capacity: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------------------ memory


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found += [int(c) for c in handle.read().split()]
        except OSError:
            pass
    return found


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        current = todo.pop()
        seen.append(current)
        todo += _children(current)
    return seen


def _kb(path: str, field_name: str) -> int:
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(field_name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Samples the memory of a process and its descendants until stopped."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.rss = self.pss = self.single = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss = pss = 0
            for pid in _tree(self.pid):
                one = _kb(f"/proc/{pid}/status", "VmRSS:")
                rss += one
                pss += _kb(f"/proc/{pid}/smaps_rollup", "Pss:")
                self.single = max(self.single, one)
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            self.done.wait(self.interval)


# ------------------------------------------------------------------------------- steps


def _spin(_: int = 0) -> float:
    """CPU seconds of a fixed pure-Python loop."""
    started, total = time.process_time(), 0
    for number in range(30_000_000):
        total += number
    return time.process_time() - started


def bench_capacity(processes: int) -> float:
    """How many times faster ``processes`` processes get through the loop than one."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(processes) as pool:
        list(pool.map(_spin, range(processes)))  # start the processes first
        started = time.perf_counter()
        _spin()
        alone = time.perf_counter() - started
        started = time.perf_counter()
        list(pool.map(_spin, range(processes)))
        together = time.perf_counter() - started
    return processes * alone / together


def _texts(corpus: list[Path]) -> list[str]:
    from kg.ingest import find_documents

    return [p.read_text(encoding="utf-8", errors="replace") for p in find_documents(corpus)]


def bench_jieba(texts: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``jieba.lcut`` over ``texts``, dictionary preloaded."""
    import logging

    import jieba  # type: ignore[import-untyped]

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    wall, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        jieba.lcut(text)
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_build(paths: list[Path], out: Path, workers: int, html: bool, chars: int,
                label: str, *, memory: bool = True) -> Run:
    """One build in a fresh process, timed, and (``memory``) sampled.

    Sampling reads ``/proc/<pid>/smaps_rollup`` of every process of the tree 20 times a
    second, which costs the build CPU time on a 2-core machine (more with more processes),
    so timed runs are not sampled: :func:`main` measures memory in runs of its own.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _DRIVER, *map(str, paths), str(out), str(workers),
         "1" if html else "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    sampler = MemorySampler(process.pid)
    if memory:
        sampler.start()
    stdout, _ = process.communicate()
    wall = time.perf_counter() - started
    if memory:
        sampler.done.set()
        sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"build failed ({process.returncode})")
    built, triples = (int(x) for x in stdout.split()[-2:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(label, workers, wall, cpu, chars, built, triples, sampler.rss / 1024,
               sampler.pss / 1024, sampler.single / 1024)


def bench_queries(out: Path, repeat: int) -> tuple[float, dict[str, float]]:
    """Seconds to open (or make) the persisted store, and each query's median seconds."""
    from kg.query import ensure_store, run_query

    started = time.perf_counter()
    try:
        ensure_store(out)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
        print(f"(no persisted store: {exc})", file=sys.stderr)
    opened = time.perf_counter() - started
    latencies = {}
    for path in sorted((ROOT / "queries").glob("*.rq")):
        sparql = path.read_text(encoding="utf-8")
        run_query(sparql, out)  # warm-up
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            run_query(sparql, out)
            times.append(time.perf_counter() - started)
        latencies[path.name] = statistics.median(times)
    return opened, latencies


def _new_document(directory: Path) -> Path:
    """One document that no corpus of generate_corpus.py holds (another seed)."""
    from generate_corpus import generate

    directory.mkdir(parents=True, exist_ok=True)
    return generate(1, directory, seed=987654321)[0]


# ------------------------------------------------------------------------------ output


def render(report: Report) -> str:
    """The report as the table the README shows."""
    jieba_wall = report.chars / report.jieba_wall
    jieba_cpu = report.chars / report.jieba_cpu
    one = next((r for r in report.runs if r.workers == 1 and r.label.startswith("build")),
               None)
    lines = [
        f"corpus: {report.corpus}: {report.documents:,} documents, {report.chars:,} characters",
        "",
        ("| what | wall s | chars/s (wall) | CPU s | chars/s (CPU) | vs jieba (wall / CPU) "
         "| speed-up vs 1 worker | peak RSS / PSS / largest process (MB) |"),
        "|---|---|---|---|---|---|---|---|",
        (f"| bare jieba.lcut, 1 process | {report.jieba_wall:.1f} | {jieba_wall:,.0f} | "
         f"{report.jieba_cpu:.1f} | {jieba_cpu:,.0f} | 1.00 / 1.00 | | |"),
    ]
    for run in report.runs:
        speed = f"{one.wall / run.wall:.2f}x" if one is not None and run is not one \
            and run.label.startswith("build") else ""
        lines.append(
            f"| {run.label} | {run.wall:.1f} | {run.wall_rate:,.0f} | {run.cpu:.1f} | "
            f"{run.cpu_rate:,.0f} | {run.wall_rate / jieba_wall:.2f} / "
            f"{run.cpu_rate / jieba_cpu:.2f} | {speed} | {run.peak_rss_mb:,.0f} / "
            f"{run.peak_pss_mb:,.0f} / {run.peak_single_mb:,.0f} |")
    lines += ["", "parallel capacity of this machine (a pure-Python loop in N processes at once, "
              "against one; 2.00 on two free cores): "
              + ", ".join(f"{n}: {c:.2f}x" for n, c in report.capacity.items())]
    lines += ["", f"persisted query store opened (made on first use): {report.store_open:.2f} s",
              "", "| query | median ms |", "|---|---|"]
    lines += [f"| {name} | {sec * 1000:.1f} |" for name, sec in report.queries.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpus", type=Path, help="a directory of documents")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--html", action="store_true", help="also write the HTML picture")
    parser.add_argument("--repeat", type=int, default=5, help="runs per query")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of jieba and every build, interleaved; the best (least "
                             "wall-clock time) of each is reported")
    parser.add_argument("--out", type=Path, help="keep the builds here (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    texts = _texts([args.corpus])
    report = Report(str(args.corpus), len(texts), sum(map(len, texts)))
    most = max(args.workers)
    if most > 1:
        report.capacity[f"{most} processes, before the builds"] = bench_capacity(most)
    scratch = Path(tempfile.mkdtemp(prefix="kg-bench-")) if args.out is None else args.out
    try:
        out = scratch
        best: dict[int, Run] = {}
        report.jieba_wall = report.jieba_cpu = float("inf")
        # Rounds interleave the measurements, so that a slow spell of a shared machine
        # falls on jieba and on the builds alike; the best of each is what it can do.
        for round_number in range(1, args.rounds + 1):
            wall, cpu = bench_jieba(texts)
            print(f"round {round_number}: jieba {wall:.2f} s", file=sys.stderr)
            if wall < report.jieba_wall:
                report.jieba_wall, report.jieba_cpu = wall, cpu
            for workers in args.workers:
                out = scratch / f"build-{workers}"
                shutil.rmtree(out, ignore_errors=True)
                run = bench_build([args.corpus], out, workers, args.html, report.chars,
                                  f"build, {workers} worker(s)", memory=False)
                print(f"round {round_number}: {run}", file=sys.stderr)
                if workers not in best or run.wall < best[workers].wall:
                    best[workers] = run
        for workers in args.workers:  # memory, in sampled runs of its own
            out = scratch / f"build-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            sampled = bench_build([args.corpus], out, workers, args.html, report.chars,
                                  "memory", memory=True)
            print(f"memory run: {sampled}", file=sys.stderr)
            best[workers] = dataclasses.replace(
                best[workers], peak_rss_mb=sampled.peak_rss_mb,
                peak_pss_mb=sampled.peak_pss_mb, peak_single_mb=sampled.peak_single_mb)
        report.runs.extend(best[w] for w in args.workers)
        extra = _new_document(scratch / "new")
        added = len(extra.read_text(encoding="utf-8"))
        report.runs.append(bench_build([args.corpus, extra.parent], out, args.workers[-1],
                                       args.html, report.chars + added,
                                       "rebuild with 1 new document (cache)"))
        report.store_open, report.queries = bench_queries(out, args.repeat)
        if most > 1:
            report.capacity[f"{most} processes, after the builds"] = bench_capacity(most)
    finally:
        if args.out is None:
            shutil.rmtree(scratch, ignore_errors=True)
    print(render(report))
    if args.json:
        body = asdict(report)
        args.json.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
