"""The products a pharmacy receives (``templates/products.toml``): GTIN -> ingredient.

A product names the ingredient it is (a source of ``sources.toml`` or a vehicle
ingredient of ``vehicles.toml``) and the unit its stock is counted in. The shipped
table is extended by the pharmacy's own file (``[lots] products`` in the settings); a
GTIN there replaces the same GTIN here. An ingredient's "form" (tablet, powder or
liquid) decides which received lots start quarantined (``[lots] quarantine``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.gs1 import check_digit_ok
from compounder.core.lots import check_ndc
from compounder.errors import InputError

#: How a product's stock may be counted, and the quantity kind of each.
STOCK_UNITS = {"tablets": "count", "g": "mass", "mL": "volume"}


@dataclass(frozen=True)
class Ingredient:
    """What a received lot is: an ingredient id of the pharmacy's data, its name, form."""

    id: str
    name: str
    form: str  # tablet, powder or liquid


@dataclass(frozen=True)
class Product:
    gtin: str
    name: str
    ingredient: str
    unit: str
    ndc: str = ""
    supplier: str = ""


def find_ingredient(name: str) -> Ingredient:
    """A source (by id or alias) or a vehicle ingredient (by id), InputError listing
    the ids accepted otherwise."""
    from compounder.core.sources import load_sources
    from compounder.core.vehicles import load_vehicles

    sources = load_sources()
    for source in sources.sources:
        if name == source.id or name in source.aliases:
            return Ingredient(source.id, source.name, source.form)
    known = [s.id for s in sources.sources]
    for vehicle in load_vehicles().values():
        for item in vehicle.ingredients:
            if item.id == name:
                form = "powder" if item.unit == "mg" else "liquid"
                return Ingredient(item.id, f"{item.name} {item.grade}".strip(), form)
            known.append(item.id)
    raise InputError("ingredient", name, "one of " + ", ".join(dict.fromkeys(known)))


@dataclass(frozen=True)
class ProductTable:
    products: tuple[Product, ...]

    def by_gtin(self, gtin: str, ndc: str = "") -> Product:
        """The product of a GTIN (or of the NDC it carries); InputError if unknown."""
        for product in self.products:
            if product.gtin == gtin:
                return product
        digits = ndc.replace("-", "")
        if digits:
            for product in self.products:
                if product.ndc and product.ndc.replace("-", "") in (digits, "0" + digits):
                    return product
        raise InputError(
            "scan",
            gtin,
            "a GTIN of templates/products.toml or of the pharmacy's own products file "
            "([lots] products), or the ingredient typed with --ingredient",
        )


def load_products(own: str | Path | None = None) -> ProductTable:
    """The shipped products and the pharmacy's own (``own``: a products file)."""
    shipped = _read(str(template_path("products.toml")))
    if not own:
        return ProductTable(shipped)
    extra = _read(str(own))
    replaced = {p.gtin for p in extra}
    return ProductTable(tuple(p for p in shipped if p.gtin not in replaced) + extra)


@lru_cache(maxsize=8)
def _read(path: str) -> tuple[Product, ...]:
    file = Path(path)
    table = Table(load_toml(file), display_name(file))
    table.check_keys({"product"})
    products: dict[str, Product] = {}
    for entry in table.tables("product"):
        entry.check_keys({"gtin", "ndc", "name", "ingredient", "unit", "supplier"})
        gtin = entry.text("gtin")
        if len(gtin) != 14 or not check_digit_ok(gtin):
            raise entry.error("gtin", f"{gtin!r} is not accepted", "a GTIN-14 with its check digit")
        if gtin in products:
            raise entry.error("gtin", f"{gtin} is listed twice", "each GTIN once")
        ndc = entry.text("ndc", required=False)
        unit = entry.text("unit")
        if unit not in STOCK_UNITS:
            raise entry.error("unit", f"{unit!r} is not accepted", " or ".join(STOCK_UNITS))
        ingredient = entry.text("ingredient")
        try:
            if ndc:
                check_ndc(ndc)
            find_ingredient(ingredient)
        except InputError as exc:
            raise entry.error(exc.field, f"{exc.value!r} is not accepted", exc.expected) from None
        products[gtin] = Product(
            gtin, entry.text("name"), ingredient, unit, ndc, entry.text("supplier", required=False)
        )
    return tuple(products.values())
