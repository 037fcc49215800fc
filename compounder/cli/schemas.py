"""The ``schema`` command: the JSON contracts (core/contracts.py) as their JSON Schemas."""

from typing import Annotated

import typer

from compounder.cli.options import ConfigOpt, JsonOpt, check_settings, print_json


def schema(
    name: Annotated[
        str | None,
        typer.Argument(
            help="order, manifest, error, or a command's (plan, label, log-verify...); "
            "none: list them.",
            show_default=False,
        ),
    ] = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the JSON Schema (draft 2020-12) of a JSON contract: the order file's row,
    the batch manifest, the error object, or a command's --json output. Without a
    name, list the contracts with their versions (docs/json-contracts.md).

    Example: compounder schema order > order.schema.json
    """
    import json

    from compounder.core.contracts import VERSIONS, load_schema

    check_settings(config)
    if name is not None:
        typer.echo(json.dumps(load_schema(name), indent=2, ensure_ascii=False))
        return
    found = [
        {"name": key, "version": version, "title": load_schema(key).get("title", "")}
        for key, version in VERSIONS.items()
    ]
    if as_json:
        print_json("schema", {"schemas": found})
        return
    width = max(len(row["name"]) for row in found)
    for row in found:
        typer.echo(f"{row['name'].ljust(width)}  v{row['version']}  {row['title']}")
