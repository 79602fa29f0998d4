"""District-wide parameters the office sets at central and every device follows: kept
in ``central_setting`` and handed down with every pull page (``PullResponse``), so a
device's screens, reports and commands read the district's value, not their own.

Today one: the share of a due date's points late duty evidence earns
(``models.rules.scoring.ScoringSettings.late_share``).
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from central.tables import CentralSetting
from models.rules.scoring import ScoringSettings

__all__ = ["LATE_SHARE", "late_share", "set_late_share"]

LATE_SHARE = "duty_late_share"
"""Its key in ``central_setting``."""


def late_share(session: Session) -> str | None:
    """The district's late share as the wire carries it (None: never set, the rule's
    default holds)."""
    row = session.get(CentralSetting, LATE_SHARE)
    return None if row is None else row.value


def set_late_share(session: Session, share: Decimal) -> str:
    """Set the district's late share (0 to 1, the scoring rule's bound: ``ValueError``
    outside it); devices take it on their next pull. Commits; returns the value kept."""
    value = str(ScoringSettings(late_share=share).late_share)
    row = session.get(CentralSetting, LATE_SHARE)
    if row is None:
        session.add(CentralSetting(key=LATE_SHARE, value=value))
    else:
        row.value = value
    session.commit()
    return value
