"""Merge per-document gold files into one (same class and label -> one row), for scoring a
whole held-out set in one run:  python benchmarks/merge_gold.py tests/data/unseen/*.gold.json > gold.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def merge(paths: list[Path]) -> dict[str, list[object]]:
    """One gold dict for all ``paths``: documents and awards concatenated, entities merged
    by (type, label, parent, org) with their aliases and docs unioned."""
    documents: list[str] = []
    entities: dict[tuple[str, ...], dict[str, object]] = {}
    awards: list[object] = []
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        documents.extend(data["documents"])
        awards.extend(data.get("awards", []))
        for row in data["entities"]:
            key = (row["type"], row["label"], str(row.get("parent")), str(row.get("org")))
            if key in entities:
                kept = entities[key]
                kept["aliases"] = sorted(set(kept["aliases"]) | set(row.get("aliases", [])))  # type: ignore[arg-type]
                kept["docs"] = sorted(set(kept.get("docs", [])) | set(row.get("docs", [])))  # type: ignore[arg-type]
                if not row.get("optional"):
                    kept.pop("optional", None)
            else:
                entities[key] = dict(row)
    return {"documents": documents, "entities": list(entities.values()), "awards": awards}


if __name__ == "__main__":
    json.dump(merge([Path(p) for p in sys.argv[1:]]), sys.stdout, ensure_ascii=False, indent=1)
