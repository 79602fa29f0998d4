"""Both command lines speak the person's language: every command's ``--help`` (found by
walking the parsers, not from a list) is Chinese by default and English with ``--lang
en``, and a failure is one line, ``sanwu: ...``, in that language, with its exit code
from the failure table. Run in-process; a real central on 127.0.0.1 for the offline case."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import central.cli
from central.admin import init_db, new_enroll_code
from central.server import run_in_thread
from central.settings import CentralSettings
from client.cli import build_parser
from client.labels import rejection_text
from client.legacy.checking import Problem
from client.legacy.reasons import reason_text
from client.store.import_rules import refusal_error
from client.syncing import enroll
from models.i18n import ENV_LANG, set_language
from models.kinds import KINDS, kind_spec
from models.rules.refusals import Refusal
from sanwu import CENTRAL_PROG, main
from sanwu.commands import EXTRA
from sync.cli_text import cells
from sync.failures import ExitCode
from sync.protocol import OpError
from tests.stores import TEST_PASSPHRASE, open_store

CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
TECHNICAL = {
    # formats, protocols and the names a person types or reads on the box
    *("JSON", "CSV", "HTML", "xlsx", "xls", "ods", "csv", "json", "html", "zip", "UUID", "ID"),
    *("SMS", "URL", "TLS", "CA", "PEM", "KB", "UTF", "GBK", "GB", "TOML", "HTTPS", "HH", "MM"),
    *("http", "https", "PostgreSQL", "SQLite", "uvicorn", "sanwu", "python", "zh_CN", "en"),
    *("db", "off", "YYYY", "DD"),
}
"""Tokens a Chinese line may hold: not words of the interface but names of things."""
ENV_NAME = re.compile(r"\bSANWU_[A-Z_]+\b")
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command word path of a parser, itself first, read from its subparsers."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


def choice_codes() -> set[str]:
    """The codes of every kind's choice fields: typed on the command line as they are."""
    codes: set[str] = set()
    for kind in KINDS:
        spec = kind_spec(kind)
        for field in spec.specs:
            codes.update(spec.choices(field))
    return codes


def known_words(parser: argparse.ArgumentParser) -> set[str]:
    """Command words and the values a person types (choices, kinds) of a parser tree."""
    words: set[str] = set(KINDS) | choice_codes()
    for path, sub in commands(parser):
        words.update(path)
        for action in sub._actions:
            for choice in action.choices or ():
                words.update(WORD.findall(str(choice)))
    return words


CLIENT = build_parser(EXTRA)
CENTRAL = central.cli.build_parser(CENTRAL_PROG)
CLIENT_PATHS = [path for path, _parser in commands(CLIENT) if path != ("central",)]
CENTRAL_PATHS = [("central", *path) for path, _parser in commands(CENTRAL)]
ALLOWED = known_words(CLIENT) | known_words(CENTRAL) | TECHNICAL


def english_left(text: str, *, also: tuple[str, ...] = ()) -> list[str]:
    """The words of ``text`` no translation would change: what remains once option names,
    command words, typed values, environment names and technical tokens are taken out."""
    for literal in also:
        text = text.replace(literal, " ")
    text = OPTION.sub(" ", ENV_NAME.sub(" ", text))
    return [word for word in WORD.findall(text) if word not in ALLOWED]


@pytest.fixture(autouse=True)
def default_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_LANG, raising=False)
    monkeypatch.delenv("SANWU_PASSPHRASE", raising=False)


def help_of(
    path: tuple[str, ...], lang: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*lang, *path, "--help"])
    assert exited.value.code == 0, path
    out = capsys.readouterr().out
    assert out.strip(), path
    return out


def test_the_walk_finds_every_area() -> None:
    """A guard on the walk itself: the command words of both parsers are all there."""
    assert {("sync",), ("record", "add"), ("report", "duty"), ("queue", "retry")} <= set(
        CLIENT_PATHS
    )
    assert {("central", "serve"), ("central", "sms", "send"), ("central", "contacts", "import")}
    assert {("central", "sms", "send"), ("central", "remind")} <= set(CENTRAL_PATHS)
    assert len(CLIENT_PATHS) + len(CENTRAL_PATHS) > 70


@pytest.mark.parametrize("path", CLIENT_PATHS + CENTRAL_PATHS, ids=" ".join)
def test_help_is_chinese_by_default_and_english_on_request(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    chinese = help_of(path, (), capsys)
    assert chinese.startswith("用法：")
    assert "显示本帮助并退出" in chinese
    assert english_left(chinese) == [], chinese

    english = help_of(path, ("--lang", "en"), capsys)
    assert english.startswith("usage: ")
    assert "show this help message and exit" in english
    assert len(english_left(english)) > 3, english  # its own words, untranslated


@pytest.fixture(scope="module")
def offline_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home enrolled with a real central on 127.0.0.1 that has since stopped."""
    work = tmp_path_factory.mktemp("offline")
    db_url = f"sqlite:///{work / 'central.db'}"
    init_db(db_url)
    url, stop = run_in_thread(CentralSettings(db_url=db_url))
    try:
        with open_store(work / "home") as store:
            enroll(store, url, new_enroll_code(db_url, unit="150202101200", role="clerk"))
    finally:
        stop()
    return work / "home"


@pytest.fixture
def central_db(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    init_db(db)
    return db


FAILURES: list[tuple[str, list[str], int]] = [
    ("no command word", ["nosuchcommand"], ExitCode.USAGE),
    ("missing arguments", ["record", "add"], ExitCode.USAGE),
    ("unknown kind", ["record", "add", "nokind", "--json", "{}"], ExitCode.USAGE),
    ("bad JSON", ["record", "add", "disclosure", "--json", "{"], ExitCode.USAGE),
    ("a word for a number", ["sync", "--max-kbps", "x"], ExitCode.USAGE),
    ("a negative cap", ["sync", "--max-kbps", "-1"], ExitCode.USAGE),
    ("bad date", ["report", "supervision", "--from", "2026-13-01"], ExitCode.USAGE),
    ("dates reversed", ["report", "supervision", "--from", "2026-05-01", "--to", "2026-04-01"], 2),
    ("bad choice", ["demo", "--role", "mayor"], ExitCode.USAGE),
    ("bad conflict id", ["conflicts", "resolve", "x", "--take", "mine"], ExitCode.USAGE),
    ("no passphrase, no terminal", ["status"], ExitCode.USAGE),
    ("unreadable passphrase file", ["--passphrase-file", "/nonexistent/p", "status"], 2),
    ("central: no action", ["central"], ExitCode.USAGE),
    ("central: bad role", ["central", "enroll-code", "--unit", "1", "--role", "x"], 2),
    ("central: bad day", ["central", "remind", "--today", "16/4"], ExitCode.USAGE),
    ("central: cert without key", ["central", "serve", "--tls-cert", "c.pem"], 2),
]
"""Failures that need no home: (what, argv after the globals, exit code)."""


def failure_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's usage errors
        code = int(exited.code or 0)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sanwu: "), err
    return code, err


def check_both_languages(
    argv: list[str], code: int, capsys: pytest.CaptureFixture[str], *, also: tuple[str, ...] = ()
) -> None:
    got, chinese = failure_line(argv, capsys)
    assert got == code, chinese
    assert CJK.search(chinese), chinese
    typed = tuple(sorted(argv, key=len, reverse=True))  # what the person typed, quoted back
    assert english_left(chinese, also=(*also, *typed)) == [], chinese
    got, english = failure_line(["--lang", "en", *argv], capsys)
    assert got == code, english
    assert not CJK.search(english), english


@pytest.mark.parametrize(("what", "argv", "code"), FAILURES, ids=[f[0] for f in FAILURES])
def test_a_failure_is_one_line_in_the_persons_language(
    what: str,
    argv: list[str],
    code: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    del what
    monkeypatch.setenv(central.cli.ENV_CENTRAL_DB, f"sqlite:///{tmp_path / 'c.db'}")
    check_both_languages(["--home", str(tmp_path / "home"), *argv], code, capsys)


CLUE = ["clue", "add", "--unit", "150202101200", "--description", "公开栏未更新"]
BAD_CHOICES: list[tuple[list[str], str, str]] = [
    ([*CLUE, "--source", "bogus", "--problem", "fake"], "clue", "source"),
    ([*CLUE, "--source", "hotline", "--problem", "bogus"], "clue", "problem"),
    (["clue", "list", "--status", "bogus"], "clue", "status"),
    (["warning", "list", "--status", "bogus"], "warning", "status"),
]
"""A flag whose values are a field's declared choices: (argv, kind, field)."""


@pytest.mark.parametrize(
    ("argv", "kind", "field"), BAD_CHOICES, ids=[c[0][-1] for c in BAD_CHOICES]
)
def test_a_value_outside_a_declared_choice_set_is_refused_naming_the_choices(
    argv: list[str],
    kind: str,
    field: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    choices = list(kind_spec(kind).field(field).choices or ())
    assert choices
    flag = argv[argv.index("bogus") - 1]
    code, line = failure_line(["--home", str(tmp_path / "home"), *argv], capsys)
    assert code == ExitCode.USAGE
    assert f"参数 {flag}：无效的选项 'bogus'" in line, line
    assert all(f"'{choice}'" in line for choice in choices), line
    # --help lists them too.
    with pytest.raises(SystemExit):
        main([*argv[:2], "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "可选：" + ", ".join(choices) in shown, shown


def test_failures_with_a_home(
    offline_home: Path,
    central_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Central gone (exit 3), a wrong passphrase, a home not enrolled, a file that is not
    there, and central's own refusals: each one line, in either language."""
    home = ["--home", str(offline_home)]
    monkeypatch.setenv("SANWU_PASSPHRASE", TEST_PASSPHRASE)
    check_both_languages([*home, "sync"], ExitCode.OFFLINE, capsys, also=("ConnectError",))
    check_both_languages([*home, "record", "show", "nope"], ExitCode.USAGE, capsys)
    missing = str(tmp_path / "none.csv")
    check_both_languages(
        [*home, "import", "disclosure", missing], ExitCode.USAGE, capsys, also=("none.csv",)
    )
    fresh = ["--home", str(tmp_path / "fresh")]
    check_both_languages([*fresh, "sync"], ExitCode.USAGE, capsys)
    monkeypatch.setenv("SANWU_PASSPHRASE", "not the passphrase")
    code, _line = failure_line([*home, "status"], capsys)
    assert code == ExitCode.USAGE
    check_both_languages([*home, "record", "list", "disclosure"], ExitCode.USAGE, capsys)

    db = ["--db", central_db]
    check_both_languages(["central", "revoke", "d-1", *db], ExitCode.USAGE, capsys)
    check_both_languages(
        ["central", "enroll-code", "--unit", "999999999999", "--role", "clerk", *db], 2, capsys
    )
    check_both_languages(["central", "serve", "--workers", "0", *db], ExitCode.USAGE, capsys)


def test_help_columns_line_up_in_terminal_cells(capsys: pytest.CaptureFixture[str]) -> None:
    """A Chinese metavar takes two columns a character: the help texts still start in one
    column (argparse alone counts characters and leaves them ragged)."""
    text = help_of(("record", "add"), (), capsys)
    options = text.split("选项:\n", 1)[1].splitlines()
    starts = set()
    for line in options:
        head, _gap, said = line.partition("  ")
        rest = line[len(head) :]
        starts.add(cells(head) + len(rest) - len(rest.lstrip()))
        assert said.strip(), line
    assert len(options) == 3 and len(starts) == 1, options


def test_central_rejections_are_worded_on_the_device_by_code() -> None:
    """Why central rejected an op, as the queue keeps it: the code first, then the
    device's own sentence for a code it knows (central's English text otherwise)."""
    set_language("zh_CN")
    try:
        out_of_scope = OpError(code="out_of_scope", field="org_code", message="not yours")
        assert rejection_text("disclosure", out_of_scope).startswith("out_of_scope: ")
        assert CJK.search(rejection_text("disclosure", out_of_scope))
        odd = OpError(code="new_code", message="something new")
        assert rejection_text("disclosure", odd) == "new_code: something new"
        set_language("en")
        assert "outside what this device may write" in rejection_text("disclosure", out_of_scope)
    finally:
        set_language(None)


def test_centrals_refusal_is_worded_by_its_code(
    central_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Central answers in English for its logs; the device says it by central's code."""
    monkeypatch.setenv("SANWU_PASSPHRASE", TEST_PASSPHRASE)
    url, stop = run_in_thread(CentralSettings(db_url=central_db))
    try:
        enrolling = ["--home", str(tmp_path / "new"), "enroll", "--server", url]
        check_both_languages([*enrolling, "--code", "AAAA-BBBB-CCCC"], ExitCode.REFUSED, capsys)
        code, line = failure_line([*enrolling, "--code", "AAAA-BBBB-CCCC"], capsys)
        assert code == ExitCode.REFUSED and "平台没有这个登记码" in line, line
    finally:
        stop()


def test_an_imported_row_refused_by_a_rule_reads_in_the_persons_language() -> None:
    """A rule that refuses an imported row is said in the reject report as the store says
    it when a person types the same row: the rule's sentence, in the person's language."""
    problem = Problem.of(refusal_error(Refusal("closed")), "")
    set_language("zh_CN")
    try:
        assert reason_text(problem) == "这份预警已销号，不能再修改。"
        set_language("en")
        assert reason_text(problem).startswith("This warning is closed")
    finally:
        set_language(None)
