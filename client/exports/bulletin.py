"""A supervision bulletin (监督通报) as it is printed and circulated: its number, title,
the issuing level and date, the period its findings cover, its text, and the units it
names, as .xlsx laid out for A4 or a printable HTML page (the notice-board tables'
style). Bulletins hold no personal fields; nothing is masked here."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from client.exports.cells import save_workbook
from client.exports.notice import board_sheet
from client.files import write_text
from client.i18n import _
from client.labels import unit_name
from client.store import Store

__all__ = ["FORMATS", "BulletinError", "bulletin_lines", "export_bulletin"]

FORMATS = ("xlsx", "html")


class BulletinError(ValueError):
    """No such bulletin, or an unknown format."""


def bulletin_lines(record: Mapping[str, Any]) -> dict[str, Any]:
    """The texts of one bulletin, as printed."""
    named = [unit_name(str(code)) for code in record.get("named_units") or ()]
    return {
        "doc_no": record.get("doc_no") or "",
        "title": record.get("title") or "",
        "issuer": unit_name(str(record.get("org_code") or "")),
        "issued_on": record.get("issued_on") or "",
        "period": f"{record.get('period_from') or ''} 至 {record.get('period_to') or ''}",
        "body": str(record.get("body") or ""),
        "named": named,
    }


def export_bulletin(store: Store, record_id: str, path: Path, *, fmt: str) -> None:
    """Write bulletin ``record_id`` to ``path`` as ``fmt`` (xlsx or html)."""
    if fmt not in FORMATS:
        raise BulletinError(_("unknown format {fmt!r}: xlsx or html").format(fmt=fmt))
    found = {r["id"]: r for r in store.list_records("bulletin")}.get(record_id)
    if found is None:
        raise BulletinError(_("no bulletin with id {id}").format(id=record_id))
    lines = bulletin_lines(found)
    if fmt == "xlsx":
        _write_xlsx(lines, path)
    else:
        write_text(path, _html(lines))


def _write_xlsx(lines: Mapping[str, Any], path: Path) -> None:
    workbook = Workbook()
    sheet = board_sheet(workbook, "监督通报")
    wrap = Alignment(wrap_text=True, vertical="top")
    rows: list[tuple[str, str]] = [
        ("", str(lines["doc_no"])),
        ("", str(lines["title"])),
        ("印发单位", str(lines["issuer"])),
        ("印发日期", str(lines["issued_on"])),
        ("通报期间", str(lines["period"])),
        ("正文", str(lines["body"])),
        ("被通报单位", "、".join(lines["named"])),
    ]
    for row, (label, value) in enumerate(rows, start=1):
        sheet.cell(row=row, column=1, value=label).font = Font(bold=True)
        cell = sheet.cell(row=row, column=2, value=value)
        cell.alignment = wrap
        cell.data_type = "s"  # text, never a formula, whatever it starts with
    sheet.cell(row=2, column=2).font = Font(bold=True, size=16)
    save_workbook(workbook, path)


_CSS = """
@page { size: A4 portrait; margin: 20mm 18mm; }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-size: 12pt; }
p.no { text-align: center; margin: 0 0 2mm; }
h1 { text-align: center; font-size: 20pt; margin: 0 0 6mm; }
p.meta { text-align: center; margin: 0 0 6mm; }
div.body { white-space: pre-wrap; line-height: 1.8; }
p.named { margin-top: 8mm; }
@media screen { body { max-width: 180mm; margin: 10mm auto; } }
"""


def _html(lines: Mapping[str, Any]) -> str:
    def esc(value: Any) -> str:
        return html.escape(str(value))

    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-CN"><head><meta charset="utf-8">',
            f"<title>{esc(lines['title'])}</title><style>{_CSS}</style></head><body>",
            f'<p class="no">{esc(lines["doc_no"])}</p>',
            f"<h1>{esc(lines['title'])}</h1>",
            f'<p class="meta">{esc(lines["issuer"])}　{esc(lines["issued_on"])}'
            f"　通报期间：{esc(lines['period'])}</p>",
            f'<div class="body">{esc(lines["body"])}</div>',
            f'<p class="named">被通报单位：{esc("、".join(lines["named"]))}</p>',
            "</body></html>",
        ]
    )
