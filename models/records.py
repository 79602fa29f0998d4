"""The seven record kinds as typed SQLModel tables, shared by the local store and central.

Each kind is a data model (``XFields``: the fields people enter, with DOMAIN.md's
names) and a table model ``X(RecordColumns, XFields, table=True)``. Tables never
inherit from tables. Both ends create the same tables (through their own
Alembic migrations), so a record travels between them column for column.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel


class RecordColumns(SQLModel):
    """Columns every synced record carries; set by the store and central, not by people."""

    id: str = Field(primary_key=True, max_length=36)
    org_code: str = Field(index=True, max_length=12)
    version: int = 0
    """Assigned by central; 0 until the first push is acknowledged."""
    deleted: bool = False
    updated_by: str = ""
    """The device that made the latest version."""
    recorded_at: datetime
    """Device clock at the latest local change; shown to people."""
    received_at: datetime | None = None
    """Central clock when the latest version was applied."""
    seq: int = Field(default=0, index=True)
    """Central's global change number of the latest version; pull serves by it."""


class DisclosureFields(SQLModel):
    catalog_code: str = ""
    period: str = ""
    title: str = ""
    content: str = ""
    channels: list[str] = Field(default_factory=list, sa_type=JSON)
    disclosed_on: date | None = None
    responsible: str = ""
    reviewer: str = ""
    review_opinion: str = ""
    status: str = "draft"
    attachments: list[str] = Field(default_factory=list, sa_type=JSON)


class Disclosure(RecordColumns, DisclosureFields, table=True):
    __tablename__ = "disclosure"


class SubsidyProjectFields(SQLModel):
    category: str = ""
    name: str = ""
    policy_basis: str = ""
    fund_batch: str = ""
    total_fen: int = 0
    stage: str = "planning"
    planned_on: date | None = None
    allocated_on: date | None = None
    reviewed_on: date | None = None
    disbursed_on: date | None = None
    closed_on: date | None = None


class SubsidyProject(RecordColumns, SubsidyProjectFields, table=True):
    __tablename__ = "subsidy_project"


class SubsidyPaymentFields(SQLModel):
    project_id: str = Field(default="", index=True)
    recipient_name: str = ""
    id_number: str = ""
    standard: int = 0
    """Fen per unit of ``quantity``."""
    quantity: str = ""
    """A decimal number as text (mu, persons or households): never a float."""
    unit: str = ""
    amount_fen: int = 0
    paid_on: date | None = None
    method: str = ""
    account: str = ""


class SubsidyPayment(RecordColumns, SubsidyPaymentFields, table=True):
    __tablename__ = "subsidy_payment"


class DutyEvidenceFields(SQLModel):
    indicator_code: str = ""
    occurred_on: date | None = None
    description: str = ""
    attachments: list[str] = Field(default_factory=list, sa_type=JSON)


class DutyEvidence(RecordColumns, DutyEvidenceFields, table=True):
    __tablename__ = "duty_evidence"


class WarningFields(SQLModel):
    issued_by: str = ""
    doc_type: str = "warning"
    title: str = ""
    problems: str = ""
    issued_on: date | None = None
    reply_due: date | None = None
    status: str = "issued"


class SupervisionWarning(RecordColumns, WarningFields, table=True):
    __tablename__ = "warning"


class FeedbackFields(SQLModel):
    warning_id: str = Field(default="", index=True)
    reported_on: date | None = None
    progress: str = ""
    completed: bool = False
    attachments: list[str] = Field(default_factory=list, sa_type=JSON)
    verdict: str = ""
    verdict_note: str = ""


class Feedback(RecordColumns, FeedbackFields, table=True):
    __tablename__ = "feedback"


class ClueFields(SQLModel):
    source: str = ""
    problem: str = ""
    description: str = ""
    received_on: date | None = None
    status: str = "received"
    reporter_contact: str = ""


class Clue(RecordColumns, ClueFields, table=True):
    __tablename__ = "clue"
