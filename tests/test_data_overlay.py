"""A user's --data directory extends the lexicon without Python, end to end."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kg.cli import main
from kg.query import run_query

DOC = "青岛海关与蓝海港航联盟合作\n2020年，青岛海关与蓝海联盟签署合作备忘录，共同开展“智慧港口”建设。\n"
ROW = "canonical\tclass\taliases\tparent\tregion\tcity\n蓝海港航联盟\tExternalOrganization\t蓝海联盟\t\t\t\n"


def _labels(out: Path) -> set[str]:
    result = run_query("SELECT ?l WHERE { ?x a ckg:ExternalOrganization ; rdfs:label ?l }", out)
    return {row[0].value for row in result.rows if row[0] is not None}


def test_data_overlay_adds_an_organisation(tmp_path: Path) -> None:
    docs, data = tmp_path / "docs", tmp_path / "mydata" / "lexicon"
    docs.mkdir()
    data.mkdir(parents=True)
    (docs / "a.txt").write_text(DOC, encoding="utf-8")
    (data / "organisations.tsv").write_text(ROW, encoding="utf-8")
    runner = CliRunner()
    plain = runner.invoke(main, ["build", str(docs), "-o", str(tmp_path / "plain"), "--no-html"])
    extended = runner.invoke(main, ["build", str(docs), "-o", str(tmp_path / "ext"),
                                    "--no-html", "--data", str(tmp_path / "mydata")])
    assert plain.exit_code == 0 and extended.exit_code == 0, extended.output
    assert "蓝海港航联盟" not in _labels(tmp_path / "plain")
    assert "蓝海港航联盟" in _labels(tmp_path / "ext")


def test_data_overlay_conflict_is_one_line_exit_1(tmp_path: Path) -> None:
    docs, data = tmp_path / "docs", tmp_path / "mydata" / "lexicon"
    docs.mkdir()
    data.mkdir(parents=True)
    (docs / "a.txt").write_text(DOC, encoding="utf-8")
    (data / "organisations.tsv").write_text(
        "canonical\tclass\taliases\n天津港集团\tExternalOrganization\t津关\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(docs), "-o", str(tmp_path / "o"),
                                       "--data", str(tmp_path / "mydata")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "organisations.tsv:2: name '津关' maps to '天津海关'" in result.output
