"""Validation cost per row: what a typed entry and every imported row pay.

    python bench/bench_validation.py [--rows N] [--runs R]

Prints, over R runs of N rows each, the time per row of ``normalize`` (a payment as
typed: text amounts, a 15-digit legacy ID number) plus ``validate_record`` of the
whole record. The import of 34,057 rows must stay under 5 s with room for the
database work, so a row should cost well under 0.5 ms. Not part of the test run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.validation import normalize, validate_record  # noqa: E402

PAYMENT = {
    "org_code": "150202101200",
    "project_id": "0190b7c4-0000-7000-8000-000000000001",
    "recipient_name": "张三",
    "id_number": "11010519491231002X",
    "standard": 12000,
    "quantity": "2.5",
    "unit": "mu",
    "amount_fen": 30000,
    "paid_on": "2026-10-15",
    "method": "one_card",
    "account": "6217000012345678",
}
TARGET_MS = 0.5


def per_row_ms(rows: int) -> float:
    typed = {k: v for k, v in PAYMENT.items() if k != "org_code"} | {
        "id_number": "110105491231002",
        "amount_fen": "30000",
    }
    start = time.perf_counter()
    for _ in range(rows):
        normalize("subsidy_payment", typed)
        validate_record("subsidy_payment", PAYMENT)
    return (time.perf_counter() - start) / rows * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    per_row_ms(100)  # warm the rule caches
    figures = [per_row_ms(args.rows) for _ in range(args.runs)]
    median = statistics.median(figures)
    print(f"normalize + validate_record, payment: median {median:.4f} ms per row")
    print(f"  runs: {', '.join(f'{ms:.4f}' for ms in figures)} ms")
    print(f"  target under {TARGET_MS} ms: {'met' if median < TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
