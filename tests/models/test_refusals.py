"""Every refusal a rule can give has its sentence, and the sentence reads in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.rules.refusals import RULES, Refusal

RULES_DIR = Path(__file__).resolve().parents[2] / "models" / "rules"
USED = sorted(
    {
        name
        for path in RULES_DIR.glob("*.py")
        for name in re.findall(r'Refusal\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8"))
    }
)


def test_the_rules_are_found() -> None:
    assert len(USED) >= 20  # the scan itself works


@pytest.mark.parametrize("rule", USED)
def test_every_refusal_a_rule_gives_has_its_sentence(rule: str) -> None:
    assert rule in RULES
    Refusal(rule)  # would raise for an unknown rule


def test_a_refusal_nobody_declared_is_an_error() -> None:
    with pytest.raises(ValueError):
        Refusal("no_such_rule")
