"""The CLI reference (docs/cli.md), written from the commands themselves.

``python -m compounder.cli.reference > docs/cli.md`` regenerates it;
``tests/test_docs.py`` fails when the file is not what the commands say.
"""

from typing import Any

HEADER = """# Command reference

Generated from the commands themselves (`python -m compounder.cli.reference >
docs/cli.md`); a test fails when it is out of date. A tour with examples is in
[usage.md](usage.md). Every command takes `-h`/`--help`; `compounder --version` (`-V`)
prints the version; `compounder --install-completion` installs shell completion (bash,
zsh, fish, PowerShell).
"""


def _text(help_text: str | None) -> str:
    """A command's or option's help as plain Markdown (typer's escapes removed)."""
    text = (help_text or "").replace("\\[", "[").replace("\b", "")
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _options(command: Any) -> list[str]:
    rows = ["| option | value | default | meaning |", "|---|---|---|---|"]
    for param in command.params:
        if param.param_type_name != "option" or param.hidden:
            continue
        names = ", ".join(f"`{name}`" for name in [*param.opts, *param.secondary_opts])
        value = "" if param.is_flag else f"`{param.type.name.upper()}`"
        default = ""
        if param.required:
            default = "required"
        elif not param.is_flag and param.default not in (None, (), []):
            default = f"`{param.default}`"
        rows.append(f"| {names} | {value} | {default} | {_cell(_text(param.help))} |")
    return rows


def _context(command: Any) -> Any:
    import typer

    return typer.Context(command)


def _walk(group: Any, prefix: str) -> list[tuple[str, Any]]:
    found = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found += _walk(command, f"{prefix} {name}")
        else:
            found.append((f"{prefix} {name}", command))
    return found


def reference() -> str:
    """docs/cli.md: every command with its help and options, in the order of --help."""
    from typer.main import get_command

    from compounder.cli.app import app

    root = get_command(app)
    parts = [HEADER]
    for name, command in _walk(root, "compounder"):
        usage = " ".join(command.collect_usage_pieces(_context(command)))
        parts.append(f"## `{name}`\n\n```\n{name} {usage}\n```\n\n{_text(command.help)}\n")
        parts.append("\n".join(_options(command)) + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(reference(), end="")
