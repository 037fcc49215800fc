"""PNG previews of one run's labels (`label ... -o t.png`): t.png for one label, t-1.png,
t-2.png... for several. Earlier previews of the same name that a run would not replace
are refused (exit 5, nothing written or logged): left beside the new ones they would be
taken for this label's (another patient's label among them). What was written is named.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import LABEL_ARGS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONFIG = EXAMPLES / "compounder.toml"
PATIENT_A = [
    "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
    "--concentration", "1mg/mL", "--titration", "--start-date", "2026-12-01",
    "--vehicle", "fawcett-preserved", "--strength-changed", "--stock", "avery-5163",
    "--config", str(CONFIG),
]  # fmt: skip
# another patient's single dose: two labels (a continuation) on the same stock
PATIENT_B = [
    "label", "--rx", "7654321", "--patient", "John Roe", "--prescriber", "Dr A. Smith",
    "--concentration", "1mg/mL", "--dose", "1.5mg", "--quantity", "25mL",
    "--fill-date", "2026-12-01", "--stock", "avery-5163", "--config", str(CONFIG),
]  # fmt: skip
ONE_LABEL = [*LABEL_ARGS, "--config", str(CONFIG)]


def history(cli, db: Path, rx: str) -> list[dict]:
    return json.loads(cli("history", "--rx", rx, "--db", str(db), "--json").stdout)["entries"]


def pngs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.png"))}


def test_another_patients_previews_are_not_left_beside_a_shorter_run(cli, tmp_path):
    db = tmp_path / "log.db"
    target = tmp_path / "t.png"
    first = cli(*PATIENT_A, "--db", str(db), "-o", str(target))
    assert first.exit_code == 0, first.output
    written = [tmp_path / f"t-{n}.png" for n in range(1, 4)]
    assert first.stdout.splitlines()[0] == (
        f"Wrote 3 labels for 1 container to {', '.join(str(p) for p in written)}"
    )
    before = pngs(tmp_path)
    assert sorted(before) == [p.name for p in written]

    second = cli(*PATIENT_B, "--db", str(db), "-o", str(target))
    assert second.exit_code == 5, second.output
    assert second.stdout == ""
    assert second.stderr == (
        f"compounder: error: cannot write {target}: t-3.png beside it would be "
        "left with this label's previews (t-1.png, t-2.png); move the earlier previews away "
        "or choose another name\n"
    )
    assert "Roe" not in second.stderr and "Jane" not in second.stderr
    assert pngs(tmp_path) == before  # nothing written
    assert history(cli, db, "7654321") == []  # nor logged
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]

    same = cli(*PATIENT_A, "--db", str(db), "-o", str(target), "--json")  # replaces them all
    assert same.exit_code == 0, same.output
    data = json.loads(same.stdout)
    assert data["files"] == [str(p) for p in written]
    assert data["output"] == str(target)


def test_one_preview_beside_numbered_ones_and_the_other_way(cli, tmp_path):
    db = tmp_path / "log.db"
    (tmp_path / "one-1.png").write_bytes(b"earlier")
    result = cli(*ONE_LABEL, "--db", str(db), "-o", str(tmp_path / "one.png"))
    assert result.exit_code == 5, result.output
    assert "one-1.png beside it would be left with this label's previews (one.png)" in (
        result.stderr
    )
    assert not (tmp_path / "one.png").exists()

    (tmp_path / "two.png").write_bytes(b"earlier")
    result = cli(*PATIENT_B, "--db", str(db), "-o", str(tmp_path / "two.png"))
    assert result.exit_code == 5, result.output
    assert "two.png beside it would be left with this label's previews (two-1.png, two-2.png)" in (
        result.stderr
    )
    assert (tmp_path / "two.png").read_bytes() == b"earlier"
    assert history(cli, db, "1234567") == [] and history(cli, db, "7654321") == []

    # names that are not this output's previews are no concern: other stems, other numbers
    (tmp_path / "two-x.png").write_bytes(b"other")
    (tmp_path / "twofold-3.png").write_bytes(b"other")
    ok = cli(*PATIENT_B, "--db", str(db), "-o", str(tmp_path / "three.png"), "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["files"] == [
        str(tmp_path / "three-1.png"),
        str(tmp_path / "three-2.png"),
    ]


def test_one_label_names_its_file(cli, tmp_path):
    result = cli(*ONE_LABEL, "--db", str(tmp_path / "log.db"), "-o", str(tmp_path / "l.png"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"Wrote 1 label to {tmp_path / 'l.png'}"


def test_a_reprint_is_refused_the_same_way(cli, tmp_path):
    db = tmp_path / "log.db"
    assert cli(*PATIENT_B, "--db", str(db), "-o", str(tmp_path / "b.pdf")).exit_code == 0
    for n in (1, 2, 3):
        (tmp_path / f"again-{n}.png").write_bytes(b"earlier")
    result = cli("reprint", "--rx", "7654321", "--db", str(db), "-o", str(tmp_path / "again.png"))
    assert result.exit_code == 5, result.output
    assert "again-3.png beside it would be left" in result.stderr
    assert (tmp_path / "again-1.png").read_bytes() == b"earlier"
    assert [e["kind"] for e in history(cli, db, "7654321")] == ["label"]
