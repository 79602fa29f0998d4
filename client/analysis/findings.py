"""The findings of a period read from this home's store and worded as a supervision
bulletin's draft (监督通报). ``models.rules.bulletin_findings`` decides which findings
count and which units are named; this module reads what it judges (the figures' own
reading, ``client.analysis.figures.facts``, so a draft agrees with ``sanwu report
supervision``; the duty scores item by item) and the records' titles, and writes the
draft that ``sanwu bulletin draft`` prints, ``issue --draft`` reads back and the app's
draft screen fills in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from client.analysis.duty_scores import unit_scores
from client.analysis.figures import facts
from client.i18n import _, language
from client.labels import unit_name
from models.catalog import load_catalog
from models.figure_counts import Scope, Window
from models.kinds import kind_spec
from models.rules.bulletin_findings import (
    LOW_SCORE_SHARE,
    LateDisclosure,
    UnitFindings,
    by_unit,
    late_disclosures,
    low_scores,
    unanswered_documents,
)

__all__ = [
    "DRAFT_FIELDS",
    "MAX_LISTED",
    "Found",
    "body_of",
    "draft",
    "gather",
    "title_of",
    "unit_lines",
]

MAX_LISTED = 10
"""At most this many findings of one sort are listed for a unit; the rest are counted
(a year's window over a village that published nothing would list dozens). When the
whole text would still be longer than a bulletin's text may be, fewer are listed
(``_SHORTER``), down to counts alone."""
_SHORTER = (MAX_LISTED, 5, 3, 1, 0)

DRAFT_FIELDS = ("title", "doc_no", "period_from", "period_to", "body", "named_units")
"""The draft's JSON: the fields ``sanwu bulletin issue --draft`` reads, nothing else."""


@dataclass(frozen=True)
class Found:
    """A period's findings per unit, with the titles of the records they cite."""

    window: Window
    units: tuple[UnitFindings, ...]
    titles: Mapping[str, tuple[str, str]]
    """Record id -> (title, document number) of the disclosures and documents cited."""


def gather(
    engine: Engine,
    window: Window,
    *,
    scope: str | None,
    issuer: str,
    share: Decimal = LOW_SCORE_SHARE,
) -> Found:
    """The findings of ``window`` for the units of ``scope`` (a device's scope; None:
    every unit), as of its last day; ``issuer`` (the issuing unit) is never named."""
    units = Scope.parse(scope) if scope is not None else Scope(("",))
    read = facts(engine, window, units)
    late = late_disclosures(read, window, units)
    unanswered = unanswered_documents(read, window, units)
    scores = unit_scores(engine, window.end.year, today=window.end, scope=scope)
    found = by_unit(late, unanswered, low_scores(scores, share), issuer=issuer)
    ids = {late.record_id for unit in found for late in unit.late if late.record_id}
    ids |= {doc.record_id for unit in found for doc in unit.unanswered}
    return Found(window, tuple(found), _titles(engine, ids))


def _titles(engine: Engine, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    wanted = sorted(ids)
    out: dict[str, tuple[str, str]] = {}
    if not wanted:
        return out
    with engine.connect() as conn:
        for kind in ("disclosure", "warning"):
            t = kind_spec(kind).table.__table__  # type: ignore[attr-defined]
            doc_no = t.c.doc_no if "doc_no" in t.c else sa.literal("")
            for start in range(0, len(wanted), 500):
                query = sa.select(t.c.id, t.c.title, doc_no).where(
                    t.c.id.in_(wanted[start : start + 500])
                )
                for record_id, title, number in conn.execute(query):
                    out[str(record_id)] = (title or "", number or "")
    return out


# ---- the wording -----------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def _numeral(n: int) -> str:
    """A heading's number as a Chinese document writes it (一、二、…、十一、…), in
    Chinese; digits otherwise."""
    if language() == "en" or not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def _item_name(code: str) -> str:
    item = load_catalog().get(code)
    if item is None:
        return code
    return item.name_en if language() == "en" else item.name


def _late_line(late: LateDisclosure, titles: Mapping[str, tuple[str, str]]) -> str:
    title = titles.get(late.record_id, ("", ""))[0] or _item_name(late.item)
    if late.published_on:
        return _("Disclosed late: {title} ({period}, due {deadline}, published {day})").format(
            title=title, period=late.period, deadline=late.deadline, day=late.published_on
        )
    return _("Not disclosed: {title} ({period}, due {deadline})").format(
        title=title, period=late.period, deadline=late.deadline
    )


def _listed(lines: Sequence[str], most: int) -> list[str]:
    shown = list(lines[:most])
    if len(lines) > most:
        shown.append(_("… and {n} more").format(n=len(lines) - most))
    return shown


def _points(value: Decimal) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def unit_lines(unit: UnitFindings, found: Found, most: int = MAX_LISTED) -> list[str]:
    """The lines of one unit's findings, in the bulletin's words (``most`` of a sort)."""
    lines = _listed([_late_line(late, found.titles) for late in unit.late], most)
    docs = []
    for doc in unit.unanswered:
        title, number = found.titles.get(doc.record_id, ("", ""))
        if number:
            text = _("Document not answered: {title} ({doc_no}, reply due {due})")
        else:
            text = _("Document not answered: {title} (reply due {due})")
        docs.append(text.format(title=title or doc.record_id, doc_no=number, due=doc.reply_due))
    lines += _listed(docs, most)
    low = unit.low_score
    if low is not None:
        lines.append(
            _(
                "Low duty score for {year}: {score} of the {due} points due by {day} ({max} in all)"
            ).format(
                year=found.window.end.year,
                score=_points(low.score),
                due=_points(low.due),
                day=found.window.last,
                max=_points(low.max),
            )
        )
    return lines


def title_of(window: Window) -> str:
    """The draft's title."""
    return _("Bulletin on the three-affairs supervision findings of {start} to {end}").format(
        start=window.first, end=window.last
    )


def body_of(found: Found) -> str:
    """The draft's text: an opening, each unit named with its findings, a closing; within
    the length a bulletin's text may have (fewer findings listed when it must)."""
    longest = kind_spec("bulletin").specs["body"].max_length or 0
    for most in _SHORTER:
        text = _body(found, most)
        if not longest or len(text) <= longest:
            break
    return text


def _body(found: Found, most: int) -> str:
    window = found.window
    if not found.units:
        return _("From {start} to {end} supervision found no problem to name.").format(
            start=window.first, end=window.last
        )
    parts = [
        _(
            "From {start} to {end} supervision found the problems below; the units are named:"
        ).format(start=window.first, end=window.last)
    ]
    for n, unit in enumerate(found.units, 1):
        lines = [_("{n}. {unit}").format(n=_numeral(n), unit=unit_name(unit.org_code))]
        listed = unit_lines(unit, found, most)
        lines += [f"  {i}. {line}" for i, line in enumerate(listed, 1)]
        parts.append("\n".join(lines))
    parts.append(_("The units named are to rectify these problems and report back in time."))
    return "\n\n".join(parts)


def draft(found: Found) -> dict[str, Any]:
    """The draft as ``sanwu bulletin issue --draft`` reads it (``DRAFT_FIELDS``)."""
    return {
        "title": title_of(found.window),
        "doc_no": "",
        "period_from": found.window.first,
        "period_to": found.window.last,
        "body": body_of(found),
        "named_units": [unit.org_code for unit in found.units],
    }
