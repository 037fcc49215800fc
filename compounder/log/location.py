"""Where the log is: ``--db``, else ``COMPOUNDER_DB``, else ``[log] url`` in the
pharmacy settings (read by ``core.settings``), else a file in the user's data folder.
A SQLite log is a file path or a ``sqlite:///path`` URL; a PostgreSQL log a
``postgresql://user@host/dbname`` URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from compounder.errors import DataFileError, InputError


def default_db_path() -> Path:
    """The default log: ``compounder.db`` in the user's data folder (Linux: XDG)."""
    from compounder.core.settings import user_data_folder

    return user_data_folder() / "compounder.db"


SERVER_SCHEMES = ("postgresql", "postgres")


def is_server_url(location: str | Path | None) -> bool:
    """Whether ``location`` names a log on a PostgreSQL server (postgresql://...)."""
    text = str(location or "")
    return text.partition("://")[0].lower() in SERVER_SCHEMES and "://" in text


@dataclass(frozen=True)
class LogPlace:
    """Which log a command uses and what chose it: ``--db``, ``COMPOUNDER_DB``, the
    settings' ``[log] url`` (``settings`` names the file) or the default file."""

    where: str | Path  # a server URL as text, a SQLite file as its path
    origin: str  # "--db", "COMPOUNDER_DB", "settings" or "default"
    settings: str = ""

    @property
    def is_default(self) -> bool:
        return self.origin == "default"

    def describe(self) -> str:
        """The log and its origin, for a message (a server URL without its password)."""
        name = str(self.where)
        if isinstance(self.where, str):
            from compounder.log.backends.postgres import redacted

            name = redacted(self.where)
        why = {
            "--db": "given with --db",
            "COMPOUNDER_DB": "from COMPOUNDER_DB",
            "settings": f"from [log] url in {self.settings}",
            "default": "the default log",
        }[self.origin]
        return f"{name} ({why})"


def find_log(location: str | Path | None, config: str | Path | None = None) -> LogPlace:
    """The log to open: ``--db`` if given, else the ``COMPOUNDER_DB`` environment
    variable, else ``url`` in the ``[log]`` table of the pharmacy settings (``config``,
    else found as every command finds them: read by ``core.settings.log_setting``),
    else the file in the user data folder."""
    origin, settings = "--db", ""
    if location is None or str(location) == "":
        origin, location = "COMPOUNDER_DB", os.environ.get("COMPOUNDER_DB")
    if not location:
        from compounder.core.settings import log_setting

        found = log_setting(config)
        origin, location, settings = "settings", found.url, found.settings
    if not location:
        origin = "default"
    if is_server_url(location):
        return LogPlace(str(location), origin, settings)
    return LogPlace(database_path(location), origin, settings)


def log_location(location: str | Path | None, config: str | Path | None = None) -> str | Path:
    """``find_log``'s log: a PostgreSQL URL as text, anything else the SQLite file's path."""
    return find_log(location, config).where


def missing_log(where: str) -> DataFileError:
    """The error for a log that must exist and is not there (none is created)."""
    return DataFileError(
        where,
        "",
        "no compounding log here (nothing was created)",
        "the log your commands write to: check --db, COMPOUNDER_DB or [log] url in the settings",
    )


def database_path(location: str | Path | None) -> Path:
    """Where a SQLite log is: a file path or a ``sqlite:///path`` URL; the user data
    folder by default."""
    if location is None or str(location) == "":
        return default_db_path()
    text = str(location)
    if ":memory:" in text or "mode=memory" in text:
        raise InputError("db", text[:40], "a log file (a log in memory vanishes: it is not a log)")
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme != "sqlite":
            raise InputError(
                "db",
                f"{scheme}://...",
                "a file path, a sqlite:///path URL or a postgresql://user@host/dbname URL",
            )
        # as SQLAlchemy writes it: sqlite:///relative.db, sqlite:////absolute/path.db
        return Path(rest[1:] if rest.startswith("/") else rest)
    return Path(text)
