"""Where the log is: ``--db``, else ``COMPOUNDER_DB``, else ``[log] url`` in the
pharmacy settings, else a file in the user's data folder (``$XDG_DATA_HOME/compounder``
or ``~/.local/share/compounder``). A SQLite log is a file path or a ``sqlite:///path``
URL; a PostgreSQL log a ``postgresql://user@host/dbname`` URL.
"""

from __future__ import annotations

import os
from pathlib import Path

from compounder.errors import DataFileError, InputError


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "compounder" / "compounder.db"


SERVER_SCHEMES = ("postgresql", "postgres")


def is_server_url(location: str | Path | None) -> bool:
    """Whether ``location`` names a log on a PostgreSQL server (postgresql://...)."""
    text = str(location or "")
    return text.partition("://")[0].lower() in SERVER_SCHEMES and "://" in text


def log_location(location: str | Path | None, config: str | Path | None = None) -> str | Path:
    """The log to open: ``--db`` if given, else the ``COMPOUNDER_DB`` environment
    variable, else ``url`` in the ``[log]`` table of the pharmacy settings (``config``,
    else found as every command finds them), else the file in the user data folder. A
    PostgreSQL URL is returned as text, anything else as the SQLite file's path."""
    if location is None or str(location) == "":
        location = os.environ.get("COMPOUNDER_DB") or configured_log_url(config)
    if is_server_url(location):
        return str(location)
    return database_path(location)


def configured_log_url(config: str | Path | None = None) -> str | None:
    """``[log] url`` of the pharmacy settings, if they set one."""
    import tomllib

    from compounder.core.settings import find_config

    try:
        path = find_config(config)
        with open(path, "rb") as handle:
            table = tomllib.load(handle).get("log", {})
    except (DataFileError, OSError, tomllib.TOMLDecodeError):
        return None  # the settings' own faults are reported where they are read
    url = table.get("url") if isinstance(table, dict) else None
    if url is not None and (not isinstance(url, str) or len(url) > 1000):
        raise DataFileError(str(path), "log.url", "is not a log location", "a file or a URL")
    return url or None


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
