"""Benchmark: `python -m pipeline links` over 1,000 links on 50 loopback hosts.

Each host is a `tests.servers.links_api.LinkServer` that answers after LATENCY seconds (a real
server's think time), 20 links a host. Two requests at a time per host make the floor: no checker
that keeps the limit can finish before the busiest host has answered its links two by two,
ceil(20 / 2) x LATENCY. The global rate is set high here so that the per-host limit is what binds;
the notes give the floor at the default `[links] rate`.

The second run is within `[links] max_age_days` of the first: it must make no request at all.

`run()` returns rows for `python -m benchmarks`; `python -m benchmarks.bench_links` prints them alone.
"""
from __future__ import annotations

import io
import math
import tempfile
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

from pipeline import config
from pipeline.model import Catalog, Record, Section
from pipeline.report import Reporter
from pipeline.stages import Options, links
from tests.servers.links_api import ArchiveServer, LinkServer

HOSTS, LINKS = 50, 1000
LATENCY = 0.05
PER_HOST = 2
RATE = 10_000          # requests a second over all hosts: high, so the per-host limit binds
DAY = date(2026, 12, 7)


def run() -> list[dict]:
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        servers = [stack.enter_context(LinkServer(latency=LATENCY)) for _ in range(HOSTS)]
        archive = stack.enter_context(ArchiveServer())     # the broken links' copies are asked for here
        root = Path(tmp)
        (root / "pipeline.toml").write_text(f'[links]\nper_host = {PER_HOST}\nrate = {RATE}\ntimeout = 10\n'
                                            f'archive_api_url = "{archive.api_url}"\n', encoding="utf-8")
        settings = config.load(root, environ={})
        # Every tenth link redirects permanently, every twentieth is gone: answers of every kind.
        paths = ["/ok", "/ok", "/ok", "/ok", "/ok", "/ok", "/ok", "/ok", "/r/301/ok", "/s/404"]
        records = tuple(Record(key=f"L{i:07d}", title=f"Paper {i}", sections=("S",),
                               url=f"{servers[i % HOSTS].url}{paths[(i // HOSTS) % len(paths)]}?n={i}")
                        for i in range(LINKS))
        catalog = Catalog(title="bench", sections=(Section("S", "Papers", None, ("Papers",)),), records=records)

        def once(day: date) -> tuple[float, int]:
            before = sum(s.requests for s in servers)
            started = time.perf_counter()
            links.run(settings, Options(), Reporter(0, io.StringIO()), today=day, catalog=catalog)
            return time.perf_counter() - started, sum(s.requests for s in servers) - before

        cold, cold_requests = once(DAY)
        warm, warm_requests = once(DAY + timedelta(days=6))
        peak = max(s.peak for s in servers)
    per_host = LINKS // HOSTS
    # Each redirecting link costs two requests on its host, so the busiest host answers a few more.
    floor = math.ceil(cold_requests / HOSTS / PER_HOST) * LATENCY
    default_rate = config.LinkSettings().rate
    return [
        dict(benchmark="links", case=f"{LINKS:,} links on {HOSTS} hosts, nothing cached",
             ours=f"{cold:.2f} s, {cold_requests:,} requests",
             baseline=f"{floor:.2f} s floor ({PER_HOST} at a time per host, {LATENCY * 1000:.0f} ms an answer)",
             ratio=f"{cold / floor:.2f}x the floor",
             notes=f"{per_host} links a host; most requests in flight at one host: {peak}; at the default "
                   f"rate of {default_rate:g}/s the floor is {cold_requests / default_rate:.0f} s"),
        dict(benchmark="links", case="the same links 6 days later (within max_age_days)",
             ours=f"{warm:.2f} s, {warm_requests} requests", baseline="0 requests", ratio="-",
             notes="every verdict answered by data/raw/links"),
    ]


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run()))
