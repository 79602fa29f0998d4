"""TUI speed with the district's whole data set: 34,057 disclosures in one home.

    python bench/bench_tui.py [--records N]

A town device (沙尔沁镇's scope, so every village's rows are in view) gets N
disclosure rows written straight into its table (the read path is what is
measured, not saving). Then, headless under Pilot at 80x24, it prints:

- start: from building the app to the home screen shown;
- first paint of the disclosure list: from the key to the first page on screen
  (the count, the first 200 rows);
- filter response: a status filter, a period filter, a Chinese search and a
  pinyin-initials search, each from the change to the new rows on screen;
- the pinyin index build (in a worker, off the screen's thread);
- peak memory (max RSS) of the process.

Targets (DESIGN.md): start < 1.5 s, first paint < 0.5 s, filter < 100 ms,
memory < 150 MB. Not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from client.app import SanwuApp
from client.identity import Identity
from client.store import Store
from models.catalog import load_catalog, parse_period, period_for
from models.ids import new_id
from models.kinds import kind_spec
from models.orgs import villages_of
from sync.signing import new_private_key

TOWN = "150202101000"
WORDS = "收入支出资产资源债权债务收益分配党费低保补贴土地工程项目村务公开情况"


def fill(store: Store, count: int) -> None:
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


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def measure(store: Store) -> None:
    from textual.widgets import DataTable, Input, Select

    started = time.perf_counter()
    app = SanwuApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print(f"start (to home shown):          {ms(time.perf_counter() - started)}")

        t0 = time.perf_counter()
        await pilot.press("2")
        await pilot.pause()
        table = app.screen.query_one("#disclosures", DataTable)
        assert table.row_count > 0
        print(
            f"first paint of the list:        {ms(time.perf_counter() - t0)}"
            f"  ({table.row_count} rows of {app.screen.total})"
        )  # type: ignore[attr-defined]

        t0 = time.perf_counter()
        app.screen._index_soon()  # type: ignore[attr-defined]  # what its timer does
        while app.screen.index is None:  # type: ignore[attr-defined]
            await pilot.pause(0.02)
        print(f"pinyin index (worker):          {ms(time.perf_counter() - t0)}")

        async def timed(label: str, change: object) -> None:
            t = time.perf_counter()
            change()  # type: ignore[operator]
            await pilot.pause()
            total = app.screen.total  # type: ignore[attr-defined]
            print(f"filter {label:<24}{ms(time.perf_counter() - t)}  ({total} match)")

        status = app.screen.query_one("#filter-status", Select)
        period = app.screen.query_one("#filter-period", Input)
        search = app.screen.query_one("#filter-search", Input)
        await timed("status = draft", lambda: setattr(status, "value", "draft"))
        await timed("period 2026", lambda: setattr(period, "value", "2026"))
        await timed("clear", lambda: (status.clear(), setattr(period, "value", "")))
        await timed("search 党费", lambda: setattr(search, "value", "党费"))
        await timed("search pinyin dfsj", lambda: setattr(search, "value", "dfsj"))
        await timed("search cleared", lambda: setattr(search, "value", ""))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS):          {rss:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=34_057)
    args = parser.parse_args()
    os.environ.setdefault("SANWU_PASSPHRASE", "bench passphrase")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "home")
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
        t0 = time.perf_counter()
        fill(store, args.records)
        print(f"{args.records} disclosures written in {time.perf_counter() - t0:.1f} s")
        asyncio.run(measure(store))
        store.close()


if __name__ == "__main__":
    main()
