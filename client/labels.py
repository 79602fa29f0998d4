"""Names of kinds and fields as people read them, and values shown the same way everywhere
(choices by their label, money in yuan, masked fields masked). All of it is read from the
kinds' one declaration (``models.records``); nothing here knows a field by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from client.i18n import N_, _, label, language
from models.catalog import DOMAIN_NAMES, CatalogItem, load_catalog
from models.fields import Format
from models.kinds import kind_spec
from models.masking import mask_value
from models.orgs import org_by_code
from models.payments import yuan as yuan  # money in yuan, shown the same everywhere
from models.rules.refusals import Refusal
from models.validation import FieldError

if TYPE_CHECKING:
    from sync.protocol import OpError


def kind_name(kind: str) -> str:
    try:
        return _(kind_spec(kind).label)
    except KeyError:
        return kind


_SYSTEM_NAMES = {"deleted": N_("Deleted"), "note": N_("Note")}
"""Columns people meet in conflicts without declaring them (a delete against an edit)."""


def field_name(kind: str, field: str) -> str:
    """A field's declared label in the current language (its name when it has none)."""
    try:
        text = kind_spec(kind).field(field).label
    except KeyError:
        text = _SYSTEM_NAMES.get(field, "")
    return _(text) if text else field


def shown(kind: str, field: str, value: Any) -> str:
    """One field's value as a person reads it; masked fields masked (no reveal here)."""
    if value is None or value == "" or value == []:
        return "—"
    try:
        spec = kind_spec(kind).field(field)
    except KeyError:
        return str(value)
    if spec.mask is not None and isinstance(value, str):
        value = mask_value(spec.mask, value)
    if spec.choices is not None:
        if isinstance(value, list):
            return "、".join(label(kind, field, str(code)) for code in value)
        return label(kind, field, str(value))
    if spec.money and isinstance(value, int) and not isinstance(value, bool):
        return yuan(value)
    if spec.format is Format.FILES and isinstance(value, list):
        return _("{n} files").format(n=len(value))
    if spec.format is Format.CATALOG_ITEM:
        item = load_catalog().get(str(value))
        if item:
            return f"{item.code} {item.name_en if language() == 'en' else item.name}"
    if spec.format is Format.ORG_CODE:
        unit = org_by_code().get(str(value))
        return f"{unit.name} {value}" if unit else str(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return _("a whole record")
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)


def choice_options(kind: str, field: str) -> tuple[tuple[str, str], ...]:
    """A field's declared choices as (shown label, code) pairs, in the declared order."""
    return tuple((label(kind, field, code), code) for code in kind_spec(kind).choices(field))


def item_label(item: CatalogItem) -> str:
    """A catalogue item as a picker shows it: code, domain·name."""
    domain = _(item.domain.title()) if language() == "en" else DOMAIN_NAMES[item.domain]
    name = item.name_en if language() == "en" else item.name
    return f"{item.code} {domain}·{name}"


def document_text(kind: str, field: str, value: Any) -> str:
    """A field's value as a printed document (notice board, payment list) writes it, in
    Chinese whatever the screen's language: masked fields masked, money in yuan, choices
    by their label, units by name, sets joined with 、; empty as ""."""
    if value is None or value == "" or value == []:
        return ""
    spec = kind_spec(kind).field(field)
    if spec.mask is not None and isinstance(value, str):
        return mask_value(spec.mask, value)
    if spec.money and isinstance(value, int) and not isinstance(value, bool):
        return yuan(value)
    if spec.choices is not None:
        codes = value if isinstance(value, list) else [value]
        return "、".join(spec.choices.get(str(code), str(code)) for code in codes)
    if spec.format is Format.ORG_CODE:
        unit = org_by_code().get(str(value))
        return unit.name if unit else str(value)
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value)


_UNIT_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会")


def unit_name(code: str, *, short: bool = False) -> str:
    """A unit as people name it (its code when unknown); ``short`` drops the committee
    suffix for narrow columns."""
    unit = org_by_code().get(code)
    if unit is None:
        return code
    name = unit.name
    if short:
        for suffix in _UNIT_SUFFIXES:
            name = name.removesuffix(suffix)
    return name


def units_text(prefixes: tuple[str, ...]) -> str:
    """The units a scope's prefixes cover, as people name them (a report's, a screen's)."""
    if "" in prefixes:
        return _("every unit")
    return "、".join(unit_name(prefix.ljust(12, "0")) for prefix in prefixes)


def refusal_text(kind: str, refusal: Refusal) -> str:
    """A rule's refusal as a sentence in the current language, the same whether this
    device refused the change or central did (``OpError.rule``/``params``): statuses by
    their label, steps and fields by their names."""
    words: dict[str, str] = {}
    # A feedback has no status: its rules name its warning's.
    stated = kind if "status" in kind_spec(kind).field_types else "warning"
    for name, value in refusal.params.items():
        if name in ("status", "target"):
            words[name] = label(stated, "status", value) if value else "—"
        elif name == "step":
            words[name] = _(value)
        elif name == "field":
            words[name] = field_name(kind, value)
        else:
            words[name] = value
    return _(refusal.msgid).format(**words)


ERROR_TEXT: Mapping[str, str] = {
    "required": N_("Required: please fill this in."),
    "bad_date": N_("Not a date: write it like 2026-11-05."),
    "bad_period": N_("Not a period: write 2026-10, 2026-Q3, 2026-H2, 2026 or 2026-10-14."),
    "period_mismatch": N_("This period does not fit the catalogue item's kind."),
    "duplicate": N_("A record for this item and period already exists."),
    "bad_choice": N_("Choose one of the offered values."),
    "bad_choices": N_("Choose from the list."),
    "bad_id_number": N_("Not a valid ID number (check the last character)."),
    "bad_account": N_("An account has only digits and letters."),
    "float_money": N_("Write the amount in yuan with at most two decimals."),
    "not_int": N_("Write a whole number."),
    "negative": N_("Must not be negative."),
    "too_large": N_("Too large."),
    "too_long": N_("Too long."),
    "control_character": N_(
        "Holds a control character (an escape, a bidi override...): only text, new lines and tabs."
    ),
    "bad_record_id": N_("Not a record id (a UUID)."),
    "bad_decimal": N_("Write a number such as 12.5."),
    "date_order": N_("This date is before an earlier stage's date."),
    "amount_mismatch": N_("Amount is not standard times quantity."),
    "unknown_catalog_item": N_("Not a catalogue item."),
    "unknown_indicator": N_("Not a duty indicator."),
    "not_applicable": N_("This duty indicator does not apply to this unit."),
    "over_points": N_("More than the indicator's points."),
    "out_of_scope": N_("This unit is outside what this device may write."),
    "read_only": N_("Support devices only read records."),
}


def error_text(error: FieldError) -> str:
    """A person's sentence for a field error, in the current language: the check's own
    sentence with what is expected when it gave one, else its code's."""
    if error.msgid:
        try:
            return _(error.msgid).format(**error.params)
        except (KeyError, IndexError, ValueError):
            pass  # a translation that names a placeholder the check did not give
    known = ERROR_TEXT.get(error.code)
    return _(known) if known else _("Not valid ({code}).").format(code=error.code)


def errors_text(kind: str, errors: Sequence[FieldError]) -> str:
    """Field errors as one line for a notification: each field's label and its sentence."""
    return " ".join(f"{field_name(kind, e.field)}: {error_text(e)}" for e in errors)


def rejection_text(kind: str, error: OpError | None) -> str:
    """Why central rejected an op, as the queue keeps it: ``code: sentence``. The code
    stays first (support and ``outbox.drop_refused`` read it); the sentence is worded
    here, in the current language, from the code, rule and parameters central sent, and
    is central's own text only for a code this device does not know."""
    if error is None:
        return _("rejected")
    if error.rule:
        try:
            refusal = Refusal(error.rule, error.field, dict(error.params))
            return f"{error.code}: {refusal_text(kind, refusal)} ({error.rule})"
        except (ValueError, KeyError, IndexError):
            pass  # a rule or parameter this version does not know: central's words
    known = ERROR_TEXT.get(error.code)
    if known:
        where = f"{field_name(kind, error.field)}: " if error.field else ""
        return f"{error.code}: {where}{_(known)}"
    return f"{error.code}: {error.message}"


CENTRAL_TEXT: Mapping[str, str] = {
    "bad_code": N_("central does not know this enrollment code: check it for typing mistakes"),
    "code_used": N_("this enrollment code was already used: ask the administrator for a new one"),
    "code_expired": N_("this enrollment code has expired: ask the administrator for a new one"),
    "unknown_unit": N_("central does not know the unit of this code: ask the administrator"),
    "role_mismatch": N_("the code's role does not fit its unit: ask the administrator"),
    "unknown_device": N_(
        "central does not know this device: enroll it again (`sanwu enroll --force`)"
    ),
    "bad_signature": N_(
        "central could not verify this device's signature: enroll it again (`sanwu enroll --force`)"
    ),
    "replayed": N_("central saw this request twice: sync again"),
    "too_large": N_("the request was too large for central: sync again"),
    "out_of_scope": ERROR_TEXT["out_of_scope"],
    "read_only": ERROR_TEXT["read_only"],
}
"""Central's error codes (``SyncError.code``) → what the person reads; central's own
text (English, for its logs) only for a code this device does not know."""


def central_error_text(code: str, said: str) -> str:
    """Central's refusal in the person's language: by its code, else its own words."""
    known = CENTRAL_TEXT.get(code)
    return _(known) if known else _(said)
