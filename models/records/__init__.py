"""The record kinds as typed SQLModel tables: each field declared once, with its markers.

Each kind is a data model (``XFields``: the fields people enter, with DOMAIN.md's
names) and a table model ``X(RecordColumns, XFields, table=True)``. Tables never
inherit from tables. Both ends create the same tables (through their own
Alembic migrations), so a record travels between them column for column.

A field's markers (``models.fields``) say everything else about it: its label,
what it holds (money, a period, an ID number...), whether it is personal and how it
is masked, its choices, its limit, the legacy headers that hold it, and whether it
is required. The registry (``models.kinds``) reads them; so does everything else.
Adding a field to a kind is one change in its module plus one migration in each tree.
The kinds live by area (``columns``, ``entries``, ``supervision``, ``handed_down``) and
this package names them all, so callers import from ``models.records`` alone.
"""

from __future__ import annotations

from models.records.columns import (
    STATUS,
    RecordColumns,
)
from models.records.entries import (
    STAGE_DATES,
    Disclosure,
    DisclosureFields,
    DutyEvidence,
    DutyEvidenceFields,
    SubsidyPayment,
    SubsidyPaymentFields,
    SubsidyProject,
    SubsidyProjectFields,
)
from models.records.handed_down import (
    Bulletin,
    BulletinFields,
    CatalogItemFields,
    CatalogItemRecord,
    DutyAdjustment,
    DutyAdjustmentFields,
)
from models.records.supervision import (
    Clue,
    ClueFields,
    Feedback,
    FeedbackFields,
    Reminder,
    ReminderFields,
    SupervisionWarning,
    WarningFields,
)

__all__ = [
    "STAGE_DATES",
    "STATUS",
    "Bulletin",
    "BulletinFields",
    "CatalogItemFields",
    "CatalogItemRecord",
    "Clue",
    "ClueFields",
    "Disclosure",
    "DisclosureFields",
    "DutyAdjustment",
    "DutyAdjustmentFields",
    "DutyEvidence",
    "DutyEvidenceFields",
    "Feedback",
    "FeedbackFields",
    "RecordColumns",
    "Reminder",
    "ReminderFields",
    "SubsidyPayment",
    "SubsidyPaymentFields",
    "SubsidyProject",
    "SubsidyProjectFields",
    "SupervisionWarning",
    "WarningFields",
]
