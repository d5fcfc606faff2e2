"""``python -m kg``: the ``kg`` command line (see :mod:`kg.cli`).

May import ``kg.cli`` only.
"""

from __future__ import annotations

from kg.cli import main

if __name__ == "__main__":
    main(prog_name="kg")
