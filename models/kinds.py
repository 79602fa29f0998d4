"""The registry of record kinds: what each kind's fields are and how they travel.

Everything that treats records generically (the store, the merge rule, the
wire, the CLI, forms, imports, exports) asks this module instead of knowing the
kinds by heart. A kind's fields and what is true of each come from their
one declaration in ``models.records`` (``models.fields`` markers); a kind adds
only what belongs to the kind as a whole: its label and its natural key.

A record "as data" is a dict of wire values: text, int, bool, a date as
``YYYY-MM-DD``, a set as a sorted list. Equality of wire values is what the
per-field merge rule compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

from sqlmodel import SQLModel

from models.fields import FieldSpec, FieldType, Mask, field_spec, field_type_of
from models.i18n import N_
from models.records import (
    Bulletin,
    BulletinFields,
    CatalogItemFields,
    CatalogItemRecord,
    Clue,
    ClueFields,
    Disclosure,
    DisclosureFields,
    DutyAdjustment,
    DutyAdjustmentFields,
    DutyEvidence,
    DutyEvidenceFields,
    Feedback,
    FeedbackFields,
    RecordColumns,
    Reminder,
    ReminderFields,
    SubsidyPayment,
    SubsidyPaymentFields,
    SubsidyProject,
    SubsidyProjectFields,
    SupervisionWarning,
    WarningFields,
)
from models.sqltypes import is_big_int

__all__ = [
    "KINDS",
    "SYSTEM_COLUMNS",
    "FieldType",
    "KindSpec",
    "WireRecord",
    "WireValue",
    "declare_kind",
    "from_wire",
    "kind_spec",
    "row_to_wire",
    "timestamp_from_wire",
    "timestamp_to_wire",
    "to_wire",
    "wire_to_columns",
]

WireValue = str | int | bool | list[str] | None
WireRecord = dict[str, WireValue]


# Columns set by the store and central; people never send them in an op.
SYSTEM_COLUMNS = ("id", "version", "deleted", "updated_by", "recorded_at", "received_at", "seq")


@dataclass(frozen=True, eq=False)
class KindSpec:
    """One kind: its table, its fields (``org_code`` first) and views of them that the
    hot paths read (the store, the import, central's push)."""

    name: str
    label: str
    """The kind's name as people read it (an English msgid)."""
    table: type[RecordColumns]
    fields_model: type[SQLModel]
    specs: Mapping[str, FieldSpec]
    """Every field a person may set, ``org_code`` first, as declared."""
    natural_key: tuple[str, ...]
    """Fields that identify a record in the world; a second create with the same is a duplicate."""
    duplicate: str
    """What a person reads when a record with the same natural key exists (an English
    msgid naming the key in the kind's own words)."""
    field_types: Mapping[str, FieldType]
    personal: frozenset[str]
    """Personal data: sealed at rest, masked when shown, never logged in clear."""
    masked: Mapping[str, Mask]
    """Every field shown masked (the personal ones and, e.g., recipients' names), by its rule."""
    required: frozenset[str]
    """Fields that must never be empty (``FieldSpec.required_when`` adds conditional ones)."""
    title_field: str | None
    """The field that names a record in lists."""
    read_by: frozenset[str] | None
    """Roles whose devices receive the kind (None: every device whose scope holds it)."""
    handed_down: bool
    """Issued by a level for the units under it (the catalogue): devices also receive the
    records of the levels above them."""
    _defaults: Mapping[str, WireValue]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.specs)

    def field(self, name: str) -> FieldSpec:
        """The declared spec of one field (``KeyError`` names it when the kind has none)."""
        return self.specs[name]

    def defaults(self) -> WireRecord:
        """The wire values of a new record before anybody typed anything (a fresh copy)."""
        return {
            name: list(value) if isinstance(value, list) else value
            for name, value in self._defaults.items()
        }

    def choices(self, name: str) -> Mapping[str, str]:
        """A field's codes and their Chinese labels ({} for a field without choices)."""
        return self.specs[name].choices or {}


def declare_kind(
    name: str,
    table: type[RecordColumns],
    fields_model: type[SQLModel],
    *,
    label: str,
    natural_key: tuple[str, ...] = (),
    duplicate: str = N_("A record with the same key already exists."),
    read_by: frozenset[str] | None = None,
    handed_down: bool = False,
) -> KindSpec:
    """A kind from its table: ``org_code`` (from ``RecordColumns``) and every field of
    ``fields_model``, each as its markers declare it."""
    infos = {"org_code": table.model_fields["org_code"], **fields_model.model_fields}
    columns = table.__table__.columns  # type: ignore[attr-defined]
    specs: dict[str, FieldSpec] = {}
    for field_name, info in infos.items():
        default = info.get_default(call_default_factory=True)
        if field_name == "org_code":
            default = ""
        wire_default = to_wire(field_type_of(info.annotation), default)
        wide = field_name in columns and is_big_int(columns[field_name].type)
        specs[field_name] = field_spec(
            field_name, info.annotation, info.metadata, wire_default, wide=wide
        )
    unknown = [key for key in natural_key if key not in specs]
    if unknown:
        raise ValueError(f"{name}: natural key names no field {unknown[0]}")
    titles = [spec.name for spec in specs.values() if spec.title]
    return KindSpec(
        name=name,
        label=label,
        table=table,
        fields_model=fields_model,
        specs=MappingProxyType(specs),
        natural_key=natural_key,
        duplicate=duplicate,
        field_types=MappingProxyType({key: spec.type for key, spec in specs.items()}),
        personal=frozenset(key for key, spec in specs.items() if spec.personal),
        masked=MappingProxyType(
            {key: spec.mask for key, spec in specs.items() if spec.mask is not None}
        ),
        required=frozenset(key for key, spec in specs.items() if spec.required),
        title_field=titles[0] if titles else None,
        read_by=read_by,
        handed_down=handed_down,
        _defaults=MappingProxyType({key: spec.default for key, spec in specs.items()}),
    )


def kind_spec(name: str) -> KindSpec:
    """The spec of a kind; ``KeyError`` names the kind when it is unknown."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(name) from None


def to_wire(field_type: FieldType, value: Any) -> WireValue:
    """A Python value as it travels and as the merge rule compares it."""
    if value is None:
        return None
    if field_type is FieldType.DATE:
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return str(value)
    if field_type is FieldType.SET:
        return sorted(set(value))
    if field_type is FieldType.BOOL:
        return bool(value)
    if field_type is FieldType.INT:
        return int(value)
    return str(value)


def from_wire(field_type: FieldType, value: WireValue) -> Any:
    """A wire value as the table column wants it (already validated)."""
    if value is None:
        return None
    if field_type is FieldType.DATE:
        assert isinstance(value, str)
        return date.fromisoformat(value)
    if field_type is FieldType.SET:
        assert isinstance(value, list)
        return sorted(set(value))
    return value


def timestamp_to_wire(value: datetime | None) -> str | None:
    """Timestamps travel as ISO 8601 in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def timestamp_from_wire(value: str | None) -> datetime | None:
    """An aware UTC datetime, as SQLModel's UTCDateTime columns require; ValueError for
    text that is no timestamp or none that UTC can hold."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 at +14:00, year 9999 at -14:00: no such UTC time
        raise ValueError("the timestamp is out of range in UTC") from None


def row_to_wire(spec: KindSpec, row: Any) -> dict[str, Any]:
    """A table row (model instance or result row) as a full wire record: system columns
    plus every field."""
    out: dict[str, Any] = {
        "id": row.id,
        "version": row.version,
        "deleted": row.deleted,
        "updated_by": row.updated_by,
        "recorded_at": timestamp_to_wire(row.recorded_at),
        "received_at": timestamp_to_wire(row.received_at),
    }
    for name, field_type in spec.field_types.items():
        out[name] = to_wire(field_type, getattr(row, name))
    return out


def wire_to_columns(spec: KindSpec, record: Mapping[str, Any]) -> dict[str, Any]:
    """The column values of a full wire record (system columns included when present)."""
    out: dict[str, Any] = {}
    for name, field_type in spec.field_types.items():
        if name in record:
            out[name] = from_wire(field_type, record[name])
    for name in ("id", "version", "deleted", "updated_by", "seq"):
        if name in record:
            out[name] = record[name]
    for name in ("recorded_at", "received_at"):
        if name in record:
            out[name] = timestamp_from_wire(record[name])
    return out


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        declare_kind(
            "disclosure",
            Disclosure,
            DisclosureFields,
            label=N_("Disclosure"),
            natural_key=("org_code", "catalog_code", "period"),
            duplicate=N_("A record for this item and period already exists."),
        ),
        declare_kind(
            "subsidy_project", SubsidyProject, SubsidyProjectFields, label=N_("Subsidy project")
        ),
        declare_kind(
            "subsidy_payment",
            SubsidyPayment,
            SubsidyPaymentFields,
            label=N_("Subsidy payment"),
            natural_key=("project_id", "id_number"),
            duplicate=N_("This person (this ID number) is already paid in this project."),
        ),
        declare_kind("duty_evidence", DutyEvidence, DutyEvidenceFields, label=N_("Duty evidence")),
        declare_kind("warning", SupervisionWarning, WarningFields, label=N_("Warning")),
        declare_kind("feedback", Feedback, FeedbackFields, label=N_("Rectification feedback")),
        declare_kind(
            "clue",
            Clue,
            ClueFields,
            label=N_("Problem clue"),
            read_by=frozenset({"supervisor", "town"}),
        ),
        declare_kind(
            "reminder",
            Reminder,
            ReminderFields,
            label=N_("Reminder"),
            natural_key=("org_code", "subject", "subject_code", "period"),
            duplicate=N_("This reminder is already raised for this unit and period."),
        ),
        declare_kind(
            "catalog_item",
            CatalogItemRecord,
            CatalogItemFields,
            label=N_("Catalogue item"),
            natural_key=("org_code", "code"),
            duplicate=N_("This unit already has a catalogue item with this code."),
            handed_down=True,
        ),
        declare_kind("bulletin", Bulletin, BulletinFields, label=N_("Bulletin"), handed_down=True),
        declare_kind(
            "duty_adjustment",
            DutyAdjustment,
            DutyAdjustmentFields,
            label=N_("Duty score adjustment"),
            natural_key=("org_code", "year", "indicator_code"),
            duplicate=N_("This indicator's score is already adjusted for this unit and year."),
        ),
    )
}
