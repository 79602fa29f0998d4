"""Units' SMS contacts from an office's sheet (.csv or .xlsx): cleaned, resolved, sealed,
one transaction, re-import replaces; rejected rows named by line, never by phone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from central import contacts_file, sealing
from central.contacts import UnitContact, contact_phone, import_contacts, list_contacts
from central.spreadsheet import UnreadableFile

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
VILLAGE = "150202101200"  # 黑麻板村
OTHER = "150202101201"  # 杨圪塄村
THIRD = "150202101202"  # 公积板村
DEPARTMENT = "150202900001"  # 区委办公室
HEADER = ["单位编码", "单位名称", "联系人", "手机号"]


@pytest.fixture(autouse=True)
def key_beside_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sealing.ENV_KEY, raising=False)
    monkeypatch.delenv(sealing.ENV_KEY_FILE, raising=False)


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    from central.db import make_engine

    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def full_width(text: str) -> str:
    """As typed with a Chinese input method: full-width digits, ideographic spaces."""
    return "".join("\u3000" if c == " " else chr(ord(c) + 0xFEE0) for c in text)


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    text = "\n".join(",".join("" if c is None else str(c) for c in row) for row in rows)
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def stored(session: Session) -> dict[str, tuple[str, str]]:
    """Each unit's contact as (name, phone in clear)."""
    session.expire_all()
    return {
        c.org_code: (c.name, contact_phone(session, c.org_code) or "")
        for c in session.exec(select(UnitContact))
    }


def test_a_clean_csv_loads_sealed(tmp_path: Path, session: Session, db_url: str) -> None:
    path = write_csv(
        tmp_path / "contacts.csv",
        [
            ["东河区“三务”公开联系人名单", "", "", ""],  # a title above the header
            ["单位编码", "单位名称", "联系人", "手机号（必填）"],
            [VILLAGE, "黑麻板村", "张三", full_width("138 0013 8000")],
            ["", "杨圪塄村", " 李 四 ", "+86 139-0013-9000"],  # by name, +86, hyphens
            [DEPARTMENT, "", "王五", "0086 13700137000"],
        ],
    )
    outcome = import_contacts(session, path, now=NOW)
    assert (outcome.loaded, outcome.replaced, outcome.rejections, outcome.written) == (
        3,
        0,
        [],
        True,
    )
    assert stored(session) == {
        VILLAGE: ("张三", "13800138000"),
        OTHER: ("李 四", "13900139000"),
        DEPARTMENT: ("王五", "13700137000"),
    }
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as raw:
            for (phone,) in raw.execute(sa.text("SELECT phone FROM unit_contact")):
                assert sealing.is_sealed(phone)
            rows = raw.execute(sa.text("SELECT * FROM unit_contact"))
            dump = "|".join(str(row) for row in rows)
    finally:
        engine.dispose()
    for clear in ("13800138000", "13900139000", "13700137000"):
        assert clear not in dump


def test_gbk_csv_with_other_header_words(tmp_path: Path, session: Session) -> None:
    path = write_csv(
        tmp_path / "gbk.csv",
        [["单位名称", "姓名", "联系电话"], ["公积板村", "赵六", "13600136000"]],
        encoding="gbk",
    )
    assert import_contacts(session, path, now=NOW).loaded == 1
    assert stored(session) == {THIRD: ("赵六", "13600136000")}


def test_an_xlsx_with_numbers_as_numbers(tmp_path: Path, session: Session) -> None:
    path = write_xlsx(
        tmp_path / "contacts.xlsx",
        [
            ["联系人名单"],
            [],
            ["序号", *HEADER],
            [1, 150202101200, "黑麻板村", "张三", 13800138000],  # Excel keeps numbers
            [2, None, "杨圪塄村", "李四", "139 0013 9000"],
        ],
    )
    outcome = import_contacts(session, path, now=NOW)
    assert outcome.loaded == 2 and not outcome.rejections
    assert stored(session) == {VILLAGE: ("张三", "13800138000"), OTHER: ("李四", "13900139000")}


BAD_ROWS: list[tuple[list[Any], str]] = [
    ([VILLAGE, "", "张三", "13800138000"], ""),  # the good row, line 2
    (["15020210120", "", "甲", "13800138001"], "单位编码应为 12 位数字"),
    (["150202101999", "", "乙", "13800138002"], "未知的单位编码 150202101999"),
    (["", "不存在村", "丙", "13800138003"], "找不到名为「不存在村」的单位"),
    ([OTHER, "黑麻板村", "丁", "13800138004"], "与单位名称「黑麻板村」不符"),
    (["", "", "戊", "13800138005"], "缺少单位编码或单位名称"),
    ([THIRD, "", "", "13800138006"], "缺少联系人姓名"),
    ([DEPARTMENT, "", "己", ""], "缺少手机号"),
    ([DEPARTMENT, "", "庚", "0472-5551234"], "固定电话"),
    ([DEPARTMENT, "", "辛", "1380013800"], "手机号应为 11 位数字，这里是 10 位"),
    ([DEPARTMENT, "", "壬", "12800138000"], "不是有效的手机号码"),
    ([DEPARTMENT, "", "癸", "13800138000/13900139000"], "只能填一个手机号"),
    ([DEPARTMENT, "", "子", "138OO138000"], "数字以外的字符"),
    ([VILLAGE, "", "丑", "13800138009"], "与第 2 行是同一单位"),
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_bad_rows_are_named_by_line_and_nothing_is_written(
    tmp_path: Path, session: Session, suffix: str
) -> None:
    rows = [HEADER, *(row for row, _ in BAD_ROWS)]
    writer = write_csv if suffix == ".csv" else write_xlsx
    path = writer(tmp_path / f"bad{suffix}", rows)
    outcome = import_contacts(session, path, now=NOW)
    assert not outcome.written and outcome.loaded == 0
    assert stored(session) == {}
    assert [r.line for r in outcome.rejections] == list(range(3, len(rows) + 1))
    for rejection, (row, reason) in zip(outcome.rejections, BAD_ROWS[1:], strict=True):
        assert reason in rejection.reason
        assert str(rejection).startswith(f"第 {rejection.line} 行：")
        assert str(row[3]) not in str(rejection) or not row[3]  # never the phone

    partial = import_contacts(session, path, now=NOW, partial=True)
    assert partial.written and partial.loaded == 1 and len(partial.rejections) == 13
    assert stored(session) == {VILLAGE: ("张三", "13800138000")}


def test_reimport_replaces_a_units_contact(tmp_path: Path, session: Session) -> None:
    first = write_csv(tmp_path / "a.csv", [HEADER, [VILLAGE, "", "张三", "13800138000"]])
    import_contacts(session, first, now=NOW)
    before = session.get(UnitContact, VILLAGE)
    assert before is not None
    sealed_before = before.phone
    second = write_csv(
        tmp_path / "b.csv",
        [HEADER, [VILLAGE, "", "张三丰", "13900139000"], [OTHER, "", "李四", "13700137000"]],
    )
    later = datetime(2026, 4, 1, tzinfo=UTC)
    outcome = import_contacts(session, second, now=later)
    assert (outcome.loaded, outcome.replaced) == (1, 1)
    assert stored(session) == {VILLAGE: ("张三丰", "13900139000"), OTHER: ("李四", "13700137000")}
    after = session.get(UnitContact, VILLAGE)
    assert after is not None and after.phone != sealed_before and after.loaded_at == later


def test_a_failure_half_way_writes_nothing(
    tmp_path: Path, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_contacts(
        session,
        write_csv(tmp_path / "a.csv", [HEADER, [VILLAGE, "", "张三", "13800138000"]]),
        now=NOW,
    )
    calls = 0
    real_seal = sealing.CentralKey.seal

    def seal_then_break(self: sealing.CentralKey, *args: str) -> str:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk full")
        return real_seal(self, *args)

    monkeypatch.setattr(sealing.CentralKey, "seal", seal_then_break)
    path = write_csv(
        tmp_path / "b.csv",
        [
            HEADER,
            [VILLAGE, "", "新人", "13900139000"],
            [OTHER, "", "李四", "13700137000"],
            [THIRD, "", "王五", "13600136000"],
        ],
    )
    with pytest.raises(OSError, match="disk full"):
        import_contacts(session, path, now=NOW)
    assert stored(session) == {VILLAGE: ("张三", "13800138000")}


def test_an_ambiguous_unit_name_asks_for_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from central.spreadsheet import Row
    from models.orgs import OrgUnit

    twins = (
        OrgUnit("150202100210", "东园村", "village", "150202100000", True),
        OrgUnit("150202101206", "东园村", "village", "150202101000", False),
    )
    monkeypatch.setattr(contacts_file, "_units_by_name", lambda: {"东园村": twins})
    parsed = contacts_file.parse_contacts(
        [Row(1, ["单位名称", "联系人", "手机"]), Row(2, ["东园村", "张三", "13800138000"])]
    )
    assert [str(r) for r in parsed.rejections] == [
        "第 2 行：有 2 个单位名为「东园村」，请填写单位编码"
    ]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("none.csv", None, "找不到文件"),
        ("empty.csv", b"", "文件是空的"),
        ("fake.xlsx", b"unit,phone\n", "内容却不是工作簿"),
        ("binary.csv", b"\x00\x01\x02abc", "不是表格"),
        ("noheader.csv", "甲,乙,丙\n1,2,3\n".encode(), "没有表头"),
        ("mangled.csv", b"\xff\xfe,\x80\n", "编码"),
    ],
)
def test_a_file_that_is_no_contacts_table(
    tmp_path: Path, session: Session, name: str, content: bytes | None, words: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=words):
        import_contacts(session, path, now=NOW)


def test_the_list_masks_phones(tmp_path: Path, session: Session) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [HEADER, [OTHER, "", "李四", "13900139000"], [VILLAGE, "", "张三", "13800138000"]],
    )
    import_contacts(session, path, now=NOW)
    shown = list_contacts(session)
    assert [(c.org_code, c.unit, c.name, c.phone) for c in shown] == [
        (VILLAGE, "黑麻板村", "张三", "138****8000"),
        (OTHER, "杨圪塄村", "李四", "139****9000"),
    ]
