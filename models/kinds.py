"""The registry of record kinds: what each kind's fields are and how they travel.

Everything that treats records generically (the store, the merge rule, the
wire, the CLI) asks this module instead of knowing the seven kinds by heart.
A record "as data" is a dict of wire values: text, int, bool, a date as
``YYYY-MM-DD``, a set as a sorted list. Equality of wire values is what the
per-field merge rule compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlmodel import SQLModel

from models.records import (
    Clue,
    ClueFields,
    Disclosure,
    DisclosureFields,
    DutyEvidence,
    DutyEvidenceFields,
    Feedback,
    FeedbackFields,
    RecordColumns,
    SubsidyPayment,
    SubsidyPaymentFields,
    SubsidyProject,
    SubsidyProjectFields,
    SupervisionWarning,
    WarningFields,
)

WireValue = str | int | bool | list[str] | None
WireRecord = dict[str, WireValue]


class FieldType(StrEnum):
    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    DATE = "date"
    SET = "set"


# Columns set by the store and central; people never send them in an op.
SYSTEM_COLUMNS = ("id", "version", "deleted", "updated_by", "recorded_at", "received_at", "seq")


@dataclass(frozen=True)
class KindSpec:
    name: str
    table: type[RecordColumns]
    fields_model: type[SQLModel]
    field_types: Mapping[str, FieldType]
    """Every field a person may set, ``org_code`` first."""
    natural_key: tuple[str, ...] = ()
    """Fields that identify a record in the world; a second create with the same is a duplicate."""
    personal: frozenset[str] = frozenset()
    """Personal data: encrypted at rest, masked when shown, never logged in clear."""
    required: frozenset[str] = frozenset()

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.field_types)

    def defaults(self) -> WireRecord:
        """The wire values of a new record before anybody typed anything (a fresh copy)."""
        return {
            name: list(value) if isinstance(value, list) else value
            for name, value in _defaults(self.name).items()
        }


@cache
def _defaults(kind: str) -> WireRecord:
    spec = KINDS[kind]
    out: WireRecord = {"org_code": ""}
    for name, info in spec.fields_model.model_fields.items():
        out[name] = to_wire(spec.field_types[name], info.get_default(call_default_factory=True))
    return out


def _field_type(annotation: Any) -> FieldType:
    text = str(annotation)
    if "list[" in text:
        return FieldType.SET
    if "date" in text:
        return FieldType.DATE
    if annotation is bool or text == "bool":
        return FieldType.BOOL
    if annotation is int or text == "int":
        return FieldType.INT
    return FieldType.TEXT


def _spec(
    name: str,
    table: type[RecordColumns],
    fields_model: type[SQLModel],
    *,
    natural_key: tuple[str, ...] = (),
    personal: tuple[str, ...] = (),
    required: tuple[str, ...] = (),
) -> KindSpec:
    types: dict[str, FieldType] = {"org_code": FieldType.TEXT}
    for field_name, info in fields_model.model_fields.items():
        types[field_name] = _field_type(info.annotation)
    return KindSpec(
        name=name,
        table=table,
        fields_model=fields_model,
        field_types=types,
        natural_key=natural_key,
        personal=frozenset(personal),
        required=frozenset(("org_code", *required)),
    )


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "disclosure",
            Disclosure,
            DisclosureFields,
            natural_key=("org_code", "catalog_code", "period"),
            required=("catalog_code", "period", "title"),
        ),
        _spec(
            "subsidy_project",
            SubsidyProject,
            SubsidyProjectFields,
            required=("category", "name"),
        ),
        _spec(
            "subsidy_payment",
            SubsidyPayment,
            SubsidyPaymentFields,
            natural_key=("project_id", "id_number"),
            personal=("id_number", "account"),
            required=("project_id", "recipient_name", "id_number", "amount_fen"),
        ),
        _spec(
            "duty_evidence",
            DutyEvidence,
            DutyEvidenceFields,
            required=("indicator_code", "occurred_on", "description"),
        ),
        _spec(
            "warning",
            SupervisionWarning,
            WarningFields,
            required=("doc_type", "title", "reply_due"),
        ),
        _spec(
            "feedback",
            Feedback,
            FeedbackFields,
            required=("warning_id", "reported_on", "progress"),
        ),
        _spec(
            "clue",
            Clue,
            ClueFields,
            personal=("reporter_contact",),
            required=("source", "problem", "description", "received_on"),
        ),
    )
}


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
    """An aware UTC datetime, as SQLModel's UTCDateTime columns require."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


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
