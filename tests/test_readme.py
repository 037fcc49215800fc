"""The README runs as written: every shell command of its "First steps", run as a
newcomer would after the set-up (an activated environment, no settings yet, a fresh
folder holding a copy of the checkout's ``examples/``), exits as the README shows: 0,
or the code its comment gives (``# exit 3: ...``).

The set-up blocks (they install Compounder) and the test command (it runs this very
suite) are the only shell blocks not run here; ``test_every_shell_block_is_run_or_named``
keeps it so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: sections whose shell blocks are not run, and why
NOT_RUN = {
    "Set up (Python 3.11+)": "installs Compounder (the test runs the installed one)",
    "Run the tests": "runs this very suite",
}
EXIT = re.compile(r"#\s*exit (\d+)\b")


def shell_blocks(text: str) -> list[tuple[str, str]]:
    """(section heading, block text) of every ```sh block, in order."""
    found, section = [], ""
    for part in re.split(r"(^```sh\n.*?^```$)", text, flags=re.S | re.M):
        if part.startswith("```sh"):
            found.append((section, part.removeprefix("```sh\n").removesuffix("```")))
        else:
            headings = re.findall(r"^## (.+)$", part, flags=re.M)
            section = headings[-1] if headings else section
    return found


def commands(block: str) -> list[tuple[str, int]]:
    """Each command of a block (continuation lines joined) and the exit it shows."""
    found = []
    for line in block.replace("\\\n", " ").splitlines():
        if not line.strip():
            continue
        shown = EXIT.search(line)
        found.append((line, int(shown.group(1)) if shown else 0))
    return found


def test_every_shell_block_is_run_or_named():
    sections = {section for section, _ in shell_blocks(README)}
    assert sections >= set(NOT_RUN), "a section named in NOT_RUN has no shell block"
    assert "First steps" in sections
    run = [s for s, _ in shell_blocks(README) if s not in NOT_RUN]
    assert len(run) >= 4 and set(run) == {"First steps"}


def test_the_docs_show_the_checkout_install_of_the_postgresql_extra():
    """Compounder is not on a registry: the extra is installed from the checkout."""
    log = (ROOT / "docs" / "log.md").read_text(encoding="utf-8")
    for text in (README, log):
        assert 'pip install ".[postgres]"' in text
        assert "compounder[postgres]" not in text


def _newcomer(tmp_path: Path) -> dict[str, str]:
    """A newcomer's shell: the installed ``compounder`` on PATH, a home of their own
    (no settings, no log), nothing from the developer's environment."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "COMPOUNDER_"))
    }
    scripts = Path(sys.executable).parent
    assert (scripts / "compounder").exists() or (scripts / "compounder.exe").exists()
    env.update(HOME=str(home), PATH=f"{scripts}{os.pathsep}{env.get('PATH', '')}")
    return env


@pytest.mark.slow
def test_the_first_steps_run_as_written(tmp_path):
    folder = tmp_path / "checkout"
    folder.mkdir()
    shutil.copytree(ROOT / "examples", folder / "examples")
    env = _newcomer(tmp_path)
    ran = 0
    for section, block in shell_blocks(README):
        if section in NOT_RUN:
            continue
        for command, expected in commands(block):
            done = subprocess.run(
                ["bash", "-c", command], cwd=folder, env=env, capture_output=True,
                text=True, timeout=300, check=False,
            )  # fmt: skip
            assert done.returncode == expected, (command, done.stdout[-2000:], done.stderr)
            if expected == 0:
                assert "error" not in done.stderr, (command, done.stderr)
            ran += 1
    assert ran >= 14
    assert (folder / "label.pdf").is_file() and (folder / "out" / "labels.pdf").is_file()
    assert any((tmp_path / "home").rglob("config.toml")), "init wrote no settings"
