"""TUI speed with the district's whole data set: 34,057 disclosures in one home.

    python bench/bench_tui.py [--records N]

A town device (沙尔沁镇's scope, so every village's rows are in view) gets N
disclosure rows written straight into its table (the read path is what is
measured, not saving). The rows are written by a child process, so the
measured process never holds them: it is the app's process, as a clerk runs it.

Then, headless under Pilot at 80x24, it prints what a person would see. Every
frame the app sends to its (headless) terminal is still rendered to the text a
real terminal would be sent, and timed; a figure ends at the first frame that
shows the expected state:

- imports: loading the app's modules (Python, Textual, SQLAlchemy, ...);
- start: from building the app to the first frame of the home screen;
- first paint of the disclosure list: from the key press to the first frame of
  the list screen whose table holds the first page of rows (checked against the
  same query run by the bench beforehand, first 10 rows in order);
- filter response: a status filter, a period filter, a Chinese search and a
  pinyin-initials search, each from the change to the first frame whose table
  holds the new first rows (same check); then "dfsj" typed key by key into the
  search field: from the last key press to the new rows, and the slowest echo
  of a typed key (key press to the frame that shows it);
- the pinyin index build (in a worker, off the screen's thread);
- peak memory: max RSS (``getrusage(RUSAGE_SELF).ru_maxrss``) of this process,
  read after the app has exited, so it covers imports, the store, every screen
  shown, the index and the filters; the child that wrote the rows is not counted.

Targets (DESIGN.md): start < 1.5 s, first paint < 0.5 s, filter < 100 ms,
memory < 150 MB. Not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if TYPE_CHECKING:
    from client.app import SanwuApp

TOWN = "150202101000"
PASSPHRASE = "bench passphrase"
"""The bench home's passphrase, given by the filling child and the measuring parent."""
WORDS = "收入支出资产资源债权债务收益分配党费低保补贴土地工程项目村务公开情况"
SHOWN = 10
"""Rows of a page compared with the expected first rows (more than fit at 80x24)."""
TIMEOUT = 30.0


def fill(home: Path, count: int) -> None:
    """Enrol a town device in ``home`` and write ``count`` disclosures (child process)."""
    from client.identity import Identity
    from client.store import Store
    from models.catalog import load_catalog, parse_period, period_for
    from models.ids import new_id
    from models.kinds import kind_spec
    from models.orgs import villages_of
    from sync.signing import new_private_key

    store = Store(home, passphrase=PASSPHRASE)
    store.save_identity(
        Identity(
            device_id="bench-town",
            private_key=new_private_key(),
            server_url="http://127.0.0.1:9",
            org_code=TOWN,
            org_name="沙尔沁镇",
            role="town",
            scope=TOWN[:9],
        )
    )
    villages = [unit.code for unit in villages_of(TOWN)]
    items = [item for item in load_catalog().values() if item.period != "on_event"]
    table = kind_spec("disclosure").table.__table__  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    rows = []
    series: dict[tuple[str, str], str] = {}
    for n in range(count):
        village = villages[n % len(villages)]
        item = items[(n // len(villages)) % len(items)]
        key = (village, item.code)
        period = series.get(key) or period_for(item.period, now.date())
        start, _end = parse_period(item.period, period)
        series[key] = period_for(item.period, start - timedelta(days=1))  # a step back
        title = item.name + "".join(WORDS[(n * 7 + i) % len(WORDS)] for i in range(6))
        rows.append(
            {
                "id": new_id(),
                "org_code": village,
                "version": 1,
                "deleted": False,
                "updated_by": "bench",
                "recorded_at": now,
                "received_at": now,
                "seq": n + 1,
                "catalog_code": item.code,
                "period": period,
                "title": title,
                "content": item.template,
                "channels": ["board"],
                "disclosed_on": None,
                "responsible": "张三",
                "reviewer": "",
                "review_opinion": "",
                "status": ("published", "draft", "withdrawn")[n % 3 if n % 10 else 1],
                "attachments": [],
            }
        )
    with store.transaction() as conn:
        conn.execute(table.insert(), rows)
    store.close()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


class Frames:
    """Every frame the app would write to a terminal, rendered to that text and timed.

    Headless, Textual composes each frame but skips turning it into terminal text;
    this does that step too (it is part of what a person waits for), then tries the
    tests given to ``expect`` on the app's state at that frame.
    """

    def __init__(self, app: SanwuApp) -> None:
        from textual._compositor import CompositorUpdate

        self.tests: dict[str, Callable[[], bool]] = {}
        self.seen: dict[str, float] = {}
        self.changed = asyncio.Event()
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)
                now = time.perf_counter()
                for name, test in list(self.tests.items()):
                    if test():
                        self.seen[name] = now
                        del self.tests[name]
                        self.changed.set()

        app._display = display  # type: ignore[method-assign]

    def expect(self, name: str, test: Callable[[], bool]) -> None:
        """The first frame after which ``test()`` holds is when ``name`` was seen."""
        self.seen.pop(name, None)
        self.tests[name] = test

    async def wait(self, name: str, since: float) -> float:
        """Seconds from ``since`` to the frame that showed ``name``."""
        async with asyncio.timeout(TIMEOUT):
            while name not in self.seen:
                self.changed.clear()
                await self.changed.wait()
        return self.seen[name] - since


async def measure(home: Path, imports_started: float) -> None:
    from textual.widgets import DataTable, Input, Select

    from client import queries
    from client.app import SanwuApp
    from client.screens.disclosures import DisclosuresScreen
    from client.screens.home import HomeScreen
    from client.store import Store

    imports = time.perf_counter() - imports_started
    print(f"imports:                        {ms(imports)}")

    started = time.perf_counter()
    store = Store(home, passphrase=PASSPHRASE)
    app = SanwuApp(store)
    frames = Frames(app)
    frames.expect("home", lambda: isinstance(app.screen, HomeScreen))
    async with app.run_test(size=(80, 24)) as pilot:
        start = await frames.wait("home", started)
        print(f"start (to home shown):          {ms(start)}  (with imports {ms(start + imports)})")
        await pilot.pause()

        def first_rows(flt: queries.DisclosureFilter, index: Any = None) -> list[str]:
            rows = queries.list_disclosures(store.engine, flt, limit=SHOWN, index=index)
            return [row.id for row in rows]

        def showing(flt: queries.DisclosureFilter, index: Any = None) -> Callable[[], bool]:
            """The list shows the first rows ``flt`` finds (the bench's own query)."""
            expected = first_rows(flt, index)

            def test() -> bool:
                screen = app.screen
                if not isinstance(screen, DisclosuresScreen) or screen.filter != flt:
                    return False
                table = screen.query_one("#disclosures", DataTable)
                if table.size.height == 0 or table.row_count < len(expected):
                    return False
                keys = [row.key.value for row in table.ordered_rows[: len(expected)]]
                return keys == expected

            return test

        frames.expect("list", showing(queries.DisclosureFilter()))
        t0 = time.perf_counter()
        await pilot.press("2")
        paint = await frames.wait("list", t0)
        screen = app.screen
        assert isinstance(screen, DisclosuresScreen)
        table = screen.query_one("#disclosures", DataTable)
        await pilot.pause()
        print(
            f"first paint of the list:        {ms(paint)}"
            f"  ({table.row_count} rows of {screen.total})"
        )

        t0 = time.perf_counter()
        screen._index_soon()  # what its timer does
        while screen.index is None:
            await pilot.pause(0.02)
        print(f"pinyin index (worker):          {ms(time.perf_counter() - t0)}")
        index = screen.index

        async def timed(label: str, flt: queries.DisclosureFilter, change: Any) -> float:
            frames.expect("rows", showing(flt, index))
            t = time.perf_counter()
            change()
            took = await frames.wait("rows", t)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            total = screen.total
            print(f"filter {label:<24}{ms(took)}  ({total} match)")
            return took

        status = screen.query_one("#filter-status", Select)
        period = screen.query_one("#filter-period", Input)
        search = screen.query_one("#filter-search", Input)
        flt = queries.DisclosureFilter
        worst = 0.0

        def clear_status_and_period() -> None:
            status.clear()
            period.value = ""

        for label, want, change in (
            ("status = draft", flt(status="draft"), lambda: setattr(status, "value", "draft")),
            (
                "period 2026",
                flt(status="draft", period="2026"),
                lambda: setattr(period, "value", "2026"),
            ),
            ("clear", flt(), clear_status_and_period),
            ("search 党费", flt(search="党费"), lambda: setattr(search, "value", "党费")),
            ("search pinyin dfsj", flt(search="dfsj"), lambda: setattr(search, "value", "dfsj")),
            ("search cleared", flt(), lambda: setattr(search, "value", "")),
        ):
            worst = max(worst, await timed(label, want, change))

        # Typed key by key, as a person does: each key must show at once, and the rows
        # for the whole word must follow the last key.
        search.focus()
        await pilot.pause()
        echo = 0.0
        typed = ""
        for key in "dfsj":
            typed += key
            frames.expect("echo", lambda typed=typed: search.value == typed)  # type: ignore[misc]
            if key == "j":
                frames.expect("rows", showing(flt(search="dfsj"), index))
            t = time.perf_counter()
            await pilot.press(key)
            echo = max(echo, await frames.wait("echo", t))
        took = await frames.wait("rows", t)
        worst = max(worst, took)
        await app.workers.wait_for_complete()
        await pilot.pause()
        print(f"filter typed dfsj (last key)    {ms(took)}  ({screen.total} match)")
        print(f"slowest echo of a typed key:    {ms(echo)}")
        print(f"slowest filter:                 {ms(worst)}")
    store.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS):          {rss:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=34_057)
    parser.add_argument("--fill", type=Path, help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.fill is not None:
        fill(args.fill, args.records)
        return
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        t0 = time.perf_counter()
        command = [sys.executable, __file__, "--fill", str(home), "--records", str(args.records)]
        subprocess.run(command, check=True)
        print(f"{args.records} disclosures written in {time.perf_counter() - t0:.1f} s")
        asyncio.run(measure(home, time.perf_counter()))


if __name__ == "__main__":
    main()
