"""Pharmacy settings: who prints the label, and the defaults a pharmacy works with.

Found at an explicit ``--config`` path, else ``compounder.toml`` in the working
directory, else ``config.toml`` in the user's config folder (``platformdirs``: on Linux
``$XDG_CONFIG_HOME/compounder/`` or ``~/.config/compounder/``; on macOS
``~/Library/Application Support/compounder/``; on Windows ``%LOCALAPPDATA%\\compounder\\``).
``examples/compounder.toml`` shows every setting for a fictional pharmacy;
``compounder init`` writes one (``write_settings``).

Where the compounding log is (``[log] url``) is read here too, once, by
``log_setting``: every command that opens the log asks it (through ``log/store``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compounder.core import label_formats
from compounder.core.bud import DAY_COUNTING, BudRules, load_bud_rules
from compounder.core.datafiles import Table, load_toml
from compounder.core.staff import StaffRegister, parse_register
from compounder.core.stocks import PAPER
from compounder.errors import DataFileError

DOSE_TIMES = ("bedtime", "morning")
#: The forms of ingredient a received lot may be (``[lots] quarantine`` names some).
LOT_FORMS = ("tablet", "powder", "liquid")


PRINTER_FORMATS = tuple(reversed(label_formats.PRINTER_FORMATS))  # zpl (the default), pdf
PRINTER_DPI = (203, 300)
PRINTER_PORT = 9100  # a thermal printer's raw port, when a socket address names none
SOCKET_FORM = "socket://HOST:PORT, e.g. socket://192.0.2.10:9100 or socket://[::1]:9100"
QUEUE_FORM = "cups:QUEUE (a CUPS queue name without spaces, '/' or '#')"


def printer_address(uri: str) -> tuple[str, str, int]:
    """Where a printer's uri points: ("socket", HOST, PORT) for ``socket://HOST:PORT``
    (an IPv6 host in brackets, the port 9100 when left out; nothing else in the
    address: no user, path or query), or ("cups", QUEUE, 0) for ``cups:QUEUE`` or a
    bare queue name. ValueError saying the accepted form otherwise."""
    import re
    from urllib.parse import urlsplit

    if uri.startswith("socket://"):
        netloc = uri.removeprefix("socket://").removesuffix("/")
        if not re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?", netloc):
            raise ValueError(SOCKET_FORM)
        try:
            parts = urlsplit(f"socket://{netloc}")
            host, port = parts.hostname, parts.port
        except ValueError:
            raise ValueError(SOCKET_FORM) from None
        port = PRINTER_PORT if port is None else port
        if not host or not 0 < port < 65536:
            raise ValueError(SOCKET_FORM)
        return "socket", host, port
    queue = uri.removeprefix("cups:")
    if not queue or not queue.isprintable() or any(ch.isspace() or ch in "/#" for ch in queue):
        raise ValueError(QUEUE_FORM)
    return "cups", queue, 0


@dataclass(frozen=True)
class PrinterSettings:
    """A label printer the pharmacy prints to by name (``[printers.NAME]``)."""

    name: str
    uri: str  # socket://HOST:PORT (raw TCP) or cups:QUEUE (a CUPS print queue)
    format: str = "zpl"  # what it is sent: zpl, or pdf (a CUPS queue that prints PDF)
    dpi: int = 203  # the print head's resolution: 203 or 300
    stock: str = ""  # the stock loaded in it (empty: the default stock)


@dataclass(frozen=True)
class AuxiliaryWarning:
    """A warning the pharmacy adds (``[warnings.library.ID]``): its text per language."""

    id: str
    texts: tuple[tuple[str, str], ...]  # (language, text)

    def text(self, language: str) -> str | None:
        return dict(self.texts).get(language)


@dataclass(frozen=True)
class LotRules:
    """``[lots]`` of the settings: whether every ingredient lot must have been received,
    and which forms of ingredient start quarantined."""

    require_received: bool = False
    quarantine: tuple[str, ...] = ("powder",)
    products: str = ""  # the pharmacy's own products file


@dataclass(frozen=True)
class RecordDates:
    """``[records]`` of the settings: whether a record or label may be dated after now
    (``allow_future_dates``, pre-dating), and the clock skew tolerated before a date is
    "after now" (``clock_skew_minutes``)."""

    allow_future_dates: bool = False
    clock_skew_minutes: int = 5


@dataclass(frozen=True)
class PharmacySettings:
    name: str
    address: str
    phone: str
    stock: str = "thermal-4x3"
    concentration: str = "1 mg/mL"
    vehicle: str = "water"
    source: str = "tablets"
    day_counting: str = ""  # empty: as bud_rules.toml says
    dose_time: str = "bedtime"
    tall_man: bool = False
    paper: str = "letter"
    path: str = ""
    balance: str = ""  # the balance's id, printed on compounding records
    single_pharmacist: bool = False  # one pharmacist may prepare and check (recorded)
    printers: tuple[PrinterSettings, ...] = ()
    profile: str = ""  # label print-size profile; empty: label_profiles.toml's default
    screening: str = ""  # the pharmacy's own screening list (a path); empty: the shipped one
    warnings: tuple[str, ...] = ()  # warnings printed on every label, after the required
    warning_library: tuple[AuxiliaryWarning, ...] = ()
    log_url: str = ""  # [log] url: where the compounding log is (empty: the default)
    lots: LotRules = LotRules()
    staff: StaffRegister = field(default_factory=StaffRegister)
    records: RecordDates = RecordDates()

    def library_warning(self, warning_id: str) -> AuxiliaryWarning | None:
        return next((w for w in self.warning_library if w.id == warning_id), None)

    def printer(self, name: str) -> PrinterSettings | None:
        return next((p for p in self.printers if p.name == name), None)


APP = "compounder"


def user_config_path() -> Path:
    """The user's settings file (``platformdirs``' config folder; Linux: XDG)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False)) / "config.toml"


def user_data_folder() -> Path:
    """The user's data folder, where the default log lives (Linux: XDG)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


NO_SETTINGS = "no pharmacy settings found"


def find_config(explicit: str | Path | None = None) -> Path:
    """The settings file to use, by the order in the module docstring."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise DataFileError(str(path), "", "settings file not found")
        return path
    for candidate in (Path("compounder.toml"), user_config_path()):
        if candidate.is_file():
            return candidate
    raise MissingSettingsError()


class MissingSettingsError(DataFileError):
    """No settings file was given and none was found: says how to make one (exit 4)."""

    def __init__(self) -> None:
        super().__init__("", "", NO_SETTINGS, "")

    def __str__(self) -> str:
        return (
            f"{NO_SETTINGS}: run 'compounder init' to write them (or give --config FILE, "
            f"or put compounder.toml in this folder; looked in this folder and "
            f"{user_config_path()})"
        )


def load_register(config: str | Path | None = None) -> StaffRegister:
    """The staff register of the settings (``config``: a path, else found as every
    command finds them). Reads only ``[staff]``, so a command that only needs people does
    not pay for the rest; no settings file found: an empty register (every person field
    is then refused, saying how to add one). ``core.staff`` parses the table it is given:
    it does not read settings itself."""
    from collections.abc import Mapping

    try:
        path = find_config(config)
    except MissingSettingsError:
        return StaffRegister()
    staff = load_toml(Path(path)).get("staff", {})
    if not isinstance(staff, Mapping):
        raise DataFileError(str(path), "staff", "is not a table", "[staff.XX] sections")
    return parse_register(staff, str(path))


def load_settings(explicit: str | Path | None = None) -> PharmacySettings:
    path = find_config(explicit)
    table = Table(load_toml(path), str(path))
    table.check_keys(
        {
            "pharmacy", "defaults", "compounding", "printers", "warnings", "log", "lots",
            "staff", "records",
        }
    )  # fmt: skip
    log_url = _log_url(table)
    pharmacy = table.table("pharmacy")
    pharmacy.check_keys({"name", "address", "phone"})
    defaults = table.table("defaults", required=False)
    defaults.check_keys(
        {
            "stock",
            "concentration",
            "vehicle",
            "source",
            "day_counting",
            "dose_time",
            "tall_man",
            "paper",
            "profile",
            "screening",
        }
    )
    counting = defaults.text("day_counting", required=False)
    if counting and counting not in DAY_COUNTING:
        raise defaults.error(
            "day_counting", f"{counting!r} is not accepted", " or ".join(DAY_COUNTING)
        )
    dose_time = defaults.text("dose_time", required=False, default="bedtime")
    if dose_time not in DOSE_TIMES:
        raise defaults.error("dose_time", f"{dose_time!r} is not accepted", " or ".join(DOSE_TIMES))
    compounding = table.table("compounding", required=False)
    compounding.check_keys({"balance", "single_pharmacist"})
    return PharmacySettings(
        name=pharmacy.text("name"),
        address=pharmacy.text("address"),
        phone=pharmacy.text("phone"),
        stock=defaults.text("stock", required=False, default="thermal-4x3"),
        concentration=defaults.text("concentration", required=False, default="1 mg/mL"),
        vehicle=defaults.text("vehicle", required=False, default="water"),
        source=defaults.text("source", required=False, default="tablets"),
        day_counting=counting,
        dose_time=dose_time,
        tall_man=defaults.boolean("tall_man"),
        paper=_paper(defaults),
        path=str(path),
        balance=compounding.text("balance", required=False),
        single_pharmacist=compounding.boolean("single_pharmacist"),
        printers=_printers(table.table("printers", required=False)),
        profile=_profile(defaults),
        screening=_data_file(defaults, "screening", path),
        log_url=log_url,
        lots=_lots(table.table("lots", required=False), path),
        staff=parse_register(table.table("staff", required=False).data, str(path)),
        records=_records(table.table("records", required=False)),
        **_warnings(table.table("warnings", required=False)),
    )


MAX_LOG_URL_LENGTH = 1000


def _log_url(table: Table) -> str:
    """``[log] url``: a file path or a sqlite:/// or postgresql:// URL (empty: not set)."""
    log = table.table("log", required=False)
    log.check_keys({"url", "anchor", "signing_key", "verify_key"})
    for key in ("anchor", "signing_key", "verify_key"):
        log.text(key, required=False)
    url = log.text("url", required=False)
    if len(url) > MAX_LOG_URL_LENGTH or not url.isprintable():
        raise log.error("url", "is not a log location", "a file or a URL")
    return url


@dataclass(frozen=True)
class LogSetting:
    """Where the settings put the log: ``url`` (empty: not set) and the settings file
    that says so (empty: no settings file)."""

    url: str
    settings: str


def log_setting(explicit: str | Path | None = None) -> LogSetting:
    """``[log] url`` of the pharmacy settings (``explicit``, else found as every command
    finds them). Only the ``[log]`` table is read, so a command that opens the log does
    not pay for (or fail on) the rest; a settings file given explicitly must exist, and
    a ``[log]`` table that is not valid is an error naming the file and key (exit 4)."""
    try:
        path = find_config(explicit)
    except MissingSettingsError:
        return LogSetting("", "")
    table = Table(load_toml(path), str(path))
    return LogSetting(_log_url(table), str(path))


def _lots(table: Table, path: Path) -> LotRules:
    """``[lots]``: require_received (true: every ingredient lot must have been received
    with ``compounder receive``), quarantine (the forms whose received lots wait for a
    pharmacist's release: tablet, powder, liquid; default powder), products (the
    pharmacy's own products file, added to templates/products.toml)."""
    table.check_keys({"require_received", "quarantine", "products"})
    quarantine: tuple[str, ...] = ("powder",)
    if "quarantine" in table.data:
        quarantine = tuple(table.text_list("quarantine", required=False))
        unknown = [form for form in quarantine if form not in LOT_FORMS]
        if unknown:
            raise table.error("quarantine", f"{unknown[0]!r} is not accepted", ", ".join(LOT_FORMS))
    return LotRules(
        require_received=table.boolean("require_received"),
        quarantine=quarantine,
        products=_data_file(table, "products", path),
    )


MAX_CLOCK_SKEW_MINUTES = 60


def _records(table: Table) -> RecordDates:
    """``[records]``: allow_future_dates (true: a record or label may be dated after
    now), clock_skew_minutes (how far after now a date-time may be before it is "after
    now"; 0 to 60, default 5)."""
    table.check_keys({"allow_future_dates", "clock_skew_minutes"})
    skew = table.integer("clock_skew_minutes", required=False, default=5, minimum=0)
    if skew > MAX_CLOCK_SKEW_MINUTES:
        raise table.error("clock_skew_minutes", f"{skew} is not accepted", "0 to 60 minutes")
    return RecordDates(table.boolean("allow_future_dates"), skew)


def _profile(defaults: Table) -> str:
    from compounder.core.label_profiles import load_label_profiles

    profile = defaults.text("profile", required=False)
    if not profile:
        return ""
    ids = load_label_profiles().ids()
    if profile not in ids:
        raise defaults.error("profile", f"{profile!r} is not accepted", " or ".join(ids))
    return profile


def _data_file(table: Table, key: str, settings_path: Path) -> str:
    """A data file the settings name: a path relative to the settings file's folder
    (or absolute) that must exist; it is read (and its faults blamed on the settings)
    where it is used. Empty: not set."""
    name = table.text(key, required=False)
    if not name:
        return ""
    file = settings_path.parent / Path(name).expanduser()
    if not file.is_file():
        raise table.error(
            key, f"{name!r} is not a file", "a .toml file, relative to the settings file's folder"
        )
    return str(file)


MAX_WARNING_LENGTH = 80


def _warnings(table: Table) -> dict[str, Any]:
    """``[warnings]``: ``print`` (ids printed on every label) and ``[warnings.library.ID]``
    (a warning's text per language: en = "...", es = "..."). A printed id that is neither
    in the library nor a shipped warning is refused when a label is worded."""
    from compounder.core.datafiles import shipped_ids

    table.check_keys({"print", "library"})
    if not table.data:
        return {}
    languages = shipped_ids("wording")
    library = []
    library_table = table.table("library", required=False)
    for warning_id in library_table.data:
        entry = library_table.table(warning_id)
        entry.check_keys(set(languages))
        if "en" not in entry.data:
            raise entry.error("en", "missing", "the warning's English text")
        texts = []
        for language in entry.data:
            text = entry.text(language)
            if len(text) > MAX_WARNING_LENGTH or not text.isprintable():
                raise entry.error(
                    language, "is not accepted", f"printable text of at most {MAX_WARNING_LENGTH}"
                )
            texts.append((language, text))
        library.append(AuxiliaryWarning(warning_id, tuple(texts)))
    chosen = table.text_list("print", required=False)
    return {"warnings": tuple(dict.fromkeys(chosen)), "warning_library": tuple(library)}


def optional_settings(explicit: str | Path | None = None) -> PharmacySettings | None:
    """The settings if a file is given or found; None when there is none to find (an
    explicit path that does not exist is still an error)."""
    if explicit is None:
        try:
            find_config(None)
        except DataFileError:
            return None
    return load_settings(explicit)


def _check_stock(entry: Table, stock: str) -> None:
    """A printer's stock names a shipped stock (only its existence is checked, to keep
    settings cheap) or a stock file that is there and is a stock: read here, so that a
    file that is not one is blamed on this key, not reported as a file of its own."""
    from compounder.core.datafiles import id_or_file, is_file_path, shipped_ids
    from compounder.core.stocks import load_stock
    from compounder.errors import DataFileError, InputError

    try:
        found = id_or_file(stock, "stocks", "stock")
    except InputError:
        found = None
    expected = "a stock file path or one of " + ", ".join(shipped_ids("stocks"))
    if found is None or not found.is_file():
        raise entry.error("stock", f"{stock!r} is not a known stock", expected)
    if is_file_path(stock):
        try:
            load_stock(found)
        except DataFileError as exc:
            fault = f"{exc.key}: {exc.problem}" if exc.key else exc.problem
            problem = f"{stock!r} is not a usable stock ({fault})"
            raise entry.error("stock", problem, expected) from None


def _printers(table: Table) -> tuple[PrinterSettings, ...]:
    """The ``[printers.NAME]`` tables: uri (required), format, dpi, stock."""
    printers = []
    for name in table.data:
        entry = table.table(name)
        entry.check_keys({"uri", "format", "dpi", "stock"})
        uri = entry.text("uri")
        if not uri.startswith(("socket://", "cups:")):
            raise entry.error("uri", f"{uri!r} is not accepted", f"{SOCKET_FORM}, or {QUEUE_FORM}")
        try:
            printer_address(uri)
        except ValueError as exc:
            raise entry.error("uri", f"{uri!r} is not accepted", str(exc)) from None
        fmt = entry.text("format", required=False, default="zpl")
        if fmt not in PRINTER_FORMATS:
            raise entry.error("format", f"{fmt!r} is not accepted", " or ".join(PRINTER_FORMATS))
        dpi = entry.integer("dpi", required=False, default=203)
        if dpi not in PRINTER_DPI:
            raise entry.error("dpi", f"{dpi!r} is not accepted", "203 or 300")
        stock = entry.text("stock", required=False, default="")
        if stock:
            _check_stock(entry, stock)
        printers.append(PrinterSettings(name, uri, fmt, dpi, stock))
    return tuple(printers)


def _paper(defaults: Table) -> str:
    paper = defaults.text("paper", required=False, default="letter")
    if paper not in PAPER:
        raise defaults.error("paper", f"{paper!r} is not accepted", " or ".join(PAPER))
    return paper


def bud_rules_for(settings: PharmacySettings, bud_rules_file: str | Path | None = None) -> BudRules:
    """The BUD rules as this pharmacy applies them (its day counting, if it sets one)."""
    from dataclasses import replace

    rules = load_bud_rules(str(bud_rules_file) if bud_rules_file else None)
    if settings.day_counting:
        rules = replace(rules, day_counting=settings.day_counting)
    return rules
