"""Shared fixtures: the shipped catalogue and protocols, a CLI runner, fixture files."""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compounder.cli.app import app
from compounder.core.protocols import load_protocol
from compounder.core.syringes import load_catalogue

DATA = Path(__file__).parent / "data"

# The tests that interrupt a command send it SIGINT. A shell starts a background job
# with SIGINT ignored, and an ignored signal stays ignored in every child: the commands
# those tests start would not hear it. Handled here, it is back to its default in them.
signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="session")
def standard():
    return load_protocol("ldn-standard")


@pytest.fixture
def data_dir() -> Path:
    return DATA


class Cli:
    """Runs the compounder app in-process and keeps stdout and stderr apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, **kwargs):
        return self.runner.invoke(app, list(args), catch_exceptions=False, **kwargs)


@pytest.fixture
def cli() -> Cli:
    return Cli()


EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "examples" / "compounder.toml"

# A preparation recorded and a label printed, as the log tests type them (add --db, -o).
RECORD_ARGS = [
    "record",
    "--rx",
    "1234567",
    "--concentration",
    "1mg/mL",
    "--volume",
    "30mL",
    "--from",
    "tablets",
    "--prepared-by",
    "JD",
    "--checked-by",
    "MK",
    "--date",
    "2026-12-01",
]
LABEL_ARGS = [
    "label",
    "--rx",
    "1234567",
    "--patient",
    "Jane Doe",
    "--prescriber",
    "Dr A. Smith",
    "--dose",
    "1.5mg",
    "--concentration",
    "1mg/mL",
    "--quantity",
    "25mL",
    "--fill-date",
    "2026-12-01",
]


@pytest.fixture
def example_config() -> Path:
    return EXAMPLE_CONFIG


def predating(folder: Path) -> Path:
    """The example settings of a site that pre-dates (``[records] allow_future_dates``):
    fills dated after today, as a pharmacy printing next week's fills would (docs/staff.md)."""
    text = EXAMPLE_CONFIG.read_text()
    assert "allow_future_dates = false" in text
    path = folder / "predating.toml"
    path.write_text(text.replace("allow_future_dates = false", "allow_future_dates = true"))
    return path


@pytest.fixture
def predating_config(tmp_path) -> Path:
    return predating(tmp_path)


def pdf_pages(data: bytes):
    """pdfplumber pages of a PDF given as bytes."""
    import io

    import pdfplumber

    return pdfplumber.open(io.BytesIO(data)).pages


def decode_barcodes(data: bytes, page: int = 0, dpi: int = 300) -> list[str]:
    """Render a page with pdfium and read every barcode on it with zxing-cpp."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(data)
    image = document[page].render(scale=dpi / 72).to_pil()
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.fixture(autouse=True)
def private_data_folder(tmp_path_factory, monkeypatch):
    """Every test logs to a compounding log of its own, never the user's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))


# heads are witnessed in a test's own anchor file, never one beside examples/ or the
# user's settings (module-scoped fixtures log before any test's fixture runs)
os.environ["COMPOUNDER_ANCHOR"] = str(
    Path(tempfile.mkdtemp(prefix="compounder-anchors-")) / "anchors.log"
)


@pytest.fixture(autouse=True)
def own_anchor(tmp_path_factory, monkeypatch) -> Path:
    """Every test witnesses its logs' heads in an anchor file of its own."""
    path = tmp_path_factory.mktemp("anchor") / "anchors.log"
    monkeypatch.setenv("COMPOUNDER_ANCHOR", str(path))
    return path


#: The pharmacy settings every test finds in its user config folder (as if 'compounder
#: init --staff ...' had been run): the shipped defaults and a staff register with the
#: initials the tests sign with. A test that needs no settings points XDG_CONFIG_HOME
#: elsewhere; one that gives --config gets that file's register.
TEST_SETTINGS = """[pharmacy]
name = "Test Pharmacy"
address = "1 Test Street"
phone = "555-0100"

[staff.JD]
name = "Julia Diaz"
role = "pharmacist"

[staff.MK]
name = "Marcus Kim"
role = "pharmacist"

[staff.AB]
name = "Ana Brooks"
role = "pharmacist"

[staff.TR]
name = "Tomas Reyes"
role = "technician"

[staff.OL]
name = "Olga Lind"
role = "pharmacist"
active = false
"""


def _user_settings(folder: Path) -> Path:
    (folder / "compounder").mkdir(parents=True, exist_ok=True)
    path = folder / "compounder" / "config.toml"
    path.write_text(TEST_SETTINGS, encoding="utf-8")
    return path


# module-scoped fixtures run before any test's fixture: they find these settings
os.environ["XDG_CONFIG_HOME"] = str(
    _user_settings(Path(tempfile.mkdtemp(prefix="compounder-config-"))).parents[1]
)


@pytest.fixture(autouse=True)
def registered_staff(tmp_path_factory, monkeypatch) -> Path:
    """Every test's user settings hold a staff register (``TEST_SETTINGS``), never the
    developer's own settings."""
    path = _user_settings(tmp_path_factory.mktemp("config"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(path.parents[1]))
    return path


@pytest.fixture(autouse=True)
def no_log_url_from_the_environment(monkeypatch):
    """A COMPOUNDER_DB of the developer's shell never reaches a test's log."""
    monkeypatch.delenv("COMPOUNDER_DB", raising=False)


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL server for the whole run (tests/pg_server.py)."""
    from pg_server import Server

    server = Server()
    yield server
    server.close()


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def log_db(request, tmp_path) -> str:
    """A new, empty compounding log on each backend: a SQLite file, or a database of its
    own on the test PostgreSQL server (its URL). Every store and log test takes it."""
    if request.param == "sqlite":
        return str(tmp_path / "log.db")
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture
def listener():
    """A loopback TCP listener standing in for a thermal printer's raw port."""
    from printer_servers import Listener

    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="session")
def cups():
    """A private CUPS daemon on a loopback port (see tests/printer_servers.py)."""
    import shutil
    import tempfile

    from printer_servers import Cups

    # cupsd runs its backends as the lp user: the spool must be reachable by it, which a
    # pytest temporary folder (private to its owner) is not.
    root = Path(tempfile.mkdtemp(prefix="compounder-cups-"))
    root.chmod(0o755)
    daemon = Cups(root)
    yield daemon
    daemon.stop()
    shutil.rmtree(root, ignore_errors=True)
