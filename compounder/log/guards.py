"""The log's append-only guards, checked by what they are, not by their names.

The schema makes one trigger per table and event that refuses the change (and, on
PostgreSQL, the trigger function they call). A trigger dropped and made again under the
same name but doing nothing (``WHEN 0``, ``RETURN NEW``) keeps its name; so ``verify``
compares each one's full definition with the one the schema makes and names every
trigger that is missing, differs or is disabled, and any other trigger on a log table
(on PostgreSQL also a rule, or row-level security, that the schema does not make).

On PostgreSQL the owner of the tables (or a superuser) can turn the guards off and back
on between two checks: the database cannot stop them. ``role_warning`` says so when
the connected role is one of them; what catches such an owner is the chain checked
against heads kept elsewhere (``anchor``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compounder.log.store import Store

#: PostgreSQL's trigger states that fire in a normal session (``O``rigin, ``A``lways);
#: ``D`` is disabled, ``R`` fires only on a replica.
_FIRING = ("O", "A")


def _canonical(statement: str) -> str:
    """A definition as compared: whitespace runs made one space, no schema prefix on
    the log's own names (PostgreSQL prints ``ON public.entries``)."""
    text = " ".join(statement.split())
    return re.sub(r"\b(ON|FUNCTION) [A-Za-z_][A-Za-z0-9_]*\.", r"\1 ", text)


def _trigger_name(statement: str) -> str:
    return statement.split()[2]


def expected_guards(store: Store) -> dict[str, str]:
    """Each guarding trigger the log's schema version makes (append-only, and a
    running balance's): name -> statement."""
    from compounder.log.schema import TABLE, guard_statements, tables_of

    version = store.version()
    return {
        _trigger_name(statement): statement
        for table in tables_of(version)
        for statement in guard_statements(store.backend, TABLE[table])
    }


def guarded_tables(store: Store) -> list[str]:
    from compounder.log.schema import tables_of

    return tables_of(store.version())


def guard_problems(store: Store) -> list[str]:
    """What is wrong with the log's append-only guards (empty: each is as the schema
    makes it and enabled). Each problem names the triggers or the function."""
    if store.backend.name == "postgresql":
        return _postgres_problems(store)
    return _sqlite_problems(store)


def role_warning(store: Store) -> str | None:
    """A warning when the connected role could turn the guards off (PostgreSQL: a
    superuser, or a member of the role owning a log table); None otherwise."""
    if store.backend.name != "postgresql":
        return None
    db = store.db
    tables = guarded_tables(store)
    marks = ", ".join("?" * len(tables))
    row = db.execute(
        "SELECT current_user, r.rolsuper, COALESCE(bool_or(pg_has_role(current_user, "
        "c.relowner, 'USAGE')), false) FROM pg_roles r LEFT JOIN pg_class c ON c.relname IN "
        f"({marks}) AND c.relnamespace = current_schema()::regnamespace "
        "WHERE r.rolname = current_user GROUP BY current_user, r.rolsuper",
        tables,
    ).fetchone()
    if row is None:
        return None
    user, superuser, owner = str(row[0]), bool(row[1]), bool(row[2])
    if not (superuser or owner):
        return None
    what = "is a superuser" if superuser else "owns the log's tables"
    return (
        f"the connected role {user!r} {what}: it could turn the append-only guards off "
        "and on again unseen by the database; only heads kept outside it (anchors) "
        "catch such a change; workstations should log as a role that may only read and "
        "append"
    )


# ---------------------------------------------------------------- SQLite


def _sqlite_problems(store: Store) -> list[str]:
    expected = expected_guards(store)
    db = store.db
    found: dict[str, tuple[str, ...]] = {
        str(row[0]): (str(row[1]), str(row[2] or ""))
        for row in db.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
        )
    }
    removed = [name for name in expected if name not in found]
    differ = [
        name
        for name, statement in expected.items()
        if name in found and _canonical(found[name][1]) != _canonical(statement)
    ]
    return [
        *_named(removed, "was removed", "were removed"),
        *_named(differ, "differs from the schema's", "differ from the schema's"),
        *_others(found, expected),
    ]


def _named(names: list[str], one: str, many: str) -> list[str]:
    """One problem naming every trigger in the same state (none: no problem)."""
    if not names:
        return []
    if len(names) == 1:
        return [f"the append-only trigger {names[0]} {one}"]
    return [f"{len(names)} append-only triggers {many}: {', '.join(names)}"]


def _others(found: dict[str, tuple[str, ...]], expected: dict[str, str]) -> list[str]:
    """A trigger on a log table that the schema does not make."""
    return [
        f"the trigger {name} on table {found[name][0]} is not the schema's"
        for name in sorted(set(found) - set(expected))
    ]


# ---------------------------------------------------------------- PostgreSQL


def _postgres_problems(store: Store) -> list[str]:
    expected = expected_guards(store)
    db = store.db
    tables = guarded_tables(store)
    marks = ", ".join("?" * len(tables))
    rows = db.execute(
        "SELECT t.tgname, c.relname, t.tgenabled, pg_get_triggerdef(t.oid), t.tgfoid "
        "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace "
        f"AND c.relname IN ({marks})",
        tables,
    ).fetchall()
    found: dict[str, tuple[Any, ...]] = {
        str(r[0]): (str(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in rows
    }
    present = [name for name in expected if name in found]
    problems = [
        *_named([n for n in expected if n not in found], "was removed", "were removed"),
        *_named(
            [n for n in present if _canonical(found[n][2]) != _canonical(expected[n])],
            "differs from the schema's",
            "differ from the schema's",
        ),
        *_named([n for n in present if found[n][1] not in _FIRING], "is disabled", "are disabled"),
        *_others(found, expected),
    ]
    functions = sorted({found[name][3] for name in present})
    problems += [p for oid in functions for p in _function_problems(store, oid)]
    return problems + _rewriting(store, tables)


def _rewriting(store: Store, tables: list[str]) -> list[str]:
    """What else on a log table changes what a statement does or what a reader sees:
    a rule (``DO INSTEAD``...), row-level security (rows hidden from verify)."""
    marks = ", ".join("?" * len(tables))
    rules = store.db.execute(
        "SELECT rulename, tablename FROM pg_rules WHERE schemaname = current_schema() "
        f"AND tablename IN ({marks}) ORDER BY rulename",
        tables,
    ).fetchall()
    hidden = store.db.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
        f"AND relname IN ({marks}) AND relrowsecurity ORDER BY relname",
        tables,
    ).fetchall()
    return [f"the rule {r[0]} on table {r[1]} is not the schema's" for r in rules] + [
        f"row-level security is on for table {r[0]} (rows may be hidden from verify)"
        for r in hidden
    ]


def _function_problems(store: Store, oid: int) -> list[str]:
    """The trigger function a guard calls, against the one of that name the schema
    makes: its schema, language, result, body and settings."""
    made: dict[str, tuple[str, str]] = store.backend.guard_functions()  # type: ignore[attr-defined]
    row = store.db.execute(
        "SELECT p.proname, p.pronamespace = current_schema()::regnamespace, l.lanname, "
        "p.prorettype = 'trigger'::regtype, p.prosrc, p.prosecdef, p.proconfig IS NULL, "
        "p.pronargs FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.oid = ?",
        (oid,),
    ).fetchone()
    if row is None:
        return [f"a trigger function of the log ({', '.join(made)}) was removed"]
    language, body = made.get(str(row[0]), ("", ""))
    same = (
        str(row[0]) in made
        and bool(row[1])
        and row[2] == language
        and bool(row[3])
        and row[4] == body
        and not row[5]
        and bool(row[6])
        and int(row[7]) == 0
    )
    return [] if same else [f"the trigger function {row[0]} differs from the schema's"]
