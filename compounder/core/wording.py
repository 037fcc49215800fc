"""Patient-facing wording, per language, from ``templates/wording/<language>.toml``.

Labels and charts take every sentence from here, so a pharmacy can adapt the wording
without code. Fields in braces (``{volume}``) are filled in by Compounder.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from compounder.core.datafiles import Table, load_toml, template_path
from compounder.errors import DataFileError, InputError


def shipped_languages() -> list[str]:
    return sorted(p.stem for p in template_path("wording").glob("*.toml"))


@dataclass(frozen=True, eq=False)
class Wording:
    """One language's wording (compared and hashed by identity: loaded once)."""

    language: str
    data: dict[str, Any]
    path: str

    def _lookup(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                raise DataFileError(self.path, dotted, "missing")
            node = node[part]
        return node

    def text(self, key: str, **fields: str) -> str:
        """The sentence at ``key`` (e.g. "label.rx") with its fields filled in."""
        template = _template(self, key)
        if not isinstance(template, str):
            raise DataFileError(self.path, key, "is not text")
        try:
            return template.format(**fields)
        except (KeyError, IndexError, ValueError) as exc:
            raise DataFileError(
                self.path,
                key,
                f"has an unknown field {exc}",
                "only the fields of the shipped wording",
            ) from None

    def lines(self, key: str) -> list[str]:
        value = self._lookup(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DataFileError(self.path, key, "is not a list of texts")
        return list(value)

    def warning(self, warning_id: str) -> str:
        return self.text(f"warnings.{warning_id}")

    def storage(self, condition: str) -> str:
        return self.text(f"storage.{condition}")

    def time(self, dose_time: str) -> str:
        return self.text(f"time.{dose_time}")

    def date(self, day: dt.date) -> str:
        """A date in words, unambiguous in every locale ("Dec 1, 2026")."""
        months = self.lines("months")
        return self.text("date", month=months[day.month - 1], day=str(day.day), year=str(day.year))

    def date_range(self, first: dt.date, last: dt.date) -> str:
        """Two dates as a range, the year written once when they share it."""
        if first.year != last.year:
            return self.text("range_years", first=self.date(first), last=self.date(last))
        months = self.lines("months")
        return self.text(
            "range",
            first_month=months[first.month - 1],
            first_day=str(first.day),
            last_month=months[last.month - 1],
            last_day=str(last.day),
            year=str(first.year),
        )


def parse_languages(text: str) -> tuple[str, str | None]:
    """A label's language(s): "en", or "en+es" (the English label with the directions
    also in Spanish beneath them); InputError naming what is accepted."""
    first, plus, second = text.partition("+")
    if plus and (not second or "+" in second or second == first):
        raise InputError(
            "language", text[:40], "a language, or two joined by + (e.g. en+es)"
        )
    load_wording(first)
    if plus:
        load_wording(second)
    return first, (second or None)


_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?\Z")


@lru_cache(maxsize=1024)
def _template(wording: Wording, key: str) -> Any:
    return wording._lookup(key)


@cache
def load_wording(language: str = "en") -> Wording:
    path = template_path("wording", f"{language}.toml")
    if not _LANGUAGE.match(language) or not path.is_file():
        raise InputError("language", language[:40], "one of " + ", ".join(shipped_languages()))
    data = load_toml(path)
    table = Table(data, f"templates/wording/{language}.toml")
    months = table.text_list("months")
    if len(months) != 12:
        raise table.error("months", "does not list 12 months")
    _months_in_use.update(months)
    return Wording(language, data, table.path)


# The month names of every wording loaded so far: every date written so far uses them.
_months_in_use: set[str] = set()


def month_names() -> frozenset[str]:
    """The month names dates are written with (in every language loaded so far, so in
    every date text made so far: no wording file is read for it)."""
    return frozenset(_months_in_use)
