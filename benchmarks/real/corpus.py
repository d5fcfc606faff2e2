"""The real-document corpus: which texts are present, which match their sha256, which are
kept out (the shared exclude list), and the documents and gold of each split.

    python benchmarks/real/corpus.py check            # a line per problem, a summary; exit 1 if any
    python benchmarks/real/corpus.py missing          # ids and urls a restoring helper must fetch
    python benchmarks/real/corpus.py stage dev DIR    # link the present texts of a split into DIR
    python benchmarks/real/corpus.py gold dev > G.json  # the merged gold of a split

The texts are third-party excerpts and stay out of the repository: they live in
``$KG_REAL_TEXTS`` (default ``~/.cache/kg-real/texts``) as ``<id>.txt``; ``sources.json`` holds
url, query, sha256, genre, bureau, script and split of each, ``gold/<id>.gold.json`` its gold.
A page whose url or text (UTF-8) has its sha256 in ``../shared/eval/exclude.sha256`` is kept
for the hidden set: ``check`` fails on it and ``stage`` never links it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
SOURCES = HERE / "sources.json"
GOLD = HERE / "gold"
EXCLUDE = HERE.parents[2] / "shared" / "eval" / "exclude.sha256"


def texts_dir() -> Path:
    """Where the texts are kept."""
    return Path(os.environ.get("KG_REAL_TEXTS") or Path.home() / ".cache" / "kg-real" / "texts")


def documents(split: str | None = None, genre: str | None = None) -> list[dict[str, object]]:
    """The corpus's records (of one split and/or genre)."""
    rows = json.loads(SOURCES.read_text(encoding="utf-8"))["documents"]
    return [r for r in rows if (split is None or r["split"] == split)
            and (genre is None or r["genre"] == genre)]


def excluded() -> set[str]:
    """The sha256 digests kept out of development (url or text)."""
    if not EXCLUDE.is_file():
        raise SystemExit(f"corpus: {EXCLUDE} not found: the exclude list is needed")
    return {line.strip() for line in EXCLUDE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def status(record: dict[str, object], kept_out: set[str]) -> str:
    """``ok``, ``missing``, ``changed`` (text differs from its sha256) or ``excluded``."""
    if _sha(str(record["url"]).encode("utf-8")) in kept_out:
        return "excluded"
    path = texts_dir() / f"{record['id']}.txt"
    if not path.is_file():
        return "missing"
    data = path.read_bytes()
    if _sha(data) in kept_out:
        return "excluded"
    return "ok" if _sha(data) == record["sha256"] else "changed"


def present(split: str | None = None, genre: str | None = None) -> list[dict[str, object]]:
    """The records whose text is present, unchanged and not excluded."""
    kept_out = excluded()
    return [r for r in documents(split, genre) if status(r, kept_out) == "ok"]


def merged_gold(records: list[dict[str, object]]) -> dict[str, object]:
    """The gold files of ``records`` merged into one, as ``benchmarks/merge_gold.py`` does for
    the written sets: an entity named in several documents is one row (the graph has one
    node for it)."""
    from kg.evaluate import merge_gold

    return merge_gold(json.loads((GOLD / f"{r['id']}.gold.json").read_text(encoding="utf-8"))
                      for r in records)


def stage(records: list[dict[str, object]], target: Path) -> None:
    """Link the texts of ``records`` into the empty directory ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for record in records:
        link = target / f"{record['id']}.txt"
        if not link.exists():
            link.symlink_to(texts_dir() / f"{record['id']}.txt")


def check() -> int:
    """Print a line per problem and a summary; 1 when any text is missing, changed or
    excluded, or a gold file is absent."""
    kept_out, problems, counts = excluded(), 0, {}
    for record in documents():
        state = status(record, kept_out)
        counts[state] = counts.get(state, 0) + 1
        if state != "ok":
            problems += 1
            print(f"{state}: {record['id']} {record['url']}")
        if not (GOLD / f"{record['id']}.gold.json").is_file():
            problems += 1
            print(f"no gold: {record['id']}")
    total = sum(counts.values())
    print(f"{counts.get('ok', 0)} of {total} texts present and unchanged in {texts_dir()}"
          + "".join(f", {n} {s}" for s, n in sorted(counts.items()) if s != "ok"))
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    """The command line (see the module's docstring)."""
    if argv[:1] == ["check"]:
        return check()
    if argv[:1] == ["missing"]:
        kept_out = excluded()
        for record in documents():
            if status(record, kept_out) in ("missing", "changed"):
                print(f"{record['id']}\t{record['url']}\t{record['query']}\t{record['sha256']}")
        return 0
    if len(argv) == 3 and argv[0] == "stage":
        stage(present(argv[1]), Path(argv[2]))
        return 0
    if len(argv) == 2 and argv[0] == "gold":
        json.dump(merged_gold(present(argv[1])), sys.stdout, ensure_ascii=False, indent=1)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
