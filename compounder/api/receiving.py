"""Ingredient lots from receiving to recall, from the Python API.

``receive_lot`` logs a received lot (from a package's GS1 scan or typed), and
``release_lot``, ``hold_lot`` and ``adjust_stock`` what happens to it (``recall_lot``
is in ``api.recalls``);
``stock_report`` lists the lots on hand. ``resolve_lots`` is where every entrance that
takes ingredient lots (record, prepare, label, fills, batch) turns the lots given into
the lots used: a received lot's number alone is read from the log, and a lot the log
knows is refused unless it is usable on the compounding date (``core.inventory``);
``stock_used`` is the one rule for what a preparation takes from them, and
``take_stock`` takes it inside the transaction that logs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from compounder.core.dates import parse_date
from compounder.core.inventory import (
    LotEventKind,
    LotStatus,
    ReceivedLot,
    ResolvedLots,
    StockAmount,
    check_usable,
    parse_stock_quantity,
    stock_needs,
)
from compounder.core.lots import RECEIVED, IngredientExpiry
from compounder.core.settings import LotRules
from compounder.errors import InputError, SafetyError

MAX_REASON = 200


def lot_rules(config: str | Path | None = None) -> LotRules:
    """``[lots]`` of the pharmacy settings (the defaults without a settings file), read
    once per command with the rest of the pharmacy's data (``open_pharmacy``)."""
    from compounder.core.pharmacy import open_pharmacy

    return open_pharmacy(config, required=False).settings.lots


def check_lot_number(lot: str, field: str = "lot") -> str:
    text = lot.strip()
    if not text or len(text) > 20 or not text.isprintable() or ":" in text:
        raise InputError(field, lot[:40], "a lot number of 1 to 20 characters (no ':')")
    return text


def reason_text(text: str, field: str = "reason") -> str:
    from compounder.core.screening import check_reason

    reason = check_reason(text, field)
    if len(reason) > MAX_REASON:
        raise InputError(field, reason[:40], f"a reason of at most {MAX_REASON} characters")
    return reason


def store_at(db: str | Path | None, config: str | Path | None) -> Any:
    from compounder.log.entries import open_store
    from compounder.log.location import log_location

    return open_store(log_location(db, config))


def existing_store(db: str | Path | None, config: str | Path | None) -> Any | None:
    """The log, if there is one (a SQLite file not made yet holds no received lot)."""
    from compounder.log.location import log_location

    location = log_location(db, config)
    if isinstance(location, Path) and not location.exists():
        return None
    return store_at(location, config)


# ------------------------------------------------------------------ using lots


def resolve_lots(
    lots: tuple[IngredientExpiry, ...],
    day: date,
    db: str | Path | None = None,
    config: str | Path | None = None,
    store: Any | None = None,
) -> ResolvedLots:
    """The lots given, as used on ``day``: a received lot (by its number alone, or
    typed with an expiry that must be the logged one) is read from the log and must
    be usable (released, in date: SafetyError, exit 3, naming the lot and its status);
    a lot the log never received is refused if given by its number alone, or if the
    settings require received lots (``[lots] require_received``), else used as typed.
    A lot recalled without having been received is refused too."""
    if not lots:
        return ResolvedLots(())
    if store is None:
        rules = lot_rules(config)
        opened = existing_store(db, config)
        if opened is None:
            return ResolvedLots(_unreceived(lots, rules))
        with opened:
            return resolve_lots(lots, day, store=opened, config=config)
    from compounder.log.receipts import find_received, recall_of

    rules = lot_rules(config)
    found: dict[str, ReceivedLot | None] = {}
    recalled: dict[str, str] = {}
    for given in lots:
        if given.lot and given.lot not in found:
            found[given.lot] = find_received(store, given.lot)
            if found[given.lot] is None:
                reason = recall_of(store, given.lot)
                if reason is not None:
                    recalled[given.lot] = reason
    if recalled:
        number, reason = next(iter(recalled.items()))
        raise SafetyError(f"ingredient lot {number} is recalled ({reason})", "use another lot")
    used: list[IngredientExpiry] = []
    received: list[ReceivedLot] = []
    for given in lots:
        lot = found.get(given.lot)
        if lot is None:
            used += _unreceived((given,), rules)
            continue
        check_usable(lot, day)
        if given.kind != RECEIVED and given.expiry != lot.expiry:
            raise InputError(
                "lot-expiry",
                f"{given.lot}:{given.expiry.isoformat()}",
                f"the expiry the lot was received with, {lot.expiry.isoformat()} "
                "(or the lot number alone)",
            )
        used.append(
            IngredientExpiry(
                lot.name,
                lot.lot,
                lot.expiry,
                source=given.source or lot.supplier,
                manufacturer=given.manufacturer,
                ndc=given.ndc or lot.ndc,
            )
        )
        if lot not in received:
            received.append(lot)
    return ResolvedLots(tuple(used), tuple(received))


def _unreceived(
    lots: tuple[IngredientExpiry, ...], rules: LotRules
) -> tuple[IngredientExpiry, ...]:
    """Lots the log never received: used as typed, unless given by number alone or the
    settings require received lots."""
    for given in lots:
        if given.kind == RECEIVED:
            raise SafetyError(
                f"ingredient lot {given.lot} is unknown: the log never received it",
                "receive it first (compounder receive), or give INGREDIENT:LOT:EXPIRY",
            )
        if rules.require_received:
            name = given.lot or given.label
            raise SafetyError(
                f"ingredient lot {name} is unknown: the settings require received lots",
                "receive it first with compounder receive",
            )
    return lots


def certificate_from(
    lots: ResolvedLots, source: Any, assay: str | None, water: str | None
) -> tuple[str | None, str | None]:
    """A powder's assay and water: as typed, else as its received lot was logged with
    (a typed value that differs from the logged one is refused)."""
    if source.form != "powder":
        return assay, water
    from compounder.core.units import parse_percent

    logged = lots.certificate(source.id)
    found = []
    for name, typed, kept in (("assay", assay, logged[0]), ("water", water, logged[1])):
        if typed is not None and kept:
            top = Decimal(200)
            if parse_percent(typed, name, allow_zero=True, maximum=top) != parse_percent(
                kept, name, allow_zero=True, maximum=top
            ):
                raise InputError(name, typed, f"the {name} the lot was received with ({kept})")
        found.append(typed if typed is not None else (kept or None))
    return found[0], found[1]


def stock_used(
    needs: dict[str, StockAmount], received: tuple[ReceivedLot, ...]
) -> list[dict[str, str]]:
    """The one rule for what a preparation takes from the received lots it is made
    from, given what it needs of each ingredient (``core.inventory.stock_needs``: its
    tablets, its powder at the weighed amount, each vehicle ingredient): the
    ``stock_used`` of its record (lot, amount, unit). A received lot of an ingredient it
    does not use, or two received lots of one ingredient, is refused. Every entrance
    that deducts stock (record, batch) takes it from here."""
    taken: dict[str, str] = {}
    used = []
    for lot in received:
        need = needs.get(lot.ingredient)
        if need is None:
            raise InputError(
                "ingredient-lot",
                lot.lot,
                f"a lot of an ingredient this preparation uses ({', '.join(needs)}); "
                f"{lot.lot} is {lot.ingredient}",
            )
        if lot.ingredient in taken:
            raise InputError(
                "ingredient-lot",
                lot.lot,
                f"one received lot per ingredient ({taken[lot.ingredient]} is "
                f"{lot.ingredient} too): finish a lot with compounder stock adjust",
            )
        taken[lot.ingredient] = lot.lot
        used.append({"lot": lot.lot, "amount": str(need.value), "unit": need.unit})
    return used


def preparation_stock(prep: Any, received: tuple[ReceivedLot, ...]) -> list[dict[str, str]]:
    """What a worked-out preparation takes from its received lots (``stock_used``)."""
    return stock_used(stock_needs(prep), received)


def check_stock(prep: Any, received: tuple[ReceivedLot, ...], day: date) -> list[dict[str, str]]:
    """What ``prep`` takes from each received lot, checked against what the lots read
    hold (SafetyError, exit 3, when short or no longer usable)."""
    used = preparation_stock(prep, received)
    _check_totals({lot.lot: lot for lot in received}, used, day)
    return used


def take_stock(store: Any, uses: list[dict[str, str]], day: date) -> None:
    """Take ``uses`` (``stock_used`` of one record or of a whole batch run) from the
    received lots as the log holds them now: each lot's total checked usable on
    ``day`` and held (SafetyError, exit 3, naming the lot). Call inside the write
    transaction that appends the entries carrying them: no two commands take the same
    stock, and the database itself refuses a lot taken below zero
    (``log.receipts``)."""
    from compounder.log.receipts import find_received

    lots: dict[str, ReceivedLot] = {}
    for use in uses:
        if use["lot"] not in lots:
            now = find_received(store, use["lot"])
            if now is None:
                raise SafetyError(
                    f"ingredient lot {use['lot']} is unknown: the log never received it",
                    "receive it first (compounder receive)",
                )
            lots[use["lot"]] = now
    _check_totals(lots, uses, day)


def _check_totals(lots: dict[str, ReceivedLot], uses: list[dict[str, str]], day: date) -> None:
    """Each lot usable on ``day`` and holding the total ``uses`` take of it."""
    totals: dict[str, StockAmount] = {}
    for use in uses:
        known = totals.get(use["lot"], StockAmount(Decimal(0), use["unit"]))
        totals[use["lot"]] = StockAmount(known.value + Decimal(use["amount"]), use["unit"])
    for number, total in totals.items():
        check_usable(lots[number], day, total)


# ------------------------------------------------------------------ receiving


@dataclass(frozen=True)
class Receipt:
    lot: ReceivedLot
    entry_id: int
    added: StockAmount
    product: str = ""  # the product's name (a scan)


def receive_lot(
    quantity: str,
    *,
    scan: str | None = None,
    ingredient: str | None = None,
    lot: str | None = None,
    expiry: str | date | None = None,
    assay: str | None = None,
    water: str | None = None,
    supplier: str | None = None,
    db: str | Path | None = None,
    config: str | Path | None = None,
) -> Receipt:
    """Log a received ingredient lot: from ``scan`` (a package's GS1 code: GTIN, lot,
    expiry) or typed (``ingredient``, ``lot``, ``expiry``); the ``quantity`` received in
    tablets, a mass or a volume; a powder's certificate (``assay``, ``water``). A lot
    received again adds its quantity (a scan without an expiry keeps the known one; a
    different expiry or ingredient is refused). It starts quarantined when its form is
    in ``[lots] quarantine`` (powders by default) until a pharmacist releases it."""
    from compounder.core.identity import check_name
    from compounder.core.products import find_ingredient, load_products
    from compounder.core.units import format_number, parse_percent
    from compounder.log.receipts import find_received, log_event

    rules = lot_rules(config)
    product_name, gtin, ndc = "", "", ""
    if scan is not None:
        from compounder.core.gs1 import parse_scan

        scanned = parse_scan(scan)
        if lot is not None and lot.strip() != scanned.lot:
            raise InputError("lot", lot, f"the scanned lot ({scanned.lot}) or no --lot")
        lot_number = check_lot_number(scanned.lot, "scan")
        gtin, ndc = scanned.gtin, scanned.ndc
        given_expiry = scanned.expiry
        if expiry is not None:
            typed = parse_date(expiry, "expiry")
            if given_expiry is not None and typed != given_expiry:
                raise InputError(
                    "expiry", str(expiry), f"the scanned expiry ({given_expiry}) or no --expiry"
                )
            given_expiry = typed
        if ingredient is None:
            product = load_products(rules.products).by_gtin(gtin, ndc)
            ingredient, product_name = product.ingredient, product.name
            ndc = product.ndc or ndc
            supplier = supplier or product.supplier or None
    else:
        if ingredient is None or lot is None:
            raise InputError(
                "scan", "missing", "--scan STRING, or --ingredient ID --lot LOT --expiry DATE"
            )
        lot_number = check_lot_number(lot)
        given_expiry = parse_date(expiry, "expiry") if expiry is not None else None
    what = find_ingredient(ingredient)
    amount = parse_stock_quantity(quantity)
    certificate = {
        "assay": parse_percent(assay, "assay", allow_zero=False, maximum=Decimal(200))
        if assay is not None
        else None,
        "water": parse_percent(water, "water", allow_zero=True, maximum=Decimal(99))
        if water is not None
        else None,
    }
    shown = {k: f"{format_number(v * 100)}%" for k, v in certificate.items() if v is not None}
    if shown and what.form != "powder":
        raise InputError("assay", assay or water or "", "a certificate for a powder only")
    payload: dict[str, Any] = {
        "ingredient": what.id,
        "name": what.name,
        "form": what.form,
        "quantity": str(amount.value),
        "unit": amount.unit,
        "gtin": gtin,
        "ndc": ndc,
        "supplier": check_name(supplier, "supplier") if supplier else "",
        **shown,
    }
    with store_at(db, config) as store, store.transaction():
        known = find_received(store, lot_number)
        if known is None:
            if given_expiry is None:
                raise InputError("expiry", "missing", "--expiry YYYY-MM-DD (the scan has none)")
            payload["quarantined"] = what.form in rules.quarantine
        else:
            _same_lot(known, what.id, given_expiry, amount)
            given_expiry = known.expiry  # never overwritten, least of all by a blank
        payload["expiry"] = given_expiry.isoformat()
        entry_id = log_event(store, LotEventKind.RECEIPT, lot_number, payload)
        now = find_received(store, lot_number)
    assert now is not None
    return Receipt(now, entry_id, amount, product_name)


def _same_lot(
    known: ReceivedLot, ingredient: str, expiry: date | None, amount: StockAmount
) -> None:
    """A lot received again: the same ingredient, expiry and unit, not recalled."""
    if known.ingredient != ingredient:
        raise InputError(
            "lot", known.lot, f"a new lot number: {known.lot} was received as {known.ingredient}"
        )
    if expiry is not None and expiry != known.expiry:
        raise InputError(
            "expiry",
            expiry.isoformat(),
            f"the expiry lot {known.lot} was received with ({known.expiry.isoformat()})",
        )
    if amount.unit != known.unit:
        raise InputError("quantity", amount.text(), f"a quantity in {known.unit}, as received")
    if known.status is LotStatus.RECALLED:
        raise SafetyError(f"ingredient lot {known.lot} is recalled", "do not receive it")


def _received(store: Any, lot: str) -> ReceivedLot:
    from compounder.log.receipts import find_received

    found = find_received(store, check_lot_number(lot))
    if found is None:
        raise InputError("lot", lot, "a lot received with compounder receive")
    return found


def release_lot(
    lot: str, pharmacist: str, db: str | Path | None = None, config: str | Path | None = None
) -> ReceivedLot:
    """A pharmacist releases a quarantined (or held) lot for use: ``pharmacist``, the
    initials of an active pharmacist of the staff register (``core.staff``), logged
    with the register's name."""
    from compounder.core.settings import load_register
    from compounder.log.receipts import find_received, log_event

    signer = load_register(config).pharmacist(pharmacist, "pharmacist", "a release")
    with store_at(db, config) as store, store.transaction():
        found = _received(store, lot)
        if found.status is LotStatus.RECALLED:
            raise SafetyError(f"ingredient lot {found.lot} is recalled", "it is never released")
        if found.status is LotStatus.RELEASED:
            raise InputError("lot", found.lot, "a lot quarantined or on hold (it is released)")
        who = {"pharmacist": signer.initials, "pharmacist_name": signer.name}
        log_event(store, LotEventKind.RELEASE, found.lot, who)
        now = find_received(store, found.lot)
    assert now is not None
    return now


def hold_lot(
    lot: str, reason: str, db: str | Path | None = None, config: str | Path | None = None
) -> ReceivedLot:
    """Put a lot on hold: refused for use until a pharmacist releases it."""
    from compounder.log.receipts import find_received, log_event

    why = reason_text(reason)
    with store_at(db, config) as store, store.transaction():
        found = _received(store, lot)
        if found.status is LotStatus.RECALLED:
            raise InputError("lot", found.lot, "a lot not recalled (it is recalled)")
        log_event(store, LotEventKind.HOLD, found.lot, {"reason": why})
        now = find_received(store, found.lot)
    assert now is not None
    return now


def adjust_stock(
    lot: str,
    by: str,
    reason: str,
    db: str | Path | None = None,
    config: str | Path | None = None,
) -> ReceivedLot:
    """Log a count: ``by`` ("-3 tablets", "+2 g") with its reason; never below zero."""
    from compounder.log.receipts import find_received, log_event

    change = parse_stock_quantity(by, "by", signed=True)
    why = reason_text(reason)
    with store_at(db, config) as store, store.transaction():
        found = _received(store, lot)
        if change.unit != found.unit:
            raise InputError("by", by, f"a quantity in {found.unit}, as the lot is counted")
        if found.on_hand + change.value < 0:
            raise SafetyError(
                f"ingredient lot {found.lot} holds {found.amount(found.on_hand).text()}: "
                f"{change.text()} would leave less than nothing",
                "count the lot again",
            )
        log_event(store, LotEventKind.ADJUST, found.lot, {"by": str(change.value), "reason": why})
        now = find_received(store, found.lot)
    assert now is not None
    return now


# ------------------------------------------------------------------ reports


@dataclass(frozen=True)
class StockReport:
    day: date
    lots: tuple[ReceivedLot, ...]
    expiring_within: int | None = None

    def expiring(self) -> tuple[ReceivedLot, ...]:
        """The lots on hand that expire within the days asked (none asked: none)."""
        if self.expiring_within is None:
            return ()
        from datetime import timedelta

        last = self.day + timedelta(days=self.expiring_within)
        return tuple(lot for lot in self.lots if lot.on_hand > 0 and lot.expiry <= last)


def stock_report(
    expiring_within: int | None = None,
    db: str | Path | None = None,
    config: str | Path | None = None,
    on: str | date | None = None,
    every_lot: bool = False,
) -> StockReport:
    """The received lots on hand (``every_lot``: used up and recalled ones too), and
    those expiring within ``expiring_within`` days of ``on`` (default today)."""
    from compounder.log.receipts import all_received

    day = parse_date(on, "date") if on is not None else date.today()
    if expiring_within is not None and not 0 <= expiring_within <= 3660:
        raise InputError("expiring-within", str(expiring_within), "a number of days, 0 to 3660")
    opened = existing_store(db, config)
    lots: list[ReceivedLot] = []
    if opened is not None:
        with opened as store:
            lots = all_received(store)
    if not every_lot:
        lots = [lot for lot in lots if lot.on_hand > 0 and lot.status is not LotStatus.RECALLED]
    lots.sort(key=lambda lot: (lot.expiry, lot.lot))
    return StockReport(day, tuple(lots), expiring_within)
