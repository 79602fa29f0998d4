"""A record form that never loses work.

Every field has its label above and its error below: a failed save names the
field next to it and keeps everything typed; leaving with unsaved changes asks
first. Kinds describe their fields with ``FormField``; the disclosure form adds
its catalogue picker on top (client/screens/disclosure_form.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import (
    Checkbox,
    Footer,
    Header,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
    TextArea,
)

from client.attachments import AttachmentError, Attachments
from client.errors import RuleRefused, StoreError, ValidationFailed
from client.i18n import _
from client.labels import (
    choice_options,
    error_text,
    item_label,
    refusal_text,
)
from client.screens.base import AppScreen
from client.widgets.bindings import translate_bindings
from client.widgets.confirm import ConfirmScreen
from client.widgets.file_picker import FilePicker
from client.widgets.literal import LiteralStatic
from client.widgets.ticks import TickBox, TickList
from models.catalog import load_catalog
from models.fields import FieldSpec, FieldType, Format
from models.kinds import kind_spec
from models.validation import FieldError

if TYPE_CHECKING:
    pass

WIDGETS = ("text", "area", "date", "select", "multi", "attachments", "bool", "money")


def yuan_text(fen: Any) -> str:
    """Integer fen as yuan text: 123456 → "1234.56"."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        return ""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def fen_of(text: str) -> int | str:
    """Yuan as typed → integer fen; what cannot be read goes on as text (validation names it)."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    if not cleaned:
        return 0
    try:
        amount = Decimal(cleaned) * 100
    except InvalidOperation:
        return cleaned
    if amount != amount.to_integral_value():
        return cleaned
    return int(amount)


@dataclass(frozen=True)
class FormField:
    """One field of a form: the record field, its label msgid and how it is typed."""

    name: str
    label: str
    widget: str = "text"
    choices: tuple[tuple[str, str], ...] = ()
    """(shown label, code) pairs for select and multi, already in the current language."""
    hint: str = ""
    """msgid of the placeholder."""


def form_fields(
    kind: str,
    *,
    fixed: Collection[str] = (),
    units: tuple[tuple[str, str], ...] = (),
    labels: Mapping[str, str] | None = None,
) -> list[FormField]:
    """A kind's default form, read from its declaration: every field a person types, in
    the declared order, each with the widget its type and markers imply.

    Left out: fields moved by the kind's own actions (``Managed``), references to other
    records (picked from those records, not typed), the unit (unless ``units`` gives a
    picker for it, first) and the fields the screen ``fixed``. ``labels`` are a screen's
    layout overrides of a field's label (msgids)."""
    spec = kind_spec(kind)
    overrides = labels or {}
    out: list[FormField] = []
    for name, field in spec.specs.items():
        text = overrides.get(name, field.label)
        if field.format in (Format.ORG_CODE, Format.ORG_CODES):
            if units and name not in fixed:
                widget = "select" if field.format is Format.ORG_CODE else "multi"
                out.append(FormField(name, text, widget, units))
            continue
        if field.managed or field.ref is not None or name in fixed:
            continue
        out.append(declared_field(kind, name, label=text))
    return out


def declared_field(kind: str, name: str, *, label: str | None = None) -> FormField:
    """One declared field as a form types it: for a form of a kind's own action (a clue's
    outcome), whose fields the default form leaves out as ``Managed``."""
    field = kind_spec(kind).field(name)
    widget, choices = _widget_of(kind, field)
    return FormField(name, label or field.label, widget, choices, field.hint)


def _widget_of(kind: str, field: FieldSpec) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The widget a declared field is typed with, and its choices."""
    if field.format is Format.FILES:
        return "attachments", ()
    if field.choices is not None:
        options = choice_options(kind, field.name)
        return ("multi" if field.type is FieldType.SET else "select"), options
    if field.format is Format.CATALOG_ITEM:
        return "select", tuple((item_label(item), code) for code, item in load_catalog().items())
    if field.type is FieldType.BOOL:
        return "bool", ()
    if field.money:
        return "money", ()
    if field.type is FieldType.DATE:
        return "date", ()
    return ("area" if field.multiline else "text"), ()


class RecordForm(AppScreen[str | None]):
    """Add or edit one record; dismisses with the record id when saved, None when left."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form-save", tooltip="Save this record"),
        Binding("escape", "leave", "Back", id="form-leave", tooltip="Leave; asks if unsaved"),
        Binding(
            "ctrl+o", "attach", "Attach", id="form-attach", tooltip="Attach a file (photo, scan)"
        ),
        Binding("f1", "app.help", "Help", id="form-help", tooltip="Keys of this screen"),
        Binding("q", "app.quit", "Quit", id="form-quit", show=False, tooltip="Leave Sanwu"),
    ]

    @dataclass
    class RecordSaved(Message):
        """A record was written to the local store (and queued for central)."""

        kind: str
        record_id: str

    def __init__(
        self,
        kind: str,
        fields: Sequence[FormField],
        *,
        title: str,
        record_id: str | None = None,
        values: Mapping[str, Any] | None = None,
        fixed: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        translate_bindings(self)
        self.kind = kind
        self.fields = tuple(fields)
        self.form_title = title
        self.record_id = record_id
        self.initial = dict(values or {})
        self.fixed = dict(fixed or {})
        """Values the form sends without showing them (a payment's project, org_code...)."""
        self.attachments: list[str] = list(self.initial.get("attachments") or [])
        self._start: dict[str, Any] = {}

    # ---- building --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield LiteralStatic(self.form_title, id="form-title")  # may name a project from afar
        with VerticalScroll(id="form"):
            for spec in self.fields:
                with Vertical(classes="field", id=f"box-{spec.name}"):
                    yield Label(_(spec.label), classes="field-label")
                    yield self._widget(spec)
                    yield Static("", id=f"e-{spec.name}", classes="field-error")
        yield Footer()

    def _widget(self, spec: FormField) -> Widget:
        value = self.initial.get(spec.name)
        wid = f"f-{spec.name}"
        hint = _(spec.hint) if spec.hint else ""
        if spec.widget == "area":
            return TextArea(str(value or ""), id=wid, soft_wrap=True, classes="field-area")
        if spec.widget == "select":
            current = value if value in {code for _label, code in spec.choices} else Select.NULL
            return Select(
                list(spec.choices), value=current, id=wid, prompt=_("Choose…"), allow_blank=True
            )
        if spec.widget == "multi":
            chosen = set(value or [])
            return TickList(
                *((text, code, code in chosen) for text, code in spec.choices),
                id=wid,
                classes="field-multi",
            )
        if spec.widget == "bool":
            return TickBox(_(spec.label), bool(value), id=wid)
        if spec.widget == "attachments":
            return Static(self._attachments_text(), id=wid, classes="field-attachments")
        if spec.widget == "money":
            return Input(yuan_text(value), id=wid, placeholder=hint or _("yuan, e.g. 1200.50"))
        if spec.widget == "date":
            return Input(str(value or ""), id=wid, placeholder=hint or _("YYYY-MM-DD"))
        return Input(str(value or ""), id=wid, placeholder=hint)

    def on_mount(self) -> None:
        self._start = self.values()
        first = self.query("#form Input, #form Select, #form TextArea").first()
        first.focus()

    # ---- reading ---------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What is typed now, field by field, as the store takes it."""
        out: dict[str, Any] = {}
        for spec in self.fields:
            wid = f"#f-{spec.name}"
            if spec.widget == "area":
                out[spec.name] = self.query_one(wid, TextArea).text
            elif spec.widget == "select":
                chosen = self.query_one(wid, Select).value
                out[spec.name] = "" if chosen is Select.NULL else chosen
            elif spec.widget == "multi":
                out[spec.name] = sorted(self.query_one(wid, SelectionList).selected)
            elif spec.widget == "bool":
                out[spec.name] = self.query_one(wid, Checkbox).value
            elif spec.widget == "attachments":
                out[spec.name] = sorted(set(self.attachments))
            elif spec.widget == "money":
                out[spec.name] = fen_of(self.query_one(wid, Input).value)
            else:
                out[spec.name] = self.query_one(wid, Input).value
        return out

    @property
    def dirty(self) -> bool:
        """Whether anything differs from what the form opened with."""
        return self.values() != self._start

    def set_value(self, name: str, value: str) -> None:
        """Put a value in a text field or text area (used by pickers that fill the form)."""
        widget = self.query_one(f"#f-{name}")
        if isinstance(widget, TextArea):
            widget.text = value
        elif isinstance(widget, Input):
            widget.value = value

    # ---- saving ----------------------------------------------------------------------

    def show_errors(self, errors: Sequence[FieldError]) -> None:
        """Each error under its field; the first such field gets the focus."""
        names = {spec.name for spec in self.fields}
        for spec in self.fields:
            self.query_one(f"#e-{spec.name}", Static).update("")
            self.query_one(f"#box-{spec.name}").remove_class("-invalid")
        elsewhere: list[str] = []
        first: str | None = None
        for error in errors:
            if error.field in names:
                if not self._has_error(error.field):  # the first problem of a field is shown
                    self.query_one(f"#e-{error.field}", Static).update(error_text(error))
                    self.query_one(f"#box-{error.field}").add_class("-invalid")
                first = first or error.field
            else:
                elsewhere.append(error_text(error))
        if first is not None:
            target = self.query_one(f"#f-{first}")
            target.focus()
            target.scroll_visible()
        message = _("Not saved: please correct the marked fields.")
        if elsewhere:
            message = " ".join([message, *elsewhere])
        self.notify(message, severity="error")

    def _has_error(self, name: str) -> bool:
        return self.query_one(f"#box-{name}").has_class("-invalid")

    def save(self, values: Mapping[str, Any]) -> str:
        """Write through the store; returns the record id. Raises StoreError."""
        store = self.sanwu.store
        if self.record_id is None:
            return store.add(self.kind, {**self.fixed, **values})
        store.edit(self.record_id, {**self.fixed, **values})
        return self.record_id

    def action_save(self) -> None:
        """Save this record."""
        try:
            record_id = self.save(self.values())
        except ValidationFailed as exc:
            self.show_errors(exc.errors)
            return
        except RuleRefused as exc:
            self.notify(
                _("Not saved: {reason}").format(reason=refusal_text(exc.kind, exc.refusal)),
                severity="error",
            )
            return
        except StoreError as exc:
            self.notify(_("Not saved: {reason}").format(reason=str(exc)), severity="error")
            return
        self._start = self.values()
        self.notify(_("Saved on this computer; it will sync."))
        self.sanwu.post_message(self.RecordSaved(self.kind, record_id))
        self.dismiss(record_id)

    def action_leave(self) -> None:
        """Leave; asks first when something typed is not saved."""
        if not self.dirty:
            self.dismiss(None)
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(
                _("Leave without saving? What you typed will be lost."),
                yes=_("Leave"),
                no=_("Keep editing"),
            ),
            answered,
        )

    # ---- attachments -----------------------------------------------------------------

    def _attachments_text(self) -> str:
        if not self.attachments:
            return _("No attachments (Ctrl+O adds a file)")
        shown = ", ".join(digest[:12] for digest in sorted(set(self.attachments)))
        return _("{n} attachments: {list}").format(n=len(set(self.attachments)), list=shown)

    def check_action(self, action: str, _parameters: tuple[object, ...]) -> bool | None:
        if action == "attach":
            return any(spec.widget == "attachments" for spec in self.fields)
        return True

    def action_attach(self) -> None:
        """Attach a file (photo, scan)."""

        def picked(path: Path | None) -> None:
            if path is None:
                return
            try:
                digest = Attachments(self.sanwu.store).add_file(path)
            except AttachmentError as exc:
                reason = _(exc.template).format(**exc.params)
                self.notify(
                    _("Cannot attach that file: {reason}").format(reason=reason), severity="error"
                )
                return
            self.add_attachment(digest)

        self.app.push_screen(FilePicker(Path.home()), picked)

    def add_attachment(self, digest: str) -> None:
        """Name a file (copied in already) in the record; it goes up at the next sync."""
        if digest not in self.attachments:
            self.attachments.append(digest)
        for widget in self.query("#f-attachments").results(Static):
            widget.update(self._attachments_text())

    @on(Input.Changed)
    @on(Select.Changed)
    def _clear_error(self, event: Input.Changed | Select.Changed) -> None:
        """Typing in a field clears its old error."""
        wid = event.control.id or ""
        if wid.startswith("f-"):
            name = wid[2:]
            for box in self.query(f"#box-{name}"):
                box.remove_class("-invalid")
            for error in self.query(f"#e-{name}").results(Static):
                error.update("")
