"""The rules an imported row meets: the ones this device's typed entries meet, so what
central would refuse is not imported (the row is rejected with the rule's sentence),
and what an old ledger says that this device may not say becomes what it may (a
disclosure the ledger marks published waits here for its review:
``models.rules.permissions.imported``).

A bulk import checks a create once per unit and set of the values its check reads
(``create_reads``): tens of thousands of rows share a handful of such sets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from client.store.records import create_changes
from models.kinds import KindSpec
from models.rules.actors import Actor
from models.rules.permissions import create_reads, imported
from models.rules.refusals import Refusal
from models.validation import FieldError
from models.visibility import hidden_fields

__all__ = ["ImportRules", "RowVerdicts"]


class Refuser(Protocol):
    def refusal(
        self,
        conn: Connection,
        spec: KindSpec,
        current: Mapping[str, Any] | None,
        changes: Mapping[str, tuple[Any, Any]],
        *,
        deleting: bool = False,
    ) -> Refusal | None: ...


class RowVerdicts:
    """A batch's rows after the rules: each row's changed values, and the refused rows'
    errors (by row index)."""

    def __init__(self) -> None:
        self.changed: dict[int, dict[str, Any]] = {}
        self.refused: dict[int, list[FieldError]] = {}


def refusal_error(refusal: Refusal) -> FieldError:
    """A refusal as the import's reject report shows a row's problem."""
    return FieldError(
        refusal.field or "org_code",
        f"refused:{refusal.rule}",
        refusal.english(),
        msgid=refusal.msgid,
        params=dict(refusal.params),
    )


class ImportRules:
    def __init__(self, conn: Connection, spec: KindSpec, actor: Actor | None, refuser: Refuser):
        self.conn = conn
        self.spec = spec
        self.actor = actor
        self.refuser = refuser
        hidden = actor is not None and bool(hidden_fields(spec, actor.role))
        self.reads = None if hidden else create_reads(spec.name)
        """None: each row checked on its own (a kind with fields this role may not write:
        whether a row fills them is the row's own)."""
        self._memo: dict[tuple[Any, ...], tuple[dict[str, Any], Refusal | None]] = {}

    def creates(self, columns: Mapping[str, Sequence[Any]], count: int) -> RowVerdicts:
        """The rules on ``count`` new rows given a field at a time."""
        verdicts = RowVerdicts()
        if self.actor is None:
            return verdicts
        reads = self.reads
        orgs = columns["org_code"]
        fields = self.spec.fields
        for index in range(count):
            key: tuple[Any, ...] | None = None
            if reads is not None:
                key = (orgs[index], *(_hashable(columns[name][index]) for name in reads))
                found = self._memo.get(key)
                if found is not None:
                    self._note(verdicts, index, *found)
                    continue
            record = {name: columns[name][index] for name in fields}
            outcome = self._create(record)
            if key is not None:
                self._memo[key] = outcome
            self._note(verdicts, index, *outcome)
        return verdicts

    def create(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], Refusal | None]:
        """One new row: what it becomes, and the refusal if any."""
        if self.actor is None:
            return {}, None
        reads = self.reads
        if reads is None:
            return self._create(record)
        key = (record.get("org_code"), *(_hashable(record.get(name)) for name in reads))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._create(record)
        return found

    def update(
        self, current: Mapping[str, Any], changes: Mapping[str, tuple[Any, Any]]
    ) -> Refusal | None:
        """A row that changes a stored record: checked on its own."""
        if self.actor is None:
            return None
        return self.refuser.refusal(self.conn, self.spec, current, changes)

    def _create(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], Refusal | None]:
        assert self.actor is not None
        adjusted = imported(self.actor, self.spec.name, record)
        changes = create_changes(self.spec, {**record, **adjusted})
        return adjusted, self.refuser.refusal(self.conn, self.spec, None, changes)

    @staticmethod
    def _note(
        verdicts: RowVerdicts, index: int, adjusted: dict[str, Any], refusal: Refusal | None
    ) -> None:
        if refusal is not None:
            verdicts.refused[index] = [refusal_error(refusal)]
        elif adjusted:
            verdicts.changed[index] = adjusted


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
