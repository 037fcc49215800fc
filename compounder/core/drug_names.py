"""Medicine names resolved to their ingredients, with a maintained drug dictionary.

The dictionary is the one shipped by the ``drug-named-entity-recognition`` package (MIT;
its names come from the DrugBank open vocabulary (CC0), MeSH and MedlinePlus (US National
Library of Medicine), the NHS website and Wikipedia): about 107,000 names (brands,
synonyms, some misspellings and other languages) of 20,000 drugs. Only its data file is
read, never its module (importing that reads a cache in the home directory and brings
in a network client); the file holds plain dicts, lists and strings, and is unpickled
with every class refused, so it can hold nothing else.

Loaded on first use, once (``plan``, ``fills`` and a screening whose medicines all
match the screening list never load it). When the package is not installed the
dictionary is empty: every medicine not in the screening list is then unidentified
(a stop), never passed.
"""

from __future__ import annotations

import bz2
import importlib.util
import pickle
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = "drug_named_entity_recognition"
DATA_FILE = "drug_ner_dictionary.pkl.bz2"
#: a name shorter than this is not looked up (short codes are ambiguous)
MIN_NAME_LENGTH = 4


def fold(text: str) -> str:
    """Lower case without accents ("Codeína" -> "codeina")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class _PlainData(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the drug dictionary names a class ({module}.{name})")


def data_path() -> Path | None:
    """Where the package's dictionary file is, without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / DATA_FILE
        if path.is_file():
            return path
    return None


@cache
def dictionary() -> dict[str, list[str]]:
    """Every name in the dictionary (lower case, as the package writes it) to the
    ingredient names it stands for."""
    path = data_path()
    if path is None:
        return {}
    with bz2.open(path, "rb") as file:
        data = _PlainData(file).load()
    variants = data.get("drug_variant_to_canonical", {}) if isinstance(data, dict) else {}
    return variants if isinstance(variants, dict) else {}


def _lookup(index: dict[str, list[str]], run: tuple[str, ...]) -> list[str]:
    for joined in {" ".join(run), "-".join(run), "".join(run)}:
        if len(joined) >= MIN_NAME_LENGTH and joined in index:
            found = index[joined]
            return [str(name) for name in found if isinstance(name, str)]
    return []


def ingredients(typed: tuple[str, ...], longest: int = 4) -> list[tuple[str, str]]:
    """Every dictionary name among the words ``typed`` (runs of up to ``longest`` words,
    longest first, not overlapping): (the name as found, an ingredient it stands for)."""
    index = dictionary()
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(typed):
        for size in range(min(longest, len(typed) - i), 0, -1):
            run = typed[i : i + size]
            names = _lookup(index, run)
            if names:
                found += [(" ".join(run), name) for name in names]
                i += size
                break
        else:
            i += 1
    return found
