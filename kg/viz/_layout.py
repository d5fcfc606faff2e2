"""A fast, deterministic force-directed layout, so big graphs open without in-browser physics.

Part of :mod:`kg.viz`; imports nothing from kg.  Needs numpy and scipy (imported when called).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

__all__ = ["force_layout"]


def force_layout(n: int, edges: Iterable[tuple[int, int]], *, seed: int = 7,
                 iterations: int = 50, spacing: float = 60.0) -> list[tuple[int, int]]:
    """A deterministic force-directed layout of ``n`` nodes, fast enough for 10,000.

    Fruchterman-Reingold forces: springs along the edges, repulsion computed exactly between
    close nodes (a k-d tree) and through the centres of mass of a 16 x 16 grid for far ones,
    so one step costs about O(n log n) instead of networkx's O(n^2).  The start positions come
    from a seeded generator, so the same graph always gets the same picture.

    Args:
        n: the number of nodes (numbered 0..n-1).
        edges: pairs of node numbers.
        seed: the seed of the start positions.
        iterations: the number of cooling steps.
        spacing: the ideal edge length in pixels.

    Returns:
        One ``(x, y)`` pair of integer pixels per node.
    """
    import numpy as np
    from scipy.spatial import cKDTree  # type: ignore[import-untyped,unused-ignore]

    if n == 0:
        return []
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-0.5, 0.5, size=(n, 2)) * math.sqrt(n)
    pairs_e = np.asarray(sorted(set(edges)), dtype=np.int64).reshape(-1, 2)
    temperature = math.sqrt(n) / 8
    gravity = 1.5
    for _ in range(iterations):
        disp = _far_repulsion(pos)
        near = cKDTree(pos).query_pairs(2.0, output_type="ndarray")
        _pull(disp, pos, near, lambda d2: 1.0 / d2)
        _pull(disp, pos, pairs_e, lambda d2: -0.4 * np.sqrt(d2))
        disp -= gravity * pos
        length = np.sqrt(np.maximum((disp * disp).sum(1), 1e-12))
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature = max(temperature * 0.92, 0.05)
    pos -= pos.mean(0)
    return [(round(x * spacing), round(y * spacing)) for x, y in pos.tolist()]


def _pull(disp: Any, pos: Any, pairs: Any, strength: Any) -> None:
    """Add to ``disp`` the force ``strength(d^2) * d`` between each pair (push if positive)."""
    import numpy as np

    if len(pairs) == 0:
        return
    d = pos[pairs[:, 0]] - pos[pairs[:, 1]]
    f = strength(np.maximum((d * d).sum(1), 1e-4))[:, None] * d
    n = len(disp)
    for axis in (0, 1):
        disp[:, axis] += np.bincount(pairs[:, 0], f[:, axis], n)
        disp[:, axis] -= np.bincount(pairs[:, 1], f[:, axis], n)


def _far_repulsion(pos: Any, cells: int = 16) -> Any:
    """Repulsion of every node from the centres of mass of a ``cells`` x ``cells`` grid."""
    import numpy as np

    lo, span = pos.min(0), np.maximum(np.ptp(pos, 0), 1e-6)
    ij = np.minimum(((pos - lo) / span * cells).astype(np.int64), cells - 1)
    cell = ij[:, 0] * cells + ij[:, 1]
    mass = np.bincount(cell, minlength=cells * cells).astype(float)
    keep = mass > 0
    cx = np.bincount(cell, pos[:, 0], cells * cells)[keep] / mass[keep]
    cy = np.bincount(cell, pos[:, 1], cells * cells)[keep] / mass[keep]
    d = (pos[:, 0] + 1j * pos[:, 1])[:, None] - (cx + 1j * cy)[None, :]
    floor = float((span / cells).max()) ** 2
    force = (d * (mass[keep] / np.maximum(d.real ** 2 + d.imag ** 2, floor))).sum(1)
    return np.stack([force.real, force.imag], 1)
