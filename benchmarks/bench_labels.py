"""Benchmark: label agreement on the labelled set of real papers (tests/labelset.py), ours beside the
pipeline as it was at the round's start (commit bench_sync.BASELINE), synced in the same run against
the same loopback Zotero, Crossref and DBLP servers.

Agreement is the share of papers whose README label (`*VENUE YEAR*`) is the one the field writes;
wrong-paper matches count papers that took another paper's DOI or DBLP record. The baseline runs as a
user would (`python -m pipeline sync`, its own process, its code taken from git history); it has no
DBLP, so the same servers simply see no DBLP request from it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_sync import BASELINE, baseline_code
from tests import labelrun, labelset
from tests.servers.crossref_api import CrossrefServer
from tests.servers.dblp_api import DblpServer
from tests.servers.zotero_api import ZoteroServer

ROOT = Path(__file__).resolve().parents[1]


def baseline_printed(code: Path, papers: list, folder: Path) -> dict[str, str]:
    project = labelrun.project(folder)
    lib, top = labelrun.library_for(papers)
    works = labelset.crossref_works(papers)
    with ZoteroServer(lib, api_key=labelrun.KEY) as zs, CrossrefServer(works, limits=labelrun.FAST) as cs, \
            DblpServer() as ds:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOTERO_", "CROSSREF_", "DBLP_", "OPENALEX_"))}
        env.update(CI="1", PYTHONPATH=str(code), ZOTERO_API_URL=zs.url, ZOTERO_API_KEY=labelrun.KEY,
                   ZOTERO_LIBRARY_ID="1", ZOTERO_COLLECTION=top, CROSSREF_API_URL=cs.url,
                   CROSSREF_MAILTO="labels@example.org", DBLP_API_URL=ds.url, OPENALEX_API_URL="http://127.0.0.1:9")
        subprocess.run([sys.executable, "-m", "pipeline", "sync", "--root", str(project)], cwd=code, env=env,
                       check=True, capture_output=True, timeout=900)
    records = {r["key"]: r for r in json.loads((project / "build/records.json").read_text())["records"]}
    out = {}
    for p in papers:
        r = records.get(labelset.item_key(p.id))
        out[p.id] = " ".join(x for x in (r["venue_label"], str(r["year"]) if r["year"] else "") if x) if r else ""
    return out


def run() -> list[dict]:
    rows = []
    groups = {"the set (curator's list + field)": labelset.load("curator") + labelset.load("field"),
              "held-out replay of another list": labelset.load("heldout")}
    with tempfile.TemporaryDirectory() as tmp:
        code = baseline_code(Path(tmp) / "code")
        for name, papers in groups.items():
            ours_run = labelrun.sync(papers, Path(tmp) / f"ours-{len(rows)}")
            ours = labelset.score(papers, ours_run.printed)
            wrong = labelrun.wrong_papers(papers, ours_run)
            old = labelset.score(papers, baseline_printed(code, papers, Path(tmp) / f"old-{len(rows)}")) \
                if code else None
            misses = ", ".join(f"{pid}: {got or '-'} (want {want})" for pid, got, want in ours.wrong[:4])
            rows.append({
                "benchmark": "labels", "case": f"{name}: {len(papers)} papers, label agreement",
                "ours": f"{ours.right}/{ours.total} ({ours.agreement:.1%}); {len(wrong)} wrong-paper matches",
                "baseline": f"{old.right}/{old.total} ({old.agreement:.1%})" if old else "-",
                "ratio": f"+{(ours.agreement - old.agreement) * 100:.1f} points" if old else "-",
                "notes": (f"baseline: pipeline at {BASELINE} (Crossref only); target >= "
                          f"{'95' if 'held-out' in name else '97'}%" + (f"; ours missed {misses}" if misses else "")),
            })
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run()))
