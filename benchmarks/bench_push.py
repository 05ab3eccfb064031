"""Benchmark: the requests `push` makes to move a 460-entry list into an empty collection.

A list the size of the largest fixture list is generated (460 entries in 20 sections, two levels deep,
each with a one-line summary, every tenth with a long review) and imported, then pushed to the
loopback Zotero server. Counted: the requests of the push itself (key check, reads, writes), beside
the floor the issue sets (ceil(items/50) + ceil(notes/50) + one per collection) and beside the naive
script (one request per collection, item and note, as `create_items([item])` in a loop makes). The
pull that follows a push is counted on its own row. Wall time is reported too; nothing asserts it.
"""
from __future__ import annotations

import io
import math
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from pipeline import config
from pipeline.report import Reporter
from pipeline.sources import http
from pipeline.stages import Options, import_readme, push
from tests.servers.zotero_api import Library, ZoteroServer

KEY = "BenchKey0000000000000000"
ENTRIES = 460
SECTIONS = 20
ROOT = Path(__file__).resolve().parents[1]


def generated_list(entries: int = ENTRIES, sections: int = SECTIONS) -> tuple[str, dict[str, str]]:
    """The list's Markdown and its review files ({name: text})."""
    lines, reviews = ["# Awesome Generated", "", "A generated list.", ""], {}
    per = math.ceil(entries / sections)
    n = 0
    for s in range(sections):
        level = "##" if s % 4 == 0 else "###"
        lines += [f"{level} Section {s:02d}", ""]
        for _ in range(per):
            if n >= entries:
                break
            review = ""
            if n % 10 == 0:
                name = f"paper-{n:04d}.md"
                reviews[name] = f"# Review {n}\n\n- What problem?\n\n  A long answer about paper {n}.\n"
                review = f" [Review](reviews/{name})"
            lines.append(f"- [Generated Paper Number {n} on Reliable Learning](https://example.org/p/{n}), "
                         f"*ICSE {2000 + n % 25}* - Summary of paper {n} with **bold** words.{review}")
            n += 1
        lines.append("")
    return "\n".join(lines), reviews


def run() -> list[dict]:
    text, reviews = generated_list()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        project, src = tmp / "project", tmp / "src"
        project.mkdir()
        (src / "reviews").mkdir(parents=True)
        shutil.copy(ROOT / "pipeline.toml", project / "pipeline.toml")
        (src / "list.md").write_text(text, encoding="utf-8")
        for name, body in reviews.items():
            (src / "reviews" / name).write_text(body, encoding="utf-8")
        import_readme.run(config.load(project, environ={}), Options(), Reporter(0), src / "list.md", date(2026, 1, 1))
        library = Library()
        top = library.add_collection("Awesome Generated")
        with ZoteroServer(library, api_key=KEY) as server:
            settings = config.load(project, environ={
                "ZOTERO_API_URL": server.url, "ZOTERO_LIBRARY_ID": "1", "ZOTERO_COLLECTION": top,
                "ZOTERO_API_KEY": KEY, "CROSSREF_API_URL": "http://127.0.0.1:9", "DBLP_API_URL": "http://127.0.0.1:9", "OPENALEX_API_URL": "http://127.0.0.1:9"})
            policy = http.RetryPolicy(attempts=2, base=0.0, cap=0.0, sleep=lambda s: None)
            started = time.perf_counter()
            tally = push.run(settings, Options(), Reporter(0, io.StringIO()), policy=policy)
            seconds = time.perf_counter() - started
            log = list(server.log)
    items = tally.items
    notes = tally.notes
    collections = tally.collections
    floor = math.ceil(items / 50) + math.ceil(notes / 50) + collections
    naive = 2 + items + notes + collections       # key check and top collection, then one POST each
    push_requests = _push_requests(log)
    return [
        {"benchmark": "push", "case": f"{items} items, {notes} notes, {collections} collections: requests",
         "ours": push_requests, "baseline": naive, "ratio": f"{push_requests / naive:.2f}",
         "notes": f"floor ceil(items/50)+ceil(notes/50)+collections = {floor}; ours/floor = "
                  f"{push_requests / floor:.2f} (target <= 1.10); the naive script makes one request per object"},
        {"benchmark": "push", "case": "the pull that follows: requests", "ours": len(log) - push_requests,
         "baseline": "", "ratio": "", "notes": f"a full pass: the {collections + 1} collections' items, "
                                               "then the notes, 100 a page"},
        {"benchmark": "push", "case": "wall time, push and pull", "ours": f"{seconds:.2f} s", "baseline": "",
         "ratio": "", "notes": "loopback server, 2 cores; enrichment offline (no Crossref or DBLP)"},
    ]


def _push_requests(log) -> int:
    """The requests up to the last write (the pull after it only reads)."""
    last_write = max((i for i, e in enumerate(log) if e.method != "GET"), default=-1)
    return last_write + 1


if __name__ == "__main__":
    for row in run():
        print(row)
