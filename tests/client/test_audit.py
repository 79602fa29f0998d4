"""The audit log's entry for an imported record: the file's name and a digest of the
record's values, written fast but exactly as ``record_digest`` defines it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from client import audit
from client.column_codec import columns_of
from models.kinds import kind_spec
from models.masking import mask_record
from models.validation import normalize

VILLAGE = "150202101200"
ID_NUMBER = "11010519491231002X"
ACCOUNT = "6217000012345678"


def _full(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    given, errors = normalize(kind, {"org_code": VILLAGE, **values})
    assert errors == []
    return {**kind_spec(kind).defaults(), **given}


DISCLOSURES = [
    _full(
        "disclosure",
        {
            "catalog_code": "FIN-02",
            "period": "2026-10",
            "title": '收入 "公开" \\ 第一批',
            "content": "内容：\uff11\uff12\uff13 ☃ \u2028 end\n第二行\t制表",
            "channels": ["wechat", "board"],
            "disclosed_on": "2026-10-14",
            "responsible": "张三",
            "status": "published",
        },
    )
    # A control character, as a record written before central refused them still holds.
    | {"content": "内容：\uff11\uff12\uff13 ☃ \u2028 end\n第二行\t制表\x01"},
    _full("disclosure", {"catalog_code": "FIN-01", "period": "2026-09", "title": "t"}),
]


def _canonical_digest(body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digests(made: audit.ImportChanges, records: list[dict[str, Any]]) -> list[str]:
    """``digests_of_columns`` of records, as the store hands them over: a field at a time."""
    if not records:
        return []
    names = list(kind_spec(made.kind).fields)
    return made.digests_of_columns(dict(zip(names, columns_of(names, records), strict=True)))


IDS = [f"0190b7c4-0000-7000-8000-00000000000{n}" for n in range(8)]


def test_an_import_entry_holds_the_file_and_each_record_s_digest() -> None:
    made = audit.ImportChanges("disclosure", 'old "platform".csv')
    digests = _digests(made, DISCLOSURES)
    assert _digests(made, [dict(r) for r in DISCLOSURES]) == digests  # lists remembered: same
    assert digests == [_canonical_digest(record) for record in DISCLOSURES]
    assert digests == [audit.record_digest("disclosure", record) for record in DISCLOSURES]
    text = made.changes(list(reversed(IDS[:2])), list(reversed(digests)))
    assert json.loads(text) == {
        "file": 'old "platform".csv',
        "records": {IDS[0]: digests[0], IDS[1]: digests[1]},
    }
    assert text == audit.canonical_changes(json.loads(text))  # canonical as it stands
    for record_id, digest in zip(IDS, digests, strict=False):
        assert audit.import_history(json.loads(text), record_id) == {
            "file": 'old "platform".csv',
            "sha256": digest,
        }


def test_the_digest_covers_the_fields_only_and_every_value() -> None:
    record = DISCLOSURES[0]
    with_system = {**record, "id": "x", "version": 3, "deleted": False}
    assert audit.record_digest("disclosure", with_system) == audit.record_digest(
        "disclosure", record
    )
    made = audit.ImportChanges("disclosure", "a.csv")
    assert _digests(made, [with_system]) == _digests(made, [record])
    for name in kind_spec("disclosure").fields:
        changed = {**record, name: record[name] + ["x"] if isinstance(record[name], list) else "x"}
        assert _digests(made, [changed]) != _digests(made, [record]), name


def test_a_personal_record_is_digested_masked() -> None:
    record = _full(
        "subsidy_payment",
        {
            "project_id": "0190b7c4-0000-7000-8000-000000000001",
            "recipient_name": "王五",
            "id_number": ID_NUMBER,
            "amount_fen": 12000,
            "method": "one_card",
            "account": ACCOUNT,
        },
    )
    made = audit.ImportChanges("subsidy_payment", "p.csv")
    text = made.changes(IDS[:1], _digests(made, [record]))
    assert ID_NUMBER not in text and ACCOUNT not in text
    masked = mask_record("subsidy_payment", record)
    assert masked["id_number"] != ID_NUMBER
    assert json.loads(text)["records"][IDS[0]] == _canonical_digest(masked)
    assert _canonical_digest(masked) != _canonical_digest(record)


def test_a_batch_of_digests_is_each_record_s_own() -> None:
    """``digests`` encodes a field at a time; each must be the one ``record_digest``
    defines for its record, whatever the mix of values in a column (text with quotes
    and a percent sign, lists, none, numbers)."""
    mixed = [
        *DISCLOSURES,
        {**DISCLOSURES[1], "title": "100% 完成 %s %(x)s", "disclosed_on": None},
        {**DISCLOSURES[0], "channels": []},
    ]
    made = audit.ImportChanges("disclosure", "批次 %s.csv")
    digests = _digests(made, mixed)
    assert digests == [_canonical_digest(record) for record in mixed]
    assert len(set(digests)) == len(mixed)
    assert _digests(made, []) == []
    # A record with a field too many (system columns) is digested on its fields alone.
    assert _digests(made, [{**DISCLOSURES[0], "id": "x"}]) == [_canonical_digest(DISCLOSURES[0])]


def test_an_import_entry_with_ids_json_must_escape_is_still_canonical() -> None:
    made = audit.ImportChanges("disclosure", "a.csv")
    digests = _digests(made, DISCLOSURES)
    odd = ['id "1"', "标识\\2"]
    text = made.changes(odd, digests)
    assert json.loads(text)["records"] == dict(zip(odd, digests, strict=True))
    assert text == audit.canonical_changes(json.loads(text))
