"""Benchmark: a whole `sync` with nothing new, a full rebuild, and peak memory, at 1k, 10k and 100k items,
ours beside the pipeline as it was before "One reader, one pass" (issue 11), in the same run.

Each size is a generated library (tests/zotero_library.py) served by the loopback Zotero server and
pulled once into a scratch project; its caches are filled so that enrichment has nothing left to
ask (a DOI answered with a work, a search answered "no hits"), as on a list whose every paper was looked
up before (and DBLP's cache likewise). Then, each in its own process, as a user runs them:
- no-change sync: `python -m pipeline sync` (one Zotero request, answered 304; 0 Crossref requests);
- full rebuild: what `make` runs: `python -m pipeline build` for ours (merge and emit in one process),
  `merge` then `emit` for the baseline (its Makefile ran the two);
- peak memory: the largest resident set of those processes and the workers they fork (VmHWM).
Each time is the best of REPEATS runs (3 at 100,000): on a shared machine the others measure its neighbours.
The processes may write Python's bytecode cache (a user's installation has one; this sandbox sets
PYTHONDONTWRITEBYTECODE, which would make every run compile the whole pipeline again).
The baseline is the code of commit BASELINE (the round's starting point), taken out of this
repository's git history with `git archive` and run the same way on a copy of the same project. Up to
BASELINE_MAX items the head before the source seam (PREVIOUS) is measured too, its rebuild in one
process like ours, and each time is printed beside it as a ratio.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from tests.servers.zotero_api import ZoteroServer
from tests.zotero_library import generated_library

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "13744a9"
# The head before the source seam (issue 19): a full rebuild and a no-change sync must be no slower than
# there, though a third source's cache (OpenAlex) is read and fingerprinted too.
PREVIOUS = os.environ.get("BENCH_SYNC_PREVIOUS", "1ddbdc5")
KEY = "BenchKey0000000000000000"
SIZES = tuple(int(s) for s in os.environ.get("BENCH_SYNC_SIZES", "1000,10000,100000").split(","))
# The baseline takes ~20 s a command at 10,000 items and grows linearly: at 100,000 it would add half an
# hour to `make bench`, so by default it is measured up to this size (BENCH_SYNC_BASELINE_MAX to change).
BASELINE_MAX = int(os.environ.get("BENCH_SYNC_BASELINE_MAX", "10000"))
REPEATS = 5            # runs of each measurement up to 10,000 items (3 at 100,000): the best is reported


def baseline_code(dest: Path, commit: str = BASELINE) -> Path | None:
    """The pipeline package as it was at `commit` (BASELINE), or None without git history."""
    try:
        blob = subprocess.run(["git", "archive", commit, "pipeline"], cwd=ROOT, capture_output=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(dest)
    return dest


def timed(cmd: list[str], cwd: Path, env: dict, ok: tuple[int, ...] = (0,)) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, stderr) of one process.

    The peak is the largest VmHWM that /proc shows for the process and the children it forks, read
    every 20 ms: wait4's ru_maxrss cannot be used here, since Linux carries the spawning process's peak
    (this benchmark's, hundreds of MB after the other benchmarks) over into the child's figure."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        peak_kb, status, usage = 0, 0, None
        while True:
            peak_kb = max(peak_kb, _peak_kb(proc.pid))
            try:
                _, status, usage = os.wait4(proc.pid, os.WNOHANG)
            except ChildProcessError:
                break
            if _:
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        err = errors.read().decode("utf-8", "replace")
    if not peak_kb and usage is not None:            # no /proc (not Linux): the best figure there is
        peak_kb = usage.ru_maxrss
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd[2:])} failed: {err.strip()[-300:]}")
    return wall, peak_kb // 1024, err


def _peak_kb(pid: int) -> int:
    """The largest VmHWM (kB) of `pid` and its children, 0 when /proc cannot tell."""
    peak = 0
    pids = [pid]
    try:
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            continue
    return peak


def fill_caches(project: Path) -> None:
    """Every lookup already answered, so enrich asks nothing: each DOI a work, each search and each DBLP
    query no hits. The planners are enrich's own, so exactly what it would ask is answered."""
    from pipeline import config
    from pipeline.machinery import inputs
    from pipeline.stages import enrich

    from pipeline.machinery import files

    write_json = files.write_json
    files.write_json = lambda path, obj, durable=False: write_json(path, obj, durable=False)  # set-up: no fsync
    try:
        _fill(config.load(project, environ={}), enrich, inputs)
    finally:
        files.write_json = write_json


def _fill(settings, enrich, inputs) -> None:
    given = inputs.read(settings, sections=False)
    records = [given.pinned(r) for r in given.records]
    for source in enrich.SOURCES:            # each source's own planner, in enrich's order
        todo, _ = source.plan(records, given.lookups)
        cache = given.lookups.caches[source.name]
        for doi in todo.dois:
            if source.name == "openalex":
                cache.write_work(doi, None, "2026-12-01")          # OpenAlex knows none of them
            else:
                cache.write_work(doi, {"DOI": doi.lower(), "type": "journal-article"})
        for params in todo.queries:
            if source.name == "openalex":
                cache.write_search(params, [], "2026-12-01")
            else:
                cache.write_search(params, {"items": []} if source.name == "crossref" else [])


def prepare(n: int, tmp: Path) -> tuple[Path, dict, ZoteroServer]:
    built = generated_library(n, seed=3)
    project = tmp / f"ours-{n}"
    project.mkdir()
    shutil.copy(ROOT / "pipeline.toml", project / "pipeline.toml")
    (project / "data/curated").mkdir(parents=True)
    shutil.copy(ROOT / "data/curated/venues.csv", project / "data/curated/venues.csv")
    server = ZoteroServer(built.library, api_key=KEY).__enter__()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ZOTERO_", "CROSSREF_", "DBLP_", "OPENALEX_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(CI="1", ZOTERO_API_URL=server.url, ZOTERO_API_KEY=KEY, ZOTERO_LIBRARY_ID=str(built.library.id),
               ZOTERO_COLLECTION=built.top, CROSSREF_API_URL="http://127.0.0.1:9", DBLP_API_URL="http://127.0.0.1:9",
               OPENALEX_API_URL="http://127.0.0.1:9",
               PYTHONPATH=str(ROOT))
    timed([sys.executable, "-m", "pipeline", "pull", "--root", str(project)], ROOT, env)
    fill_caches(project)
    return project, env, server


def best(cmds: list[list[str]], cwd: Path, env: dict, repeats: int = REPEATS,
         ok: tuple[int, ...] = (0,)) -> tuple[float, int, str]:
    """(best wall seconds of `repeats` runs of `cmds` one after another, their peak RSS, the last stderr)."""
    walls, peak, err = [], 0, ""
    for _ in range(repeats):
        total = 0.0
        for cmd in cmds:
            wall, mb, err = timed(cmd, cwd, env, ok)
            total += wall
            peak = max(peak, mb)
        walls.append(total)
    return min(walls), peak, err


def measure(code_dir: Path, project: Path, env: dict, n: int, *, one_process: bool) -> dict:
    env = dict(env, PYTHONPATH=str(code_dir))
    py = [sys.executable, "-m", "pipeline"]
    root = ["--root", str(project)]
    # An older head reads today's pipeline.toml: a table it does not know yet ([bib]) is one error line
    # for it (exit 3, "finished with errors reported"), not a failed run.
    ok = (0,) if code_dir == ROOT else (0, 3)
    timed(py + ["sync"] + root, code_dir, env, ok)                 # the first sync builds everything
    repeats = REPEATS if n <= 10_000 else 3
    sync_s, sync_mb, sync_err = best([py + ["sync"] + root], code_dir, env, repeats, ok)
    rebuild = [py + ["build"] + root] if one_process else [py + ["merge"] + root, py + ["emit"] + root]
    rebuild_s, rebuild_mb, _ = best(rebuild, code_dir, env, repeats, ok)
    return {"sync": sync_s, "rebuild": rebuild_s, "mb": max(sync_mb, rebuild_mb), "skipped": "skipped" in sync_err}


def run_all() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        old_code = baseline_code(tmp / "baseline-code")
        previous_code = baseline_code(tmp / "previous-code", PREVIOUS) if PREVIOUS else None
        for n in SIZES:
            project, env, server = prepare(n, tmp)
            try:
                ours = measure(ROOT, project, env, n, one_process=True)
                old = None
                if old_code is not None and n <= BASELINE_MAX:
                    copy = tmp / f"baseline-{n}"
                    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("build"))
                    old = measure(old_code, copy, env, n, one_process=False)
                previous = None
                if previous_code is not None and n <= BASELINE_MAX:
                    copy = tmp / f"previous-{n}"
                    shutil.copytree(project, copy, ignore=shutil.ignore_patterns("build"))
                    previous = measure(previous_code, copy, env, n, one_process=True)
            finally:
                server.__exit__(None, None, None)
            rows += rows_for(n, ours, old) + previous_rows(n, ours, previous)
            shutil.rmtree(tmp / f"previous-{n}", ignore_errors=True)
            shutil.rmtree(project, ignore_errors=True)
            shutil.rmtree(tmp / f"baseline-{n}", ignore_errors=True)
    return rows


def rows_for(n: int, ours: dict, old: dict | None) -> list[dict]:
    def ratio(a: float, b: float, what: str) -> str:
        return f"{b / a:.1f}x {what}" if a else "-"

    base = f"pipeline at {BASELINE}"
    note = (f"{n:,} items; caches warm (0 Crossref or DBLP requests), Zotero answers 304; each figure the best of "
            f"{REPEATS if n <= 10_000 else 3} runs of the processes a user runs; baseline: "
            + (base if old else "not run at this size (BENCH_SYNC_BASELINE_MAX)"))
    return [
        {"benchmark": "sync", "case": f"{n:,} items: no-change sync (wall)",
         "ours": f"{ours['sync']:.2f} s" + (" (build skipped)" if ours["skipped"] else ""),
         "baseline": f"{old['sync']:.2f} s" if old else "-",
         "ratio": ratio(ours["sync"], old["sync"], "faster") if old else "-", "notes": note},
        {"benchmark": "sync", "case": f"{n:,} items: full rebuild, what `make` runs (wall)",
         "ours": f"{ours['rebuild']:.2f} s", "baseline": f"{old['rebuild']:.2f} s" if old else "-",
         "ratio": ratio(ours["rebuild"], old["rebuild"], "faster") if old else "-", "notes": note},
        {"benchmark": "sync", "case": f"{n:,} items: peak memory of any stage",
         "ours": f"{ours['mb']} MB", "baseline": f"{old['mb']} MB" if old else "-",
         "ratio": ratio(ours["mb"], old["mb"], "less") if old else "-", "notes": note},
    ]


def previous_rows(n: int, ours: dict, previous: dict | None) -> list[dict]:
    """Ours beside the head before the source seam, on a copy of the same project (its OpenAlex cache
    is there too, unread by that code)."""
    if previous is None:
        return []
    note = (f"{n:,} items, as above; previous head: pipeline at {PREVIOUS}, before the source seam and "
            "OpenAlex (BENCH_SYNC_PREVIOUS); ratio under 1.00x: ours is faster")
    return [{"benchmark": "sync", "case": f"{n:,} items: {what} beside the previous head (wall)",
             "ours": f"{ours[key]:.2f} s", "baseline": f"{previous[key]:.2f} s",
             "ratio": f"{ours[key] / previous[key]:.2f}x the time" if previous[key] else "-", "notes": note}
            for what, key in (("no-change sync", "sync"), ("full rebuild", "rebuild"))]


def run() -> list[dict]:
    return run_all()


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run()))
