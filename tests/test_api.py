"""Tests for the public surface: ``kg.__all__``, a light ``import kg``, and the console
script's ``--help`` / ``--version``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

import kg


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout


def test_api_all_is_sorted_and_resolves() -> None:
    assert kg.__all__ == sorted(kg.__all__)
    assert len(kg.__all__) == len(set(kg.__all__))
    for name in kg.__all__:
        assert getattr(kg, name) is not None, name


def test_api_names_are_the_library_functions() -> None:
    from kg.doc import Document
    from kg.errors import KgError
    from kg.pipeline import build

    assert set(kg.__all__) >= {"Document", "KgError", "__version__", "build", "evaluate",
                               "query", "validate"}
    assert kg.build is build
    assert (kg.Document, kg.KgError) == (Document, KgError)
    assert isinstance(kg.__version__, str) and kg.__version__[0].isdigit()


def test_api_functions_stay_functions_after_a_second_access() -> None:
    """Found by these tests: kg.query was the module kg.query from its second access on."""
    code = ("import kg; first = kg.query; second = kg.query; "
            "print(callable(first), callable(second), callable(kg.validate), "
            "callable(kg.validate), callable(kg.evaluate), callable(kg.evaluate))")
    assert _python(code).split() == ["True"] * 6
    from kg.evaluate import evaluate
    from kg.query import run_query
    from kg.validate import validate

    assert (kg.query, kg.validate, kg.evaluate) == (run_query, validate, evaluate)


def test_api_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        kg.nope  # noqa: B018


def test_api_import_kg_is_light() -> None:
    loaded = json.loads(_python("import json, sys, kg; print(json.dumps(sorted(sys.modules)))"))
    for heavy in ("jieba", "jieba_fast_dat", "pyshacl", "kg.pipeline", "kg.patterns"):
        assert heavy not in loaded, heavy


def test_api_cli_module_does_not_load_jieba() -> None:
    loaded = json.loads(_python(
        "import json, sys, kg.cli; print(json.dumps(sorted(sys.modules)))"))
    assert "jieba" not in loaded and "jieba_fast_dat" not in loaded


def _cli() -> list[str]:
    script = shutil.which("kg")
    return [script] if script else [sys.executable, "-m", "kg"]


@pytest.mark.parametrize("option", ["--help", "--version"])
def test_api_console_script_answers(option: str) -> None:
    done = subprocess.run([*_cli(), option], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    if option == "--version":
        assert kg.__version__ in done.stdout
    else:
        assert "build" in done.stdout and "query" in done.stdout


def test_api_python_dash_m_kg_answers() -> None:
    done = subprocess.run([sys.executable, "-m", "kg", "--version"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and kg.__version__ in done.stdout
