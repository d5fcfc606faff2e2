"""How build time grows with pathological document shapes (run by hand).

    python benchmarks/bench_pathological.py

For each shape it builds documents of n and 2n repetitions and prints the seconds and the
ratio; a ratio near 2 means linear work, near 4 quadratic.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from kg.patterns import load_resources
from kg.pipeline import build

SHAPES = {
    "long 、 list": lambda n: "天津海关、" * n + "被评为全国文明单位。",
    "many offices": lambda n: "上海海关，天津海关。" * n,
    "nested unit words": lambda n: "天津海关" + "科" * n + "被评为全国文明单位。",
    "many sentences": lambda n: "2015年，天津海关被评为“全国文明单位”。" * n,
}


def seconds(text: str) -> float:
    """Wall time of one build of a one-document corpus holding ``text``."""
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "doc.txt"
        doc.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        build([doc], Path(tmp) / "out", html=False, cache=False)
        return time.perf_counter() - started


if __name__ == "__main__":
    load_resources().tokenizer  # noqa: B018 - load jieba once, outside the timings
    for name, make in SHAPES.items():
        small, large = seconds(make(3000)), seconds(make(6000))
        print(f"{name:18} n=3000 {small:6.2f} s   n=6000 {large:6.2f} s   ratio {large / small:4.1f}")
