"""Label snapshots: everything needed to draw a label again, byte for byte.

A snapshot holds the finished label lines, the stock and the layout as they were when
the label was printed, so ``reprint`` gives the same PDF even after the settings, the
stock file or the layout file changed. Snapshots are stored once by content hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from decimal import Decimal
from functools import lru_cache
from typing import Any

from compounder.content.blocks import Block
from compounder.content.labels import LabelContent
from compounder.core.stocks import LabelStock
from compounder.render.textfit import Layout, Style


def contents_snapshot(contents: list[LabelContent]) -> list[dict[str, Any]]:
    """The label lines as plain data."""

    def block(b: Block) -> dict[str, Any]:
        return {"role": b.role, "field": b.field, "text": b.text, "private": b.private}

    return [
        {
            "rx": c.rx,
            **({"code": c.code} if c.code else {}),  # the barcode's (older labels: none)
            "blocks": [block(b) for b in c.blocks],
            "footer": [block(b) for b in c.footer],
            **({"part": c.part} if c.part else {}),  # continuation labels' wording
            # how the text goes over several labels
            **(
                {
                    "flowing": [block(b) for b in c.flowing],
                    "first": c.first,
                    "continued": [block(b) for b in c.continued],
                }
                if c.flowing
                else {}
            ),
        }
        for c in contents
    ]


def contents_body(contents: list[LabelContent], frame: str) -> str:
    """A batch label's snapshot as stored: the JSON text (keys sorted) of
    ``{"contents": contents_snapshot(contents), "frame": frame}``, character for
    character, put together from each block's JSON, made once per block (a batch's
    labels share most of their blocks)."""
    text = ", ".join(_content_json(c) for c in contents)
    return f'{{"contents": [{text}], "frame": {json.dumps(frame)}}}'


def _content_json(content: LabelContent) -> str:
    blocks = ", ".join(_block_json(b) for b in content.blocks)
    part = f'"part": {json.dumps(content.part)}, ' if content.part else ""
    continued = first = flowing = ""
    if content.flowing:
        continued = f'"continued": [{", ".join(_block_json(b) for b in content.continued)}], '
        first = f'"first": {content.first}, '
        flowing = f'"flowing": [{", ".join(_block_json(b) for b in content.flowing)}], '
    code = f'"code": {json.dumps(content.code)}, ' if content.code else ""
    return (
        f'{{"blocks": [{blocks}], {code}{continued}{first}{flowing}'
        f'"footer": {_footer_json(content.footer)}, '
        f'{part}"rx": {json.dumps(content.rx)}}}'
    )


@lru_cache(maxsize=4096)
def _block_json(b: Block) -> str:
    return json.dumps(
        {"role": b.role, "field": b.field, "text": b.text, "private": b.private}, sort_keys=True
    )


@lru_cache(maxsize=64)
def _footer_json(footer: tuple[Block, ...]) -> str:
    return f"[{', '.join(_block_json(b) for b in footer)}]"


def label_snapshot(
    contents: list[LabelContent], stock: LabelStock, layout: Layout
) -> dict[str, Any]:
    return {
        "contents": contents_snapshot(contents),
        "stock": {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(stock).items()},
        "layout": {
            "leading": layout.leading,
            "shrink_order": [list(g) for g in layout.shrink_order],
            "roles": {r: asdict(s) for r, s in layout.roles.items()},
            "extra": layout.extra,
        },
    }


def contents_from(snapshot: dict[str, Any]) -> list[LabelContent]:
    return [
        LabelContent(
            c["rx"],
            tuple(Block(**b) for b in c["blocks"]),
            tuple(Block(**b) for b in c["footer"]),
            c.get("part", ""),
            tuple(Block(**b) for b in c.get("flowing", ())),
            c.get("first", 0),
            tuple(Block(**b) for b in c.get("continued", ())),
            code=c.get("code", ""),  # none: a label whose barcode held the Rx alone
        )
        for c in snapshot["contents"]
    ]


def stock_from(snapshot: dict[str, Any]) -> LabelStock:
    fields = dict(snapshot["stock"])
    for key, value in fields.items():
        if key.endswith("_mm"):
            fields[key] = Decimal(value)
    return LabelStock(**fields)


def layout_from(snapshot: dict[str, Any]) -> Layout:
    data = snapshot["layout"]
    return Layout(
        leading=data["leading"],
        shrink_order=tuple(tuple(g) for g in data["shrink_order"]),
        roles={r: Style(**s) for r, s in data["roles"].items()},
        extra=data["extra"],
    )


def pdf_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
