"""A real PostgreSQL server for the tests, from Debian's ``postgresql`` package.

``initdb`` and ``pg_ctl`` run as the ``postgres`` user when the tests run as root (as CI
does: PostgreSQL refuses to run as root), else as the current user; the server listens
only on a unix socket in a temporary folder, with ``fsync=off`` (a test server: speed
over durability). ``.ci/run`` installs the package when it is missing. Where no server
can be found the tests that need one are skipped with a loud reason, except under CI
(``CI`` set), where that is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

#: The role with a password (scram) and the role with only SELECT and INSERT rights.
PASSWORD_USER, PASSWORD = "pharmacist", "s3cret-Pw"
_names = itertools.count(1)


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, newest version first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if found:
        return Path(found[0]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


def unavailable(reason: str) -> None:
    import pytest

    message = f"NO POSTGRESQL SERVER: {reason}; install Debian's postgresql package"
    if os.environ.get("CI"):
        pytest.fail(message + " (.ci/run installs it; under CI this is a failure)")
    pytest.skip(message)


class Server:
    """One PostgreSQL server on a unix socket in its own temporary folder."""

    def __init__(self, durable: bool = False) -> None:
        """``durable``: flush to disk on commit as a production server does (the
        benchmark); the tests' server does not (``fsync=off``)."""
        self.durable = durable
        bindir = binaries()
        if bindir is None:
            unavailable("initdb and pg_ctl were not found")
        assert bindir is not None
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="compounder-pg-"))
        self.data = self.root / "data"
        self.socket = self.root / "socket"
        self.socket.mkdir()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root and there is no postgres user")
            os.chmod(self.root, 0o755)
            for path in (self.root, self.socket):
                os.chown(path, account.pw_uid, account.pw_gid)
        self.user = "postgres"
        # an English collation, as a pharmacy's server would have (the log must not
        # depend on it: it compares its text byte by byte)
        locale = ["--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US"]
        initdb = ["initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8"]
        try:
            self._run(*initdb, *locale)
        except RuntimeError:  # a server older than 15 or built without ICU
            shutil.rmtree(self.data, ignore_errors=True)
            self._run(*initdb)
        hba = self.data / "pg_hba.conf"
        rules = f"local all {PASSWORD_USER} scram-sha-256\nlocal all all trust\n"
        self._write(hba, rules)
        self.start()

    def _write(self, path: Path, text: str) -> None:
        if self.as_postgres:
            subprocess.run(
                ["runuser", "-u", "postgres", "--", "tee", str(path)],
                input=text.encode(),
                stdout=subprocess.DEVNULL,
                check=True,
            )
        else:
            path.write_text(text)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stdout}\n{done.stderr}")

    def start(self) -> None:
        options = f"-k {self.socket} -c listen_addresses='' -c max_connections=60"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres", user: str | None = None, password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{user or self.user}{secret}@/{database}?host={self.socket}"

    def admin(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def new_database(self) -> str:
        """A fresh, empty database's URL (one for each test)."""
        name = f"log{os.getpid()}_{next(_names)}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
