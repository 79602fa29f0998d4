"""A disclosure, or every disclosure of a period, as the table posted on the village's
notice board (固定公开栏): .xlsx laid out for A4, or a printable HTML page.

Each notice has a title, the unit's name, the catalogue item and period, the
fields in a two-column table, then the responsible person's and the reviewer's
lines. Disclosures hold no personal fields; nothing is masked here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from client.exports.cells import save_workbook
from client.files import write_text
from client.i18n import _
from client.labels import document_text
from client.store import Store
from models.catalog import load_catalog

__all__ = ["FORMATS", "NoticeError", "board_sheet", "export_disclosures", "notice_lines"]

FORMATS = ("xlsx", "html")


class NoticeError(ValueError):
    """Nothing to export (no such disclosure, an empty period) or an unknown format."""


def notice_lines(record: Mapping[str, Any]) -> dict[str, Any]:
    """The texts of one notice, as printed: title, unit, period, fields, signatures."""
    item = load_catalog().get(str(record.get("catalog_code") or ""))
    channels = document_text("disclosure", "channels", record.get("channels"))
    return {
        "title": record.get("title") or "",
        "unit": document_text("disclosure", "org_code", record.get("org_code")),
        "period": record.get("period") or "",
        "fields": [
            ("公开事项", f"{item.name}（{item.code}）" if item else record.get("catalog_code", "")),
            ("公开期间", record.get("period") or ""),
            ("公开内容", record.get("content") or ""),
            ("公开形式", channels),
            ("公开时间", record.get("disclosed_on") or ""),
        ],
        "responsible": f"责任人：{record.get('responsible') or ''}",
        "reviewer": (
            f"审核人（村务监督委员会）：{record.get('reviewer') or ''}"
            + (f"    审核意见：{record['review_opinion']}" if record.get("review_opinion") else "")
        ),
    }


def _select(store: Store, ids: Sequence[str] | None, period: str | None) -> list[dict[str, Any]]:
    records = store.list_records("disclosure")
    if ids:
        by_id = {record["id"]: record for record in records}
        missing = [record_id for record_id in ids if record_id not in by_id]
        if missing:
            raise NoticeError(_("no disclosure with id {id}").format(id=missing[0]))
        return [by_id[record_id] for record_id in ids]
    if period:
        chosen = [record for record in records if record["period"] == period]
        if not chosen:
            raise NoticeError(_("no disclosure for period {period}").format(period=period))
        return sorted(chosen, key=lambda r: (r["org_code"], r["catalog_code"]))
    raise NoticeError(_("give disclosure ids or a period"))


_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def board_sheet(workbook: Workbook, title: str) -> Worksheet:
    """The workbook's sheet laid out as the notice board prints: A4 portrait, one page
    wide, a narrow heading column and a wide text column (bulletins print alike)."""
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 70
    return sheet


def _write_xlsx(records: Sequence[Mapping[str, Any]], path: Path) -> None:
    workbook = Workbook()
    sheet = board_sheet(workbook, "公开栏")
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1
    for index, record in enumerate(records):
        lines = notice_lines(record)
        sheet.cell(row=row, column=1, value=lines["title"])
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        sheet.cell(row=row, column=1).font = Font(bold=True, size=16)
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="center")
        row += 1
        sheet.cell(row=row, column=1, value="公开单位")
        sheet.cell(row=row, column=2, value=lines["unit"])
        row += 1
        for label, value in lines["fields"]:
            sheet.cell(row=row, column=1, value=label).font = Font(bold=True)
            sheet.cell(row=row, column=2, value=value).alignment = wrap
            sheet.cell(row=row, column=1).border = _BOX
            sheet.cell(row=row, column=2).border = _BOX
            row += 1
        for text in (lines["responsible"], lines["reviewer"]):
            sheet.cell(row=row, column=1, value=text)
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            row += 1
        if index < len(records) - 1:
            sheet.row_breaks.append(_break(row))
            row += 1
    save_workbook(workbook, path)


def _break(row: int) -> Any:
    from openpyxl.worksheet.pagebreak import Break

    return Break(id=row)


_CSS = """
@page { size: A4 portrait; margin: 18mm 15mm; }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-size: 12pt; }
section.notice { page-break-after: always; break-after: page; }
section.notice:last-child { page-break-after: auto; break-after: auto; }
h1 { text-align: center; font-size: 20pt; margin: 0 0 6mm; }
p.unit { text-align: center; margin: 0 0 4mm; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #000; padding: 2mm 3mm; vertical-align: top; text-align: left; }
th { width: 22%; white-space: nowrap; }
td { white-space: pre-wrap; }
p.sign { margin: 6mm 0 0; }
@media screen { body { max-width: 180mm; margin: 10mm auto; } }
"""


def _html(records: Sequence[Mapping[str, Any]]) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        "<title>三务公开栏</title>",
        f"<style>{_CSS}</style></head><body>",
    ]
    for record in records:
        lines = notice_lines(record)
        esc = html.escape
        parts.append('<section class="notice">')
        parts.append(f"<h1>{esc(lines['title'])}</h1>")
        parts.append(f'<p class="unit">公开单位：{esc(lines["unit"])}</p>')
        parts.append("<table>")
        for label, value in lines["fields"]:
            parts.append(f"<tr><th>{esc(label)}</th><td>{esc(str(value))}</td></tr>")
        parts.append("</table>")
        parts.append(f'<p class="sign">{esc(lines["responsible"])}</p>')
        parts.append(f'<p class="sign">{esc(lines["reviewer"])}</p>')
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def export_disclosures(
    store: Store,
    path: Path,
    *,
    ids: Sequence[str] | None = None,
    period: str | None = None,
    fmt: str = "xlsx",
) -> int:
    """Write the chosen disclosures (by id, or every one of ``period``) as notices to
    ``path`` in ``fmt`` (xlsx or html); returns how many."""
    if fmt not in FORMATS:
        raise NoticeError(
            _("unknown format {fmt!r}; formats: {formats}").format(
                fmt=fmt, formats=", ".join(FORMATS)
            )
        )
    records = _select(store, ids, period)
    if fmt == "xlsx":
        _write_xlsx(records, path)
    else:
        write_text(path, _html(records))
    return len(records)
