"""Merge per-document gold files into one, to score a whole held-out set in one run::

    python benchmarks/merge_gold.py tests/data/unseen/*.gold.json > /tmp/unseen.gold.json

(`kg evaluate --gold A.json --gold B.json` does the same merge internally.)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kg.evaluate import merge_gold

if __name__ == "__main__":
    datas = [json.loads(Path(p).read_text(encoding="utf-8")) for p in sys.argv[1:]]
    json.dump(merge_gold(datas), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
