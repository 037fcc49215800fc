"""templates/ and fonts/ are found after a plain (non-editable) install."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("compounder-*.whl")
    return path


@pytest.mark.slow
def test_wheel_carries_every_module(wheel):
    """Every module of the package, subpackages' too (``log/backends``)."""
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = [p.relative_to(ROOT).as_posix() for p in (ROOT / "compounder").rglob("*.py")]
    assert [m for m in modules if m not in names] == []


@pytest.mark.slow
def test_wheel_carries_data_and_fonts(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in [
        "compounder/core/units.txt",
        "compounder/templates/protocols/ldn-standard.toml",
        "compounder/templates/syringes.toml",
        "compounder/templates/strengths.toml",
        "compounder/fonts/AtkinsonHyperlegible-Regular.ttf",
        "compounder/fonts/AtkinsonHyperlegible-LICENSE.txt",
        "compounder/fonts/AtkinsonHyperlegible-Bold.ttf",
        "compounder/fonts/DejaVuSans.ttf",
        "compounder/fonts/DejaVu-LICENSE.txt",
        "compounder/templates/stocks/avery-5163.toml",
        "compounder/templates/wording/en.toml",
        "compounder/templates/wording/es.toml",
        "compounder/templates/chart_layout.toml",
        "compounder/templates/label_layout.toml",
        "compounder/templates/bud_rules.toml",
        "compounder/templates/formulations.toml",
        "compounder/schemas/order.json",
        "compounder/schemas/manifest.json",
        "compounder/schemas/error.json",
    ]:
        assert required in names, required


@pytest.mark.slow
def test_installed_layout_runs(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = (
        "from compounder.core.datafiles import data_dir; print(data_dir('templates')); "
        "print(data_dir('fonts'))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert found == [str(site / "compounder" / "templates"), str(site / "compounder" / "fonts")]
    plan = subprocess.run(
        [sys.executable, "-m", "compounder", "plan", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert plan.returncode == 0, plan.stderr
    assert '"concentration": "1 mg/mL"' in plan.stdout
    schema = subprocess.run(
        [sys.executable, "-m", "compounder", "schema", "order"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert schema.returncode == 0, schema.stderr
    assert '"$id": "urn:compounder:schema:order"' in schema.stdout


def test_the_public_api_is_every_name_in_all_imported_when_used():
    """``from compounder import X`` works for every public name, and importing the
    package alone loads none of the label, order or dispensing modules."""
    import subprocess
    import sys

    code = (
        "import sys, compounder\n"
        "assert 'compounder.api.dispensing' not in sys.modules\n"
        "assert 'compounder.api.orders' not in sys.modules\n"
        "for name in compounder.__all__:\n"
        "    assert getattr(compounder, name) is not None, name\n"
        "    assert name in dir(compounder), name\n"
        "assert compounder.make_labels.__module__ == 'compounder.api.dispensing'\n"
        "try:\n"
        "    compounder.no_such_name\n"
        "except AttributeError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('no AttributeError')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
