"""Photos over a modelled village line: 256 kbit/s each way, 300 ms round trips.

    python bench/bench_attachments.py [--photo FILE.jpg] [--kbps 256] [--rtt-ms 300]

A clerk saves a disclosure with a photo of the notice board and syncs through the
throttling proxy. Prints, each next to its floor (bytes on the wire / bandwidth +
requests x RTT):

1. the photo as it is;
2. a second photo with downscaling on (longer side 1600 px), and the CPU time the
   copy took;
3. a third photo whose upload is cut part way (the proxy goes away), then the
   next round: the bytes both rounds sent against the photo's size (what the cut
   cost), and that the second round started from central's confirmed offset;
4. town staff fetching the first photo on demand (a pull alone does not carry it).

Without ``--photo`` the photos are made here: 3264 x 2448 JPEGs with smooth
colour and grain, about the size a phone writes. Loopback only.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from central_process import central_process  # noqa: E402
from wire_proxy import LinkModel, WireProxy  # noqa: E402

from central.admin import init_db, new_enroll_code  # noqa: E402
from client.attachments import Attachments  # noqa: E402
from client.photos import downscale  # noqa: E402
from client.store import Store  # noqa: E402
from client.syncing import enroll, sync_round  # noqa: E402
from sync.errors import SyncError  # noqa: E402
from sync.progress import RoundReport  # noqa: E402

VILLAGE = "150202101200"
TOWN = "150202101000"
PASSPHRASE = "bench-attachments"
MAX_SIDE = 1600


def make_photo(seed: int) -> bytes:
    """A phone-sized JPEG that compresses like a photo (smooth areas plus sensor grain)."""
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    width, height = 3264, 2448
    small = Image.frombytes(
        "RGB", (width // 32, height // 32), rng.randbytes(width * height * 3 // 1024)
    )
    image = small.resize((width, height), Image.Resampling.BICUBIC).filter(
        ImageFilter.GaussianBlur(3)
    )
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    image = Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.06)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def disclosure(period: str, digest: str) -> dict[str, object]:
    return {
        "org_code": VILLAGE,
        "catalog_code": "FIN-01",
        "period": period,
        "title": "财务收支公开（公开栏照片）",
        "content": "本月收支明细见公开栏照片。",
        "channels": ["board"],
        "disclosed_on": "2026-11-05",
        "responsible": "张三",
        "attachments": [digest],
    }


class Line:
    """Bytes and time of a stretch of syncing through the proxy, and its floor."""

    def __init__(self, proxy: WireProxy, kbps: float, rtt_ms: float) -> None:
        self.proxy, self.kbps, self.rtt_ms = proxy, kbps, rtt_ms
        self.up0, self.down0, _ = proxy.counters.snapshot()
        self.started = time.perf_counter()

    def done(self, label: str, requests: int, note: str = "") -> tuple[int, int]:
        seconds = time.perf_counter() - self.started
        up, down, _ = self.proxy.counters.snapshot()
        sent, received = up - self.up0, down - self.down0
        floor = max(sent, received) / (self.kbps * 1000 / 8) + requests * self.rtt_ms / 1000
        print(
            f"{label:<34} {seconds:7.1f} s   floor {floor:7.1f} s   ratio {seconds / floor:5.2f}"
            f"   {requests:3d} requests, {sent / 1e3:8.1f} KB up, {received / 1e3:8.1f} KB down"
            f"{note}",
            flush=True,
        )
        return sent, received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photo", type=Path, help="a real photo to use (else made here)")
    parser.add_argument("--kbps", type=float, default=256)
    parser.add_argument("--rtt-ms", type=float, default=300)
    parser.add_argument("--cut-at", type=float, default=0.4, help="fraction of upload 3 cut")
    args = parser.parse_args()
    photos = [args.photo.read_bytes()] * 3 if args.photo else [make_photo(s) for s in (1, 2, 3)]
    if args.photo:  # three different files with the same picture: vary one byte of each
        photos = [photo + bytes([index]) for index, photo in enumerate(photos)]
    print(
        f"photos of {', '.join(f'{len(p) / 1e6:.2f} MB' for p in photos)} at {args.kbps:g} kbit/s,"
        f" {args.rtt_ms:g} ms round trips\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_url = f"sqlite:///{work / 'central.db'}"
        init_db(db_url)
        with central_process(db_url) as (_url, port):
            link = LinkModel(kbps=args.kbps, rtt_ms=args.rtt_ms)
            proxy = WireProxy("127.0.0.1", port, link).start()
            clerk = Store(work / "clerk", passphrase=PASSPHRASE)
            town = Store(work / "town", passphrase=PASSPHRASE)
            enroll(clerk, proxy.url, new_enroll_code(db_url, unit=VILLAGE, role="clerk"))
            enroll(town, proxy.url, new_enroll_code(db_url, unit=TOWN, role="town"))
            files = Attachments(clerk)
            paths = []
            for index, photo in enumerate(photos):
                path = work / f"photo-{index}.jpg"
                path.write_bytes(photo)
                paths.append(path)

            # 1. as it is
            first = files.add_file(paths[0])
            clerk.add("disclosure", disclosure("2026-07", first))
            line = Line(proxy, args.kbps, args.rtt_ms)
            report = sync_round(clerk)
            line.done("1. photo as it is", report.requests)

            # 2. downscaled
            started = time.process_time()
            copy = downscale(photos[1], MAX_SIDE)
            cpu = time.process_time() - started
            files.set_max_side(MAX_SIDE)
            second = files.add_file(paths[1])
            clerk.add("disclosure", disclosure("2026-08", second))
            files.set_max_side(0)
            line = Line(proxy, args.kbps, args.rtt_ms)
            report = sync_round(clerk)
            size = len(copy) if copy else len(photos[1])
            line.done(
                f"2. downscaled to {MAX_SIDE} px",
                report.requests,
                f"   (copy {size / 1e3:.0f} KB of {len(photos[1]) / 1e3:.0f} KB; {cpu:.2f} s CPU)",
            )

            # 3. cut part way, then the next round
            third = files.add_file(paths[2])
            clerk.add("disclosure", disclosure("2026-09", third))
            expected = len(photos[2]) / (args.kbps * 1000 / 8)
            line = Line(proxy, args.kbps, args.rtt_ms)
            outcome: list[RoundReport | BaseException] = []

            def cut_round() -> None:
                try:
                    outcome.append(sync_round(clerk))
                except (SyncError, OSError) as exc:
                    outcome.append(exc)

            worker = threading.Thread(target=cut_round)
            worker.start()
            time.sleep(expected * args.cut_at)
            sent_before = proxy.counters.snapshot()[0] - line.up0
            proxy.stop()  # the line drops
            worker.join(120)
            up_cut = proxy.counters.snapshot()[0] - line.up0
            proxy = WireProxy("127.0.0.1", port, link).start()
            clerk.set_server_url(proxy.url)
            town.set_server_url(proxy.url)
            resumed = Line(proxy, args.kbps, args.rtt_ms)
            report = sync_round(clerk)
            up_after, _ = resumed.done("3b. the round after the cut", report.requests)
            total = up_cut + up_after
            print(
                f"{'3. cut at ' + format(args.cut_at, '.0%'):<34} first round failed "
                f"({type(outcome[0]).__name__ if outcome else 'still running'}) after "
                f"{sent_before / 1e3:.0f} KB; both rounds sent {total / 1e3:.1f} KB for a "
                f"{len(photos[2]) / 1e3:.1f} KB photo: {total / len(photos[2]):.3f} of its size",
                flush=True,
            )

            # 4. fetched on demand
            line = Line(proxy, args.kbps, args.rtt_ms)
            report = sync_round(town)
            line.done("4a. town pull (records only)", report.requests)
            Attachments(town).want([first])
            line = Line(proxy, args.kbps, args.rtt_ms)
            report = sync_round(town)
            line.done("4b. town fetches photo 1", report.requests)
            assert Attachments(town).blob(first) == photos[0]
            proxy.stop()
            clerk.close()
            town.close()


if __name__ == "__main__":
    main()
