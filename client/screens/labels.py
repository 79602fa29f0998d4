"""Names of kinds and fields as people read them, and values shown the same way everywhere
(choices by their label, money in yuan, personal data masked)."""

from __future__ import annotations

from typing import Any

from client.i18n import N_, _, label, language
from models.catalog import load_catalog
from models.kinds import kind_spec
from models.masking import mask_record
from models.orgs import org_by_code
from models.validation import CHOICE_LABELS

KIND_NAMES: dict[str, str] = {
    "disclosure": N_("Disclosure"),
    "subsidy_project": N_("Subsidy project"),
    "subsidy_payment": N_("Subsidy payment"),
    "duty_evidence": N_("Duty evidence"),
    "warning": N_("Warning"),
    "feedback": N_("Rectification feedback"),
    "clue": N_("Problem clue"),
}

FIELD_NAMES: dict[str, str] = {
    "org_code": N_("Unit"),
    "catalog_code": N_("Catalogue item"),
    "period": N_("Period"),
    "title": N_("Title"),
    "content": N_("Content"),
    "channels": N_("Channels"),
    "disclosed_on": N_("Disclosed on"),
    "responsible": N_("Responsible person"),
    "reviewer": N_("Reviewer (supervision committee)"),
    "review_opinion": N_("Review opinion"),
    "status": N_("Status"),
    "attachments": N_("Attachments (photo of the board)"),
    "deleted": N_("Deleted"),
    "category": N_("Category"),
    "name": N_("Name"),
    "policy_basis": N_("Policy basis"),
    "fund_batch": N_("Fund document number"),
    "total_fen": N_("Total (yuan)"),
    "stage": N_("Stage"),
    "planned_on": N_("Planned on"),
    "allocated_on": N_("Allocated on"),
    "reviewed_on": N_("Reviewed on"),
    "disbursed_on": N_("Disbursed on"),
    "closed_on": N_("Closed on"),
    "project_id": N_("Project"),
    "recipient_name": N_("Recipient"),
    "id_number": N_("ID number"),
    "standard": N_("Standard (yuan per unit)"),
    "quantity": N_("Quantity"),
    "unit": N_("Unit of quantity"),
    "amount_fen": N_("Amount (yuan)"),
    "paid_on": N_("Paid on"),
    "method": N_("Payment method"),
    "account": N_("Account"),
    "indicator_code": N_("Duty indicator"),
    "occurred_on": N_("Date"),
    "description": N_("What was done"),
    "issued_by": N_("Issued by"),
    "doc_type": N_("Document type"),
    "problems": N_("Problems"),
    "issued_on": N_("Issued on"),
    "reply_due": N_("Reply due"),
    "warning_id": N_("Warning"),
    "reported_on": N_("Reported on"),
    "progress": N_("Progress"),
    "completed": N_("Completed"),
    "verdict": N_("Verdict"),
    "verdict_note": N_("Verdict note"),
    "source": N_("Source"),
    "problem": N_("Problem"),
    "received_on": N_("Received on"),
    "reporter_contact": N_("Reporter's contact"),
}

_MONEY = frozenset({"total_fen", "amount_fen", "standard"})


def kind_name(kind: str) -> str:
    return _(KIND_NAMES.get(kind, kind))


def field_name(field: str) -> str:
    return _(FIELD_NAMES.get(field, field))


def yuan(fen: int) -> str:
    """Integer fen as yuan with thousands separators: 123456 → "1,234.56"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def shown(kind: str, field: str, value: Any) -> str:
    """One field's value as a person reads it; personal values masked (no reveal here)."""
    if value is None or value == "" or value == []:
        return "—"
    spec = kind_spec(kind)
    if field in spec.personal or field == "recipient_name":
        value = mask_record(kind, {field: value}).get(field, value)
    if (kind, field) in CHOICE_LABELS:
        if isinstance(value, list):
            return "、".join(label(kind, field, str(code)) for code in value)
        return label(kind, field, str(value))
    if field in _MONEY and isinstance(value, int) and not isinstance(value, bool):
        return yuan(value)
    if field == "attachments" and isinstance(value, list):
        return _("{n} files").format(n=len(value))
    if field == "catalog_code":
        item = load_catalog().get(str(value))
        if item:
            return f"{item.code} {item.name_en if language() == 'en' else item.name}"
    if field == "org_code":
        unit = org_by_code().get(str(value))
        return f"{unit.name} {value}" if unit else str(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return _("a whole record")
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)
