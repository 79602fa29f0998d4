"""The disclosure list: filters, pinyin search, pages of rows, and the way to the form."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static

from client import queries
from client.i18n import N_, _, label, language
from client.labels import choice_options
from client.screens.base import SanwuScreen
from client.screens.disclosure_detail import DisclosureDetail
from client.screens.disclosure_form import DisclosureForm, unit_choices
from client.screens.import_file import ImportScreen
from client.screens.record_actions import ask_delete, may_delete, may_edit
from client.widgets.paged_table import PagedTable
from client.widgets.written import WrittenScreen
from models.catalog import DOMAIN_NAMES, DOMAINS, load_catalog
from models.orgs import org_by_code

_DOMAIN_MSGIDS = {
    "party": N_("Party"),
    "government": N_("Government"),
    "village": N_("Village"),
    "finance": N_("Finance"),
}
PAGE_ROWS = 50
"""Rows fetched per page: two screens' worth at 80x24, the next page comes on scrolling."""
LOAD_MORE_MARGIN = 20
"""Fetch the next page when the cursor comes this close to the last loaded row."""
FIXED_WIDTHS = {"period": 10, "village": 8, "item": 14, "status": 6, "synced": 6}
"""Every column has a fixed width, so a page is shown without measuring its CJK cells;
the title takes what the screen leaves (at least ``TITLE_MIN``)."""
TITLE_MIN = 16
EDITED = ("title", "content")
"""Fields the edit key is offered for when the rule lets this device change them (a
published disclosure is the reviewing level's)."""


def domain_label(domain: str) -> str:
    return _(_DOMAIN_MSGIDS[domain]) if language() == "en" else DOMAIN_NAMES[domain]


def item_name(code: str) -> str:
    item = load_catalog().get(code)
    if item is None:
        return code
    return item.name_en if language() == "en" else item.name


class DisclosuresScreen(SanwuScreen):
    """Every disclosure in this device's scope, newest period first."""

    MODE = "disclosures"
    HELP = N_("Disclosures: filter, search (pinyin works), open, add and edit.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="disclosure-new", tooltip="Record a new disclosure"),
        Binding("e", "edit", "Edit", id="disclosure-edit", tooltip="Edit the chosen disclosure"),
        Binding(
            "d",
            "delete",
            "Delete",
            id="disclosure-delete",
            tooltip="Delete the chosen disclosure (asks first)",
        ),
        Binding("enter", "open", "Open", id="disclosure-open", tooltip="Details and history"),
        Binding("slash", "search", "Search", id="disclosure-search", tooltip="Search titles"),
        Binding("f", "filters", "Filter", id="disclosure-filter", tooltip="Go to the filters"),
        Binding(  # in F1: Escape going back needs no room in the footer at 80 columns
            "escape", "table", "List", id="disclosure-list", show=False, tooltip="Back to the list"
        ),
        Binding(
            "x",
            "export",
            "Export",
            id="disclosure-export",
            tooltip="Write the chosen disclosure for the notice board (.xlsx and .html)",
        ),
        Binding(
            "i",
            "import",
            "Import",
            id="disclosure-import",
            tooltip="Import a legacy table (CSV or Excel)",
        ),
    ]

    @dataclass
    class IndexBuilt(Message):
        """The pinyin index is ready."""

        index: queries.PinyinIndex

    def __init__(self) -> None:
        super().__init__()
        self.filter = queries.DisclosureFilter()
        self.index: queries.PinyinIndex | None = None
        self.loaded = 0
        self.more = False
        """Whether the last page was full (there may be more rows)."""
        self.total = 0

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="filters"):
            yield Select(
                [(domain_label(d), d) for d in DOMAINS],
                prompt=_("Domain"),
                id="filter-domain",
            )
            yield Input(placeholder=_("Period"), id="filter-period")
            yield Select(
                choice_options("disclosure", "status"),
                prompt=_("Status"),
                id="filter-status",
            )
            units = unit_choices(self.store.identity.scope if self.store.identity else "")
            if units:
                yield Select(units, prompt=_("Village"), id="filter-village")
            yield Input(placeholder=_("Search (pinyin ok)"), id="filter-search")
        yield Static("", id="list-count")
        yield PagedTable(id="disclosures", cursor_type="row", zebra_stripes=True, stretch="title")

    def on_mount(self) -> None:
        table = self.query_one("#disclosures", DataTable)
        widths = dict(FIXED_WIDTHS)
        if not self._town():
            del widths["village"]
        padding = 2 * table.cell_padding * (len(widths) + 1)
        scrollbar = table.styles.scrollbar_size_vertical
        title = max(TITLE_MIN, self.app.size.width - sum(widths.values()) - padding - scrollbar)
        table.add_column(_("Period"), key="period", width=widths["period"])
        if "village" in widths:
            table.add_column(_("Village"), key="village", width=widths["village"])
        table.add_column(_("Item"), key="item", width=widths["item"])
        table.add_column(_("Title"), key="title", width=title)
        table.add_column(_("Status"), key="status", width=widths["status"])
        table.add_column(_("Synced"), key="synced", width=widths["synced"])
        table.focus()
        # Built once the first page is on screen (or at the first pinyin search), so the
        # worker's reading does not slow the first paint.
        self.set_timer(1.0, self._index_soon)

    def _index_soon(self) -> None:
        if self.index is None:
            self.build_index()

    def _town(self) -> bool:
        identity = self.store.identity
        return identity is not None and len(identity.scope) < 12

    # ---- data ------------------------------------------------------------------------

    def refresh_data(self) -> None:
        super().refresh_data()
        self.apply_filter()

    @work(thread=True, exclusive=True, exit_on_error=False, group="pinyin")
    def build_index(self) -> None:
        """Build the pinyin index off the screen's thread; the list works without it."""
        index = queries.PinyinIndex.build(self.store.engine)
        self.post_message(self.IndexBuilt(index))

    def on_disclosures_screen_index_built(self, message: IndexBuilt) -> None:
        self.index = message.index
        if queries._is_pinyin_query(self.filter.search):
            self.apply_filter()

    def apply_filter(self) -> None:
        """Show the first page for the current filter; count the matches after it is drawn."""
        table = self.query_one("#disclosures", DataTable)
        table.clear()
        self.loaded = 0
        self._load_page()
        self._show_count(counting=True)
        self.call_after_refresh(self._count, self.filter)

    def _count(self, flt: queries.DisclosureFilter) -> None:
        if flt != self.filter:
            return  # the filter changed again; its own count follows
        self.total = queries.count_disclosures(self.store.engine, flt, index=self.index)
        self._show_count()

    def _show_count(self, *, counting: bool = False) -> None:
        self.query_one("#list-count", Static).update(
            _("{shown} of {total} shown").format(
                shown=self.loaded, total="…" if counting else self.total
            )
        )

    def _load_page(self) -> None:
        rows = queries.list_disclosures(
            self.store.engine, self.filter, offset=self.loaded, limit=PAGE_ROWS, index=self.index
        )
        table = self.query_one("#disclosures", DataTable)
        town = self._town()
        units = org_by_code()
        for row in rows:
            cells: list[str] = [row.period]
            if town:
                unit = units.get(row.org_code)
                cells.append(unit.name if unit else row.org_code[-3:])
            cells += [
                item_name(row.catalog_code),
                row.title,
                label("disclosure", "status", row.status),
                _("yes") if row.version else _("no"),
            ]
            table.add_row(*cells, key=row.id)
        self.loaded += len(rows)
        self.more = len(rows) == PAGE_ROWS

    @on(DataTable.RowHighlighted, "#disclosures")
    def _maybe_more(self, event: DataTable.RowHighlighted) -> None:
        """Load the next page as the cursor nears the end of what is loaded."""
        self.refresh_bindings()  # edit and delete follow the chosen disclosure
        if self.more and event.cursor_row >= self.loaded - LOAD_MORE_MARGIN:
            self._load_page()
            self._show_count()

    @on(Input.Changed, "#filter-period")
    @on(Input.Changed, "#filter-search")
    @on(Select.Changed, "#filters Select")
    def _filter_changed(self) -> None:
        def chosen(wid: str) -> str:
            found = self.query(f"#{wid}").results(Select)
            for select in found:
                value = select.value
                return "" if value is Select.NULL else str(value)
            return ""

        self.filter = queries.DisclosureFilter(
            domain=chosen("filter-domain"),
            period=self.query_one("#filter-period", Input).value.strip(),
            status=chosen("filter-status"),
            org_code=chosen("filter-village"),
            search=self.query_one("#filter-search", Input).value.strip(),
        )
        if self.index is None and queries._is_pinyin_query(self.filter.search):
            self._index_soon()
        self.apply_filter()

    # ---- actions ---------------------------------------------------------------------

    def _chosen_id(self) -> str | None:
        table = self.query_one("#disclosures", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return None if key.value is None else str(key.value)

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        if action in ("new", "import"):
            identity = self.store.identity
            return identity is None or identity.role != "support"
        if action == "edit":
            return may_edit(self, self._chosen_id() if self.is_mounted else None, EDITED)
        if action == "delete":
            return may_delete(self, self._chosen_id() if self.is_mounted else None)
        if action == "open":
            return isinstance(self.focused, DataTable)
        return True

    def action_new(self) -> None:
        """Record a new disclosure."""
        identity = self.store.identity
        form = DisclosureForm(today=self.sanwu.today(), scope=identity.scope if identity else "")
        self.app.push_screen(form, self._after_form)

    def action_edit(self) -> None:
        """Edit the chosen disclosure."""
        record_id = self._chosen_id()
        if record_id is None:
            return
        _kind, record = self.store.get(record_id)
        form = DisclosureForm(today=self.sanwu.today(), record_id=record_id, values=record)
        self.app.push_screen(form, self._after_form)

    def action_delete(self) -> None:
        """Delete the chosen disclosure, after asking."""
        record_id = self._chosen_id()
        if record_id is None:
            return
        _kind, record = self.store.get(record_id)
        ask_delete(self, record_id, f"{record['period']} {record['title']}", self.refresh_data)

    def _after_form(self, record_id: str | None) -> None:
        if record_id is not None and self.index is not None:
            self.index.refresh(self.store.engine, [record_id])

    def action_open(self) -> None:
        """Details and history of the chosen disclosure."""
        record_id = self._chosen_id()
        if record_id is not None:
            self.app.push_screen(DisclosureDetail(record_id))

    def action_import(self) -> None:
        """Import a legacy table of disclosures (or another kind)."""
        self.app.push_screen(ImportScreen(kind="disclosure"))

    def action_export(self) -> None:
        """Write the chosen disclosure as a notice-board table, in a worker."""
        record_id = self._chosen_id()
        if record_id is not None:
            self.export_notice(record_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export_notice(self, record_id: str) -> None:
        from client.exports.notice import export_disclosures

        folder = self.store.home / "exports"
        written = []
        for fmt in ("xlsx", "html"):
            path = folder / f"notice-{record_id[:8]}.{fmt}"
            export_disclosures(self.store, path, ids=[record_id], fmt=fmt)
            written.append(path)
        self.post_message(self.NoticeExported(tuple(written)))

    @dataclass
    class NoticeExported(Message):
        """A disclosure was written for the notice board."""

        paths: tuple[Path, ...]

    def on_disclosures_screen_notice_exported(self, message: NoticeExported) -> None:
        self.app.push_screen(WrittenScreen(_("Written for the notice board:"), message.paths))

    @on(DataTable.RowSelected, "#disclosures")
    def _row_selected(self) -> None:
        self.action_open()

    def action_search(self) -> None:
        """Search titles and responsible persons (Chinese or pinyin)."""
        self.query_one("#filter-search", Input).focus()

    def action_filters(self) -> None:
        """Go to the filters."""
        self.query_one("#filter-domain", Select).focus()

    def action_table(self) -> None:
        """Back to the list."""
        self.query_one("#disclosures", DataTable).focus()
