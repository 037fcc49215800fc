"""An output name's suffix and the format written (`api.delivery.output_format`).

Without --format or --print a .pdf/.zpl/.png name chooses the format; otherwise a name
that says another format than --format's or the printer's is refused (exit 2), before
anything is written, sent or logged: the suffix never changes what a printer is sent.
"""

from __future__ import annotations

import json

from conftest import LABEL_ARGS
from label_images import zpl_images

LABEL = list(LABEL_ARGS)


def history(cli, db) -> list[dict]:
    result = cli("history", "--rx", "1234567", "--db", str(db), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["entries"]


def settings_with_printer(tmp_path, example_config, uri: str):
    path = tmp_path / "compounder.toml"
    text = example_config.read_text(encoding="utf-8")
    text = text[: text.index("[printers.")]
    path.write_text(text + f'[printers.zebra]\nuri = "{uri}"\nformat = "zpl"\n', encoding="utf-8")
    return path


def refused(result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr == f"compounder: error: {message}\n"


def test_a_pdf_name_for_the_printers_zpl_is_refused(cli, tmp_path, example_config, listener):
    db = tmp_path / "log.db"
    target = tmp_path / "b.pdf"
    result = cli(
        *LABEL, "--config", str(example_config), "--db", str(db),
        "-o", str(target), "--print", listener.uri,
    )  # fmt: skip
    refused(
        result,
        f"-o {target} is a .pdf name but the labels are zpl (the printer's format); "
        f"use -o {tmp_path / 'b.zpl'} or --format pdf",
    )
    assert not target.exists()
    assert history(cli, db) == []
    assert listener.received == []


def test_a_named_printers_format_against_the_suffix(cli, tmp_path, example_config, listener):
    """-o a.pdf --print zebra (a zpl printer): refused; --format pdf settles it (the
    printer is then sent the PDF, as --format always overrides the printer's; a PDF on
    a raw port cannot be confirmed by ~HS, so it is sent, not confirmed: exit 5)."""
    config = settings_with_printer(tmp_path, example_config, listener.uri)
    db = tmp_path / "log.db"
    target = tmp_path / "a.pdf"
    common = [*LABEL, "--config", str(config), "--db", str(db), "-o", str(target)]
    refused(
        cli(*common, "--print", "zebra"),
        f"-o {target} is a .pdf name but the labels are zpl (the printer's format); "
        f"use -o {tmp_path / 'a.zpl'} or --format pdf",
    )
    assert not target.exists() and history(cli, db) == []
    result = cli(*common, "--print", "zebra", "--format", "pdf")
    assert result.exit_code == 5, result.stderr
    assert "sent, not confirmed" in result.stderr
    assert target.read_bytes().startswith(b"%PDF")
    assert listener.wait() == [target.read_bytes()]


def test_a_png_name_when_printing_is_refused(cli, tmp_path, example_config):
    db = tmp_path / "log.db"
    target = tmp_path / "x.png"
    result = cli(
        *LABEL, "--config", str(example_config), "--db", str(db),
        "-o", str(target), "--print", "cups:q",
    )  # fmt: skip
    refused(
        result,
        f"-o {target} is a .png name but the labels are pdf (the printer's format); "
        f"use -o {tmp_path / 'x.pdf'} (a png preview is not printed)",
    )
    assert not target.exists() and history(cli, db) == []


def test_format_against_the_suffix_is_refused(cli, tmp_path, example_config):
    db = tmp_path / "log.db"
    target = tmp_path / "label.PDF"
    common = [*LABEL, "--config", str(example_config), "--db", str(db)]
    refused(
        cli(*common, "--format", "zpl", "-o", str(target)),
        f"-o {target} is a .pdf name but the labels are zpl (--format zpl); "
        f"use -o {tmp_path / 'label.zpl'} or --format pdf",
    )
    assert not target.exists() and history(cli, db) == []


def test_names_that_say_no_format_take_the_format_chosen(cli, tmp_path, example_config, listener):
    db = tmp_path / "log.db"
    common = [*LABEL, "--config", str(example_config), "--db", str(db)]
    raw = tmp_path / "label.bin"
    assert cli(*common, "-o", str(raw), "--print", listener.uri).exit_code == 0
    assert raw.read_bytes().startswith(b"^XA") and listener.wait() == [raw.read_bytes()]
    plain = tmp_path / "label"
    assert cli(*common, "-o", str(plain)).exit_code == 0
    assert plain.read_bytes().startswith(b"%PDF")
    zpl = tmp_path / "same.zpl"  # the suffix agrees with the printer's format
    assert cli(*common, "-o", str(zpl), "--print", listener.uri).exit_code == 0
    assert len(zpl_images(zpl.read_bytes(), 203)) == 1
    assert listener.wait(2)[1] == zpl.read_bytes()


def test_reprint_keeps_the_same_rule(cli, tmp_path, example_config, listener):
    db = tmp_path / "log.db"
    assert cli(*LABEL, "--config", str(example_config), "--db", str(db),
               "-o", str(tmp_path / "label.pdf")).exit_code == 0  # fmt: skip
    again = tmp_path / "again.pdf"
    reprint = ["reprint", "--rx", "1234567", "--db", str(db), "-o", str(again)]
    refused(
        cli(*reprint, "--print", listener.uri),
        f"-o {again} is a .pdf name but the labels are zpl (the printer's format); "
        f"use -o {tmp_path / 'again.zpl'} or --format pdf",
    )
    refused(
        cli("reprint", "--rx", "1234567", "--db", str(db), "--format", "zpl", "-o", str(again)),
        f"-o {again} is a .pdf name but the labels are zpl (--format zpl); "
        f"use -o {tmp_path / 'again.zpl'} or --format pdf",
    )
    assert not again.exists() and listener.received == []
    assert [e["kind"] for e in history(cli, db)] == ["label"]
    zpl = tmp_path / "again.zpl"  # without --format or --print the name still chooses
    assert cli("reprint", "--rx", "1234567", "--db", str(db), "-o", str(zpl)).exit_code == 0
    assert zpl.read_bytes().startswith(b"^XA")
