"""compounder init, settings check, --version, -h: a workstation set up and checked."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from printer_servers import closed_port

from compounder.core.settings import load_settings

SITE = ["--name", "Riverside Pharmacy", "--address", "1 Main St", "--phone", "555-0100"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A user with no settings yet, working in an empty folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_writes_settings_every_command_reads(cli, home):
    result = cli("init", *SITE)
    assert result.exit_code == 0, result.stderr
    written = home / "config" / "compounder" / "config.toml"
    assert f"Wrote the pharmacy settings to {written}" in result.stdout
    settings = load_settings(written)
    assert (settings.name, settings.address, settings.phone) == (
        "Riverside Pharmacy",
        "1 Main St",
        "555-0100",
    )
    assert settings.stock == "thermal-4x3" and settings.log_url == ""
    again = cli("init", *SITE)  # an existing file is kept...
    assert again.exit_code == 5 and "is there already" in again.stderr
    assert cli("init", *SITE, "--phone", "555-0199", "--force").exit_code == 0  # ...unless
    assert load_settings(written).phone == "555-0199"


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--stock", "no-such-stock", "stock"),
        ("--name", "   ", "name"),
        ("--phone", "555\x1b[2J", "phone"),
        ("--log", ":memory:", "db"),
        ("--log", "ftp://x/y", "db"),
    ],
)
def test_init_checks_each_answer_and_writes_nothing_wrong(cli, home, flag, value, named):
    args = (
        [*SITE, flag, value]
        if flag not in SITE
        else [*(a if a != SITE[SITE.index(flag) + 1] else value for a in SITE)]
    )
    result = cli("init", *args, "--path", "site.toml")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"compounder: error: {named}:"), result.stderr
    assert not (home / "site.toml").exists()
    assert "\x1b" not in result.stderr


def test_a_log_named_by_init_is_where_every_log_command_looks(cli, home):
    assert cli("init", *SITE, "--path", "site.toml", "--log", "site.db").exit_code == 0
    assert load_settings(home / "site.toml").log_url == str(home / "site.db")  # absolute
    missing = cli("history", "--rx", "777", "--config", "site.toml")
    assert missing.exit_code == 4  # never "Nothing in the log" from another log
    assert f"{home / 'site.db'}: no compounding log here (nothing was created)" in (missing.stderr)
    assert not (home / "site.db").exists()
    label = cli(
        "label", "--rx", "777", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", "21mL",
        "--config", "site.toml", "-o", "label.pdf",
    )  # fmt: skip
    assert label.exit_code == 0, label.stderr
    found = cli("history", "--rx", "777", "--config", "site.toml", "--json")
    assert found.exit_code == 0
    assert [e["kind"] for e in json.loads(found.stdout)["entries"]] == ["label"]
    assert f"compounder: log: {home / 'site.db'} (from [log] url in site.toml)" in found.stderr
    reprinted = cli("reprint", "--rx", "777", "--config", "site.toml", "-o", "again.pdf")
    assert reprinted.exit_code == 0, reprinted.stderr
    assert (home / "again.pdf").read_bytes() == (home / "label.pdf").read_bytes()
    quiet = cli("history", "--rx", "777", "--db", str(home / "site.db"))
    assert quiet.exit_code == 0 and quiet.stderr == ""  # named on the command line
    told = cli("history", "--rx", "777", "--db", str(home / "site.db"), "-v")
    assert "(given with --db)" in told.stderr


def test_settings_check_says_what_is_in_use(cli, home):
    nothing = cli("settings", "check")
    assert nothing.exit_code == 4
    assert "no pharmacy settings found: run 'compounder init'" in nothing.stderr
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        assert cli("init", *SITE, "--path", "site.toml", "--log", "site.db").exit_code == 0
        counter = f'\n[printers.counter]\nuri = "socket://127.0.0.1:{port}"\n'
        Path("one.toml").write_text(Path("site.toml").read_text() + counter)
        fresh = cli("settings", "check", "--config", "one.toml", "--json")
        assert fresh.exit_code == 0, fresh.stderr
        found = json.loads(fresh.stdout)
        assert found["settings"] == "one.toml" and found["backend"] == "sqlite"
        assert found["log_exists"] is False and not (home / "site.db").exists()
        assert found["printers"][0]["reachable"] is True
        back = f'\n[printers.back]\nuri = "socket://127.0.0.1:{closed_port()}"\n'
        Path("two.toml").write_text(Path("one.toml").read_text() + back)
        from compounder.log.store import Store

        Store(home / "site.db").close()
        table = cli("settings", "check", "--config", "two.toml")
    assert table.exit_code == 5  # a printer that does not answer
    assert "printer 'back': cannot be reached" in table.stderr
    rows = dict(
        line.split(None, 1)
        for line in table.stdout.replace("schema version", "schema")
        .replace("chain head", "head")
        .replace("printer ", "printer:")
        .splitlines()
    )
    assert rows["schema"] == "6" and rows["entries"] == "0" and rows["head"] == "0" * 16
    assert rows["printer:counter"] == "reachable: accepts connections"
    assert rows["printer:back"].startswith("NOT reachable: cannot be reached")


def test_version_and_short_help(cli):
    from importlib.metadata import version

    for flag in ("--version", "-V"):
        result = cli(flag)
        assert result.exit_code == 0 and result.stdout == f"compounder {version('compounder')}\n"
    assert "--install-completion" in cli("-h").stdout
    assert cli("history", "-h").exit_code == 0


def test_a_missing_log_is_never_created_by_settings_check(cli, home):
    result = cli("settings", "check", "--db", str(home / "nowhere" / "log.db"))
    assert "log state" in result.stdout or result.exit_code == 4
    assert not Path(home / "nowhere").exists()


@pytest.mark.slow
def test_init_asks_on_a_terminal_until_each_answer_is_accepted(tmp_path):
    """On a terminal, init asks for what the flags did not give, again after a refusal."""
    import os
    import subprocess
    import sys
    import time

    leader, follower = os.openpty()
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-m", "compounder", "init", "--path", "site.toml"],
        stdin=follower, stdout=follower, stderr=follower, cwd=tmp_path, env=env,
    )  # fmt: skip
    os.close(follower)
    import select

    said = transcript = b""

    def asked(question: bytes) -> None:  # wait (at most 60 s) until the question shows
        nonlocal said, transcript
        deadline = time.monotonic() + 60
        while question not in said:
            assert select.select([leader], [], [], deadline - time.monotonic())[0], said
            chunk = os.read(leader, 4096)
            said, transcript = said + chunk, transcript + chunk
        said = said.split(question, 1)[1]

    for question, answer in [
        (b"Pharmacy name", b"Riverside Pharmacy"),
        (b"Address", b"1 Main St"),
        (b"Phone", b"555-0100"),
        (b"Default label stock", b"no-such-stock"),
        (b"Default label stock", b""),  # refused, asked again: the default taken
        (b"Log location", b""),
        (b"Staff (", b"JD=Julia Diaz:nurse"),  # refused, asked again
        (b"Staff (", b"jd=Julia Diaz:pharmacist"),
        (b"Staff (", b"TR=Tomas Reyes:technician"),
        (b"Staff (", b""),  # empty: the register is complete
    ]:
        asked(question)
        os.write(leader, answer + b"\n")
    assert b"not accepted: stock: 'no-such-stock' is not accepted" in transcript
    assert b"staff.JD.role: 'nurse' is not accepted" in transcript
    assert process.wait(timeout=60) == 0
    os.close(leader)
    settings = load_settings(tmp_path / "site.toml")
    assert (settings.name, settings.stock, settings.log_url) == (
        "Riverside Pharmacy",
        "thermal-4x3",
        "",
    )
    assert [(m.initials, m.name, str(m.role)) for m in settings.staff.members] == [
        ("JD", "Julia Diaz", "pharmacist"),
        ("TR", "Tomas Reyes", "technician"),
    ]


@pytest.mark.slow
def test_shell_completion_completes_commands(tmp_path):
    """typer's completion: the script it installs, and the answer that script asks for."""
    import os
    import subprocess
    import sys

    compounder = str(Path(sys.executable).parent / "compounder")  # as installed
    # the shell named, not detected from the processes above (none is a shell when the
    # tests are started in the background)
    named = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    script = subprocess.run(
        [compounder, "--show-completion", "bash"],
        capture_output=True, text=True, check=False, env=named,
    )  # fmt: skip
    assert script.returncode == 0 and "_compounder_completion" in script.stdout
    env = {**os.environ, "_COMPOUNDER_COMPLETE": "complete_bash", "COMP_CWORD": "1"}
    answer = subprocess.run(
        [compounder], env={**env, "COMP_WORDS": "compounder his"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert answer.stdout.split() == ["history"]


def test_init_writes_the_staff_register_that_staff_lists(cli, home):
    people = ["--staff", "JD=Julia Diaz:pharmacist", "--staff", "tr=Tomas Reyes:technician"]
    assert cli("init", *SITE, *people, "--path", "site.toml").exit_code == 0
    listed = cli("staff", "--config", "site.toml")
    assert listed.stdout.splitlines()[2:] == [
        "JD        Julia Diaz   pharmacist  yes",
        "TR        Tomas Reyes  technician  yes",
    ]
    data = json.loads(cli("staff", "--config", "site.toml", "--json").stdout)
    assert data["staff"][1] == {
        "initials": "TR", "name": "Tomas Reyes", "role": "technician", "active": True
    }  # fmt: skip


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (["JD=Julia Diaz:nurse"], "staff.JD.role: 'nurse' is not accepted"),
        (["Julia Diaz"], "expected INITIALS=Full Name:role"),
        (["J=Julia:pharmacist"], "staff.J: is not accepted as initials"),
        (["JD=Julia Diaz:pharmacist", "jd=John Dunn:pharmacist"], "each person's initials once"),
    ],
)
def test_init_refuses_a_staff_member_it_cannot_register(cli, home, given, problem):
    args = [arg for person in given for arg in ("--staff", person)]
    result = cli("init", *SITE, *args, "--path", "site.toml")
    assert result.exit_code == 2 and problem in result.stderr, result.stderr
    assert not (home / "site.toml").exists()


def test_without_a_register_init_says_what_needs_one_and_staff_says_how_to_add_it(cli, home):
    result = cli("init", *SITE, "--path", "site.toml")
    assert "No staff register yet: records, overrides" in result.stdout
    listed = cli("staff", "--config", "site.toml")
    assert listed.exit_code == 0
    assert listed.stdout.startswith("The staff register is empty (site.toml): nobody can")
    assert json.loads(cli("staff", "--config", "site.toml", "--json").stdout)["staff"] == []
