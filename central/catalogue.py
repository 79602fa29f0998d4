"""The catalogue (指导目录) as central holds it: records of kind ``catalog_item``, issued by
the city and handed down, with a district's own items on top; the catalogue in force
is theirs together (``models.catalog.use_catalog``), read when central starts and
after an import.

``import_catalogue`` loads one level's catalogue from a file (the JSON the package's
``models/data/catalog.json`` is written in, or a CSV with the headers offices use):
its items are written through push by a pseudo device of that level, so they get
versions and reach every device below it; items of that level the file no longer
names are withdrawn. Running the same import again changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from central.at_rest import AtRest
from central.errors import BadRequest
from central.own_writes import create, delete, own_device, stable_id, update, write
from models.catalog import (
    DOMAINS,
    PERIOD_KINDS,
    CatalogItem,
    DeadlineRule,
    item_from_record,
    item_to_record,
    packaged_catalog,
    use_catalog,
)
from models.kinds import kind_spec
from models.orgs import is_org_code, unit_level_prefix
from models.records import CatalogItemRecord
from sync.protocol import OpStatus

__all__ = [
    "DEMO_CITY",
    "ImportedCatalogue",
    "catalogue_records",
    "import_catalogue",
    "import_items",
    "read_catalogue_file",
    "refresh_catalogue",
]

DEMO_CITY = "150200000000"
"""包头市: the level that hands Donghe its catalogue in the demo."""

_HEADERS = {
    "编码": "code",
    "code": "code",
    "类别": "domain",
    "公开类别": "domain",
    "domain": "domain",
    "事项": "name",
    "名称": "name",
    "name": "name",
    "周期": "period",
    "period": "period",
    "期限": "deadline",
    "deadline": "deadline",
    "模板": "template",
    "template": "template",
    "适用": "applies_to",
    "applies_to": "applies_to",
    "英文名": "name_en",
    "name_en": "name_en",
}
"""CSV headers, as offices keep the catalogue, to item fields. ``期限`` holds the day of
the month after the period (periodic items) or the days after the event (on-event)."""
_DOMAIN_WORDS = {"党务": "party", "政务": "government", "村务": "village", "财务": "finance"}
_PERIOD_WORDS = {
    "每月": "monthly",
    "每季度": "quarterly",
    "每半年": "half_year",
    "每年": "yearly",
    "随时": "on_event",
}
_LEVEL_WORDS = {"村": "village", "社区": "community", "部门": "department"}


@dataclass(frozen=True)
class ImportedCatalogue:
    issuer: str
    edition: str
    created: int
    updated: int
    withdrawn: int
    unchanged: int


def catalogue_records(session: Session) -> list[dict[str, Any]]:
    """Every live catalogue item central holds, as wire records."""
    spec = kind_spec("catalog_item")
    rows = session.exec(select(CatalogItemRecord).where(col(CatalogItemRecord.deleted).is_(False)))
    at_rest = AtRest.of(session)  # what a kind declares personal is opened (none today)
    return [at_rest.wire(spec, row) for row in rows]


def refresh_catalogue(session: Session) -> list[CatalogItem]:
    """Put central's catalogue items in force (none: the packaged one); returns them."""
    items = [item_from_record(record) for record in catalogue_records(session)]
    use_catalog(items)
    session.rollback()
    return items


def read_catalogue_file(path: Path) -> list[CatalogItem]:
    """The items of a catalogue file: the package's JSON shape, or a CSV (UTF-8 or GBK)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadRequest("unreadable", f"{path.name}: cannot read ({exc.strerror})") from exc
    if path.suffix.lower() == ".json":
        try:
            raw = json.loads(data.decode("utf-8-sig"))
            entries = raw["items"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequest("bad_catalogue", f"{path.name}: not a catalogue (JSON)") from exc
        return [_from_json(entry, n) for n, entry in enumerate(entries, start=1)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadRequest("bad_catalogue", f"{path.name}: neither UTF-8 nor GBK text")
    rows = list(csv.DictReader(io.StringIO(text)))
    return [_from_row(row, line) for line, row in enumerate(rows, start=2)]


def _from_json(entry: Mapping[str, Any], n: int) -> CatalogItem:
    try:
        ((rule, days),) = dict(entry["deadline"]).items()
        return _item(
            code=str(entry["code"]),
            domain=str(entry["domain"]),
            name=str(entry["name"]),
            name_en=str(entry.get("name_en", "")),
            period=str(entry["period"]),
            days=int(days),
            template=str(entry.get("template", "")),
            applies_to=entry.get("applies_to", ("village", "community")),
            where=f"item {n}",
            rule=str(rule),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadRequest("bad_catalogue", f"item {n}: {exc}") from exc


def _from_row(row: Mapping[str, str | None], line: int) -> CatalogItem:
    values = {
        _HEADERS[k.strip()]: (v or "").strip()
        for k, v in row.items()
        if k and k.strip() in _HEADERS
    }
    period = _PERIOD_WORDS.get(values.get("period", ""), values.get("period", ""))
    try:
        days = int(values.get("deadline") or 0)
    except ValueError:
        raise BadRequest("bad_catalogue", f"line {line}: 期限 is not a number") from None
    levels = [
        _LEVEL_WORDS.get(word, word)
        for word in values.get("applies_to", "村、社区").replace(",", "、").split("、")
        if word
    ]
    return _item(
        code=values.get("code", ""),
        domain=_DOMAIN_WORDS.get(values.get("domain", ""), values.get("domain", "")),
        name=values.get("name", ""),
        name_en=values.get("name_en", ""),
        period=period,
        days=days,
        template=values.get("template", ""),
        applies_to=levels,
        where=f"line {line}",
        rule="event_days" if period == "on_event" else "next_month_day",
    )


def _item(
    *,
    code: str,
    domain: str,
    name: str,
    name_en: str,
    period: str,
    days: int,
    template: str,
    applies_to: Iterable[str],
    where: str,
    rule: str,
) -> CatalogItem:
    if not code or not name:
        raise BadRequest("bad_catalogue", f"{where}: an item needs its code and name")
    if domain not in DOMAINS or period not in PERIOD_KINDS:
        raise BadRequest("bad_catalogue", f"{where}: unknown domain or period of {code}")
    return CatalogItem(
        code=code.upper(),
        domain=domain,
        name=name,
        name_en=name_en,
        period=period,
        deadline=DeadlineRule(rule, days),
        template=template,
        applies_to=frozenset(applies_to),
    )


def import_catalogue(
    session: Session, path: Path, *, issuer: str, edition: str
) -> ImportedCatalogue:
    """Load one level's catalogue from ``path`` (see the module's text)."""
    return import_items(session, read_catalogue_file(path), issuer=issuer, edition=edition)


def import_items(
    session: Session, items: Iterable[CatalogItem], *, issuer: str, edition: str
) -> ImportedCatalogue:
    """Make the level's catalogue these items: new ones created, changed ones updated,
    those the level issued before and no longer names withdrawn."""
    if not is_org_code(issuer):
        raise BadRequest("bad_issuer", "the issuing level is a 12-digit code", field="issuer")
    spec = kind_spec("catalog_item")
    device = own_device("central-catalogue", issuer, unit_level_prefix(issuer))
    existing = {
        str(record["code"]): record
        for record in catalogue_records(session)
        if record["org_code"] == issuer
    }
    ops = []
    created = updated = unchanged = 0
    wanted = set()
    for item in items:
        fields = item_to_record(item, issuer) | {"edition": edition}
        wanted.add(item.code)
        current = existing.get(item.code)
        if current is None:
            record_id = stable_id("catalog_item", issuer, item.code)
            ops.append(create("catalog_item", record_id, fields, op_key=f"{record_id}:{edition}"))
            created += 1
            continue
        changes = {
            name: (current[name], value)
            for name, value in fields.items()
            if name in spec.field_types and current.get(name) != value
        }
        if not changes:
            unchanged += 1
            continue
        key = f"{current['id']}:{current['version']}:{edition}"
        ops.append(
            update(
                "catalog_item", current["id"], changes, base_version=current["version"], op_key=key
            )
        )
        updated += 1
    withdrawn = [record for code, record in existing.items() if code not in wanted]
    for record in withdrawn:
        key = f"{record['id']}:{record['version']}:withdrawn"
        ops.append(delete("catalog_item", record["id"], base_version=record["version"], op_key=key))
    results = write(session, device, ops)
    refused = [result for result in results if result.status is OpStatus.REJECTED]
    if refused and refused[0].error is not None:
        raise BadRequest("bad_catalogue", f"{refused[0].error.field}: {refused[0].error.message}")
    refresh_catalogue(session)
    return ImportedCatalogue(issuer, edition, created, updated, len(withdrawn), unchanged)


def load_packaged(session: Session, *, district: str) -> None:
    """The demo's catalogue: the package's city catalogue, issued by 包头市, and Donghe's
    own item on top (教育类补贴, which the district added to the city's six categories)."""
    city = packaged_catalog()
    import_items(session, city.values(), issuer=DEMO_CITY, edition="包头市指导目录（示例）")
    education = CatalogItem(
        code="GOV-10",
        domain="government",
        name="教育类补贴发放",
        name_en="Education subsidies paid",
        period="quarterly",
        deadline=DeadlineRule("next_month_day", 20),
        template="本季度教育类补贴发放对象____人，发放金额合计____元；发放明细见附表。",
        applies_to=frozenset({"village", "community"}),
    )
    import_items(session, [education], issuer=district, edition="东河区补充目录（示例）")
