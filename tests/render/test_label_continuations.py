"""A container's labels a patient can use (issue 25, item 6), read back from the PDF.

For every shipped stock x print-size profile x language, for a fixed dose and every
fill of a titration (NOTE STRENGTH, morning doses, fills spanning steps): at most three
labels a container; the first label carries the patient, the drug and strength, NOTE
STRENGTH and the opioid warning, the Rx number, the discard date and the first
direction; every continuation starts with the patient's name at the first label's
name size and the drug; no drug name or date is cut between labels. ZPL and PNG draw
as many labels. Where the whole directions need more labels, the label gives the first
step(s) and sends the patient to the dosing chart, which holds those steps, and the
command says to give the chart. Where not even that fits, the label is refused,
naming the stocks that hold it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from conftest import pdf_pages
from test_label_profiles_readback import labels_read_back, squeeze

from compounder.api.dispensing import make_chart, make_labels
from compounder.core.datafiles import shipped_ids
from compounder.core.label_profiles import load_label_profiles
from compounder.core.stocks import load_stock
from compounder.core.wording import load_wording
from compounder.render.label_output import render_label_files
from compounder.render.textfit import DoesNotFitError, load_layout

STOCKS = shipped_ids("stocks")
PROFILES = load_label_profiles().ids()
LANGUAGES = ("en", "es", "en+es")
PART = re.compile(r"(?:Label|Etiqueta)(\d+)(?:of|de)(\d+)")
BASE = {"rx": "1234567", "patient": "Jane Doe", "prescriber": "Dr A. Smith", "log": False}
CASES = {
    "fixed": {"dose": "1.5 mg", "quantity": "30 mL", "fill_date": "2026-12-01"},
    "titration": {
        "titration": True,
        "fill": "all",
        "start_date": "2027-12-31",
        "vehicle": "fawcett-preserved",
        "dose_time": "morning",
    },
}
# Where the first label cannot carry what it must at the profile's minimum sizes (or
# the rest does not fit three labels even with the chart): large print on labels
# under 6 in, California's 12 pt on a 2 in label, two languages on a 2 in label.
REFUSED = {
    *((stock, "large-print", lang, "titration") for stock in ("avery-5163", "a4-99x67",
      "thermal-4x3") for lang in LANGUAGES),
    *(("avery-5163", "large-print", lang, "fixed") for lang in LANGUAGES),
    *(("a4-99x67", "large-print", lang, "fixed") for lang in LANGUAGES),
    *(("avery-5163", "california", lang, case) for lang in ("en", "en+es")
      for case in CASES),
}  # fmt: skip


def labels(stock: str, profile: str, language: str, case: str, config):
    return make_labels(
        **BASE, **CASES[case], strength_changed=True, stock=stock, profile=profile,
        language=language, config=config,
    )  # fmt: skip


def containers(pdf: bytes, stock) -> list[list]:
    """The labels read back, grouped by container ("Label n of N")."""
    grouped: list[list] = []
    for _box, lines in labels_read_back(pdf, stock):
        text = squeeze(" ".join(ln.text for ln in lines))
        found = PART.search(text)
        number = int(found.group(1)) if found else 1
        if number == 1:
            grouped.append([])
        grouped[-1].append(lines)
        assert not found or int(found.group(2)) <= 3, text
    return grouped


def dates_of(content) -> set[str]:
    """Every date a label's text gives, as printed ("Feb 3, 2028", "3 feb 2028")."""
    months = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|ene|feb|mar|abr|may|jun|jul|"
    months += "ago|sep|oct|nov|dic"
    pattern = re.compile(rf"(?:(?:{months}) \d{{1,2}}, \d{{4}}|\d{{1,2}} (?:{months}) \d{{4}})")
    return {m for b in content.blocks for m in pattern.findall(b.text)}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("stock_id", STOCKS)
def test_a_containers_labels(stock_id, profile, language, case, example_config):
    stock = load_stock(stock_id)
    if (stock_id, profile, language, case) in REFUSED:
        with pytest.raises(DoesNotFitError) as refused:
            labels(stock_id, profile, language, case, example_config)
        message = str(refused.value)
        assert "the first label must carry the patient, the drug, the first direction" in message
        assert f"{stock_id} cannot (" in message and "roll-4x6" in message
        return
    run = labels(stock_id, profile, language, case, example_config)
    wording = load_wording(language.split("+")[0])
    layout = load_layout(profile=profile)
    pdf = render_label_files("pdf", run.contents, stock, 203, layout=layout)[0]
    grouped = containers(pdf, stock)
    assert len(grouped) == len(run.contents)
    for content, drawn in zip(run.contents, grouped, strict=True):
        assert 1 <= len(drawn) <= 3
        first = squeeze(" ".join(ln.text for ln in drawn[0]))
        lines = {b.field: b.text for b in content.blocks}
        drug = next(b.text for b in content.continued).split(" • ")[1]
        for must in (
            "Jane Doe",
            drug,
            wording.warning("note-strength"),
            wording.warning("no-opioids"),
            wording.text("label.rx", rx="1234567"),
            lines["directions"].splitlines()[:2][-1],  # the first (dated) direction
        ):
            assert squeeze(must) in first, (must, first)
        discard = lines["quantity and dates"].splitlines()[1].split(" • ")[1]
        assert squeeze(discard) in first
        name_size = {s for ln in drawn[0] if ln.text.startswith("Jane") for s in ln.sizes}
        assert len(name_size) == 1
        for continuation in drawn[1:]:
            head = continuation[0]
            assert squeeze(head.text).startswith(squeeze(f"Jane Doe • {drug}")[: len(head.text)])
            heading = squeeze(" ".join(ln.text for ln in continuation[:2]))
            assert squeeze(f"Jane Doe • {drug}") in heading
            assert set(head.sizes) == name_size  # the profile's name size, as on label 1
        # nothing cut between labels: each date and the drug's name whole on one label
        texts = [squeeze(" ".join(ln.text for ln in label)) for label in drawn]
        for when in dates_of(content):
            assert any(squeeze(when) in text for text in texts), when
        assert all(squeeze(drug) in text for text in texts)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("stock_id", STOCKS)
def test_zpl_and_png_draw_as_many_labels(stock_id, profile, example_config):
    language, case = "en+es", "titration"
    if (stock_id, profile, language, case) in REFUSED:
        return
    run = labels(stock_id, profile, language, case, example_config)
    stock, layout = load_stock(stock_id), load_layout(profile=profile)
    pdf = render_label_files("pdf", run.contents, stock, 203, layout=layout)[0]
    counts = [len(c) for c in containers(pdf, stock)]
    zpl = render_label_files("zpl", run.contents, stock, 203, layout=layout)[0].decode()
    assert zpl.count("^XA") == sum(counts) == run.label_count
    pngs = render_label_files("png", run.contents, stock, 203, layout=layout)
    assert len(pngs) == sum(counts)
    # the ZPL's first label carries what the PDF's does
    first = zpl.split("^XZ")[0]
    for must in ("NOTE STRENGTH: new concentration", "Rx: 1234567", "Jane Doe"):
        assert must in first


CHART_ORDER = {
    **BASE, **CASES["titration"], "strength_changed": True, "stock": "avery-5163",
    "profile": "usp17", "language": "en+es",
}  # fmt: skip


def test_directions_too_long_for_three_labels_refer_to_the_chart(example_config):
    run = make_labels(**CHART_ORDER, config=example_config)
    referring = [c for c in run.contents if c.chart_from is not None]
    assert referring  # two languages of dated steps do not fit three 2 in labels
    notes = [n for n in run.notes if "dosing chart" in n]
    assert len(notes) == len(referring)
    assert all("give the patient the chart (compounder chart)" in n for n in notes)
    content = referring[0]
    lines = {b.field: b.text for b in content.blocks}
    start = content.chart_from
    assert (
        f"From {start:%b} {start.day}, {start.year}: follow your dosing chart"
        in (lines["directions"])
    )
    assert f"A partir del {start.day} " in lines["directions (es)"]
    assert "siga su calendario de dosis" in lines["directions (es)"]
    # the chart holds every day the label leaves to it, at that day's dose
    chart = make_chart(
        titration=True, start_date="2027-12-31", vehicle="fawcett-preserved",
        dose_time="morning", config=example_config,
    ).content  # fmt: skip
    first_fill = run.orders[run.contents.index(content)]
    for direction in first_fill.directions:
        if direction.first_day < start:
            continue
        day = direction.first_day
        while day <= direction.last_day:
            label = f"{day:%b} {day.day}"
            (step,) = [s for s in chart.steps if label in s.day_labels]
            assert step.volume_ml == direction.step.volume_ml, label
            day += timedelta(days=1)
    assert start > date(2027, 12, 31)


def test_the_label_command_says_to_give_the_chart(cli, tmp_path, example_config):
    result = cli(
        "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--titration", "--start-date", "2027-12-31", "--vehicle", "fawcett-preserved",
        "--morning", "--strength-changed", "--stock", "avery-5163", "--language", "en+es",
        "--config", str(example_config), "-o", str(tmp_path / "l.pdf"),
        "--db", str(tmp_path / "log.db"),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "give the patient the chart (compounder chart)" in result.stdout
    text = " ".join(pdf_pages((tmp_path / "l.pdf").read_bytes())[0].extract_text().split())
    assert "follow your dosing chart" in text


def test_large_print_on_a_small_label_is_refused_naming_what_holds_it(
    cli, tmp_path, example_config
):
    result = cli(
        "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--titration", "--start-date", "2027-12-31", "--vehicle", "fawcett-preserved",
        "--morning", "--strength-changed", "--stock", "avery-5163", "--language", "en+es",
        "--profile", "large-print", "--config", str(example_config),
        "-o", str(tmp_path / "l.pdf"), "--db", str(tmp_path / "log.db"),
    )  # fmt: skip
    assert result.exit_code == 3
    (line,) = result.stderr.strip().splitlines()
    assert "avery-5163 cannot (roll-4x6 can)" in line and "Jane" not in line
    assert not (tmp_path / "l.pdf").exists()
