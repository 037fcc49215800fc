"""The package's layers, read off its source with ``ast`` (imports inside functions too).

Rules (see the Layout section of docs/development.md):
- imports point one way: cli -> batch -> api/fhir -> log -> render -> content -> core ->
  errors/atomic (a module may import its own layer and the layers below it);
- no module imports a FHIR library (fhir/ writes plain JSON; the tests validate it);
- only render/ imports reportlab, only log/ imports sqlite3 (or psycopg), only cli/
  imports typer (or click);
- no two modules share a file name;
- no module uses another module's ``_private`` names;
- the engine (core/) does not word its results: only ``core.wording`` itself loads
  wording, which content/ applies;
- subpackage ``__init__`` files import nothing (cold start).

Each rule is also shown to fail on a deliberately wrong module.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "compounder"

LAYERS = {
    "errors": 0,
    "atomic": 0,
    "core": 1,
    "content": 2,
    "render": 3,
    "log": 4,
    "api": 5,
    "fhir": 5,
    "batch": 6,
    "cli": 7,
}
ONLY_IN = {
    "reportlab": "render",
    "sqlite3": "log",
    "psycopg": "log",
    "typer": "cli",
    "click": "cli",
}
#: libraries no module of the package imports (the tests do)
NEVER = {"fhir": "a FHIR library: fhir/ writes plain JSON, the tests validate it"}


def collect(root: Path = PACKAGE) -> dict[str, str]:
    """Every module of the package: dotted name -> source."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path.read_text(encoding="utf-8")
    return found


def layer(module: str) -> int | None:
    """The layer of a module of the package (None for the package itself and __main__)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] == "__main__":
        return None
    return LAYERS[parts[1]]


def _imports(module: str, tree: ast.AST) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import in the module."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: -node.level]
                base = ".".join([*anchor, base] if base else anchor)
            names = [alias.name for alias in node.names]
            out.append((base, names, node.lineno))
            # ``from compounder.render import label_pdf`` imports a module
            out += [(f"{base}.{name}", [], node.lineno) for name in names]
    return out


def violations(modules: dict[str, str]) -> list[str]:
    """Every way the modules break the layout's rules, one line each."""
    problems = []
    stems = Counter(name.rsplit(".", 1)[-1] for name in modules if name.count(".") >= 1)
    for stem, count in stems.items():
        if count > 1:
            problems.append(f"{count} modules are called {stem}.py")
    for module, source in modules.items():
        tree = ast.parse(source)
        here = layer(module)
        package_part = module.split(".")[1] if module.count(".") else ""
        is_subpackage_init = (
            module.count(".") == 1
            and package_part in LAYERS
            and (package_part not in ("errors", "atomic"))
        )
        imported_modules = {}
        for target, names, line in _imports(module, tree):
            top = target.split(".")[0]
            if top in NEVER:
                problems.append(f"{module}:{line} imports {top} ({NEVER[top]})")
            if top in ONLY_IN and package_part != ONLY_IN[top]:
                problems.append(f"{module}:{line} imports {top} (only {ONLY_IN[top]}/ may)")
            if top != "compounder":
                continue
            if is_subpackage_init:
                problems.append(f"{module}:{line} imports {target} (a subpackage __init__)")
            if target == "compounder" and here is not None:
                problems.append(f"{module}:{line} imports the package root (the public API)")
                continue
            if target not in modules:
                continue  # a name taken from a module, listed as module.name
            there = layer(target)
            if here is not None and there is not None and there > here:
                problems.append(f"{module}:{line} imports {target}, a higher layer")
            for name in names:
                if name.startswith("_") and not name.startswith("__") and target != module:
                    problems.append(f"{module}:{line} takes private {name} from {target}")
            if (
                target == "compounder.core.wording"
                and package_part == "core"
                and module != "compounder.core.wording"
            ):
                problems.append(f"{module}:{line} words its results (core imports wording)")
            imported_modules[target.rsplit(".", 1)[-1]] = target
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported_modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                problems.append(
                    f"{module}:{node.lineno} uses private {node.attr} of "
                    f"{imported_modules[node.value.id]}"
                )
    return problems


def test_the_package_keeps_its_layers():
    assert violations(collect()) == []


def test_every_module_is_in_a_layer():
    for module in collect():
        if module.count(".") >= 1:
            assert module.split(".")[1] in {*LAYERS, "__main__"}, module


WRONG = {
    "upward import": (
        "compounder.core.badrule",
        "def f():\n    from compounder.api.planning import plan_titration\n",
        "a higher layer",
    ),
    "render imported by content": (
        "compounder.content.badtext",
        "from compounder.render.textfit import fit_blocks\n",
        "a higher layer",
    ),
    "reportlab outside render": (
        "compounder.content.badpdf",
        "from reportlab.pdfgen import canvas\n",
        "only render/",
    ),
    "sqlite outside log": ("compounder.api.badsql", "import sqlite3\n", "only log/"),
    "typer outside cli": ("compounder.batch.badcli", "import typer\n", "only cli/"),
    "a FHIR library at run time": (
        "compounder.fhir.badmodel",
        "def f():\n    from fhir.resources.R4B.medication import Medication\n",
        "a FHIR library",
    ),
    "same file name": ("compounder.render.labels", "X = 1\n", "modules are called labels.py"),
    "private name imported": (
        "compounder.batch.badprivate",
        "from compounder.core.units import _registry\n",
        "private _registry",
    ),
    "private attribute": (
        "compounder.batch.badattr",
        "from compounder.core import units\nunits._registry()\n",
        "private _registry",
    ),
    "engine wording its results": (
        "compounder.core.badword",
        "from compounder.core.wording import load_wording\n",
        "core imports wording",
    ),
    "heavy subpackage init": (
        "compounder.render",
        "from compounder.render.label_pdf import render_labels\n",
        "subpackage __init__",
    ),
    "root imported from inside": (
        "compounder.batch.badroot",
        "from compounder import plan_titration\n",
        "package root",
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_a_wrong_module_is_caught(case):
    module, source, expected = WRONG[case]
    modules = collect()
    modules[module] = source
    found = violations(modules)
    assert any(expected in problem for problem in found), found


def _run_time(tree: ast.Module) -> ast.Module:
    """The module without its ``if TYPE_CHECKING:`` blocks: imports for annotations only
    are never run, so they make no cycle (imports inside functions do, and count)."""

    class Drop(ast.NodeTransformer):
        def visit_If(self, node: ast.If) -> ast.AST | None:
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
            return None if name == "TYPE_CHECKING" else self.generic_visit(node)

    return Drop().visit(tree)


def import_cycles(modules: dict[str, str]) -> list[list[str]]:
    """Each cycle among the modules of one package (a folder), imports inside
    functions included: a module that, through others of its package, imports itself."""
    graph: dict[str, set[str]] = {}
    for module, source in modules.items():
        package = module.rsplit(".", 1)[0]
        targets = set()
        for target, _, _ in _imports(module, _run_time(ast.parse(source))):
            if target in modules and target != module and target.rsplit(".", 1)[0] == package:
                targets.add(target)
        graph[module] = targets
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = path[path.index(module) :]
            if not any(set(cycle) == set(c) for c in cycles):
                cycles.append(cycle)
            return
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    return cycles


def test_no_package_has_an_import_cycle():
    assert import_cycles(collect()) == []


def test_an_import_cycle_is_found_even_inside_a_function():
    modules = {
        "compounder.render.one": "from compounder.render import two\n",
        "compounder.render.two": "def f():\n    from compounder.render.one import g\n",
        "compounder.render.three": "import compounder.render.one\n",
        "compounder.render.four": "if TYPE_CHECKING:\n    from compounder.render import three\n",
    }
    modules["compounder.render.three"] += "import compounder.render.four\n"
    assert import_cycles(modules) == [["compounder.render.one", "compounder.render.two"]]


def test_no_function_in_api_or_batch_is_over_100_lines():
    long = [
        f"{module}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for module, source in collect().items()
        if module.split(".")[1:2] in (["api"], ["batch"])
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or node.lineno) - node.lineno + 1 > 100
    ]
    assert long == []
