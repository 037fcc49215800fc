"""`compounder chart`."""

from __future__ import annotations

import json

from conftest import pdf_pages


def test_chart_command(cli, tmp_path, example_config):
    target = tmp_path / "chart.pdf"
    result = cli(
        "chart",
        "--start-date",
        "2026-12-01",
        "--concentration",
        "1mg/mL",
        "--patient",
        "Jane Doe",
        "-o",
        str(target),
        "--config",
        str(example_config),
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Wrote the dosing chart (7 steps) to {target}\n"
    assert len(pdf_pages(target.read_bytes())) == 4


def test_chart_json_and_a4(cli, tmp_path, example_config):
    result = cli(
        "chart",
        "--protocol",
        "ldn-slow-start",
        "--paper",
        "a4",
        "-o",
        str(tmp_path / "c.pdf"),
        "--config",
        str(example_config),
        "--json",
    )
    data = json.loads(result.stdout)
    assert [s["fill_to"] for s in data["chart"]["steps"]][:2] == ["Fill to 0.5 mL", "Fill to 1 mL"]


def test_chart_errors(cli, tmp_path, example_config):
    target = tmp_path / "c.pdf"
    result = cli("chart", "--paper", "a5", "-o", str(target), "--config", str(example_config))
    assert result.exit_code == 2
    assert "paper: 'a5' is not accepted; expected letter or a4" in result.stderr
    result = cli("chart", "--language", "fr", "-o", str(target), "--config", str(example_config))
    assert result.exit_code == 2
    assert "language: 'fr' is not accepted; expected one of en, es" in result.stderr
    result = cli("chart", "-c", "3mg/mL", "-o", str(target), "--config", str(example_config))
    assert result.exit_code == 3
    assert not target.exists()


def test_chart_in_english_then_spanish(cli, tmp_path, example_config):
    target = tmp_path / "chart.pdf"
    result = cli("chart", "--start-date", "2026-12-01", "--concentration", "1mg/mL",
                 "--language", "en+es", "--patient", "Jane Doe", "-o", str(target),
                 "--config", str(example_config), "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    charts = json.loads(result.stdout)["charts"]
    assert [c["language"] for c in charts] == ["en", "es"]
    pages = pdf_pages(target.read_bytes())
    assert len(pages) == 8  # the English chart's 4 pages, then the Spanish chart's
    assert "Page 4 of 4" in pages[3].extract_text()
    assert "Página 1 de 4" in pages[4].extract_text()
    spanish = " ".join(page.extract_text() for page in pages[4:])
    assert "Paso 1: del 1 dic al 14 dic 2026" in spanish
