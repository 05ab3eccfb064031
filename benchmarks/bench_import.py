"""Time to import a 5,000-entry awesome list written in the shapes real lists use (issue 18's target:
under two seconds), with `python -m pipeline import-readme` as a user runs it: read, parse, write the
snapshot, the review files and the README skeleton.

The list is generated: title-first rows with `|` cells, bold titles with their links as sub-items,
`[VENUE YEAR] Title. Authors.` lines, quoted titles in citations, numbered bold titles, Markdown and
HTML tables, headings per year and venue. The baseline is the importer as it was before issue 18
(BASELINE) reading the same file, in its own process; it reads fewer of these shapes, so its time is
a reference for the cost of reading them, not the same work. Best of three runs, wall clock.
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_sync import baseline_code

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "697db61"
N = 5_000
REPEAT = 3
_WORDS = ("deep learning robust neural network testing verification fuzzing adversarial coverage certified "
          "safety anomaly detection graph 图神经网络 naïve Über").split()
_VENUES = ("ICML", "NeurIPS", "ICLR", "CVPR", "ICSE", "OSDI", "arXiv", "ACM CCS", "IEEE S&P", "KDD")


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 10))).capitalize()


def synthetic_list(n: int = N) -> str:
    """A list of `n` entries, cycling through the shapes issue 18 names, 250 entries a section."""
    rng = random.Random(18)
    out = ["# Awesome Generated [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)", "",
           "Generated for the import benchmark.", ""]
    shape = 0
    for n_done in range(n):
        if n_done % 250 == 0:
            year = 2010 + (n_done // 250) % 15
            out += ["", f"## Part {n_done // 250}", "", f"#### {year}", "", f"##### {rng.choice(_VENUES)}", ""]
            shape = 0
        title, venue, yy = _title(rng), rng.choice(_VENUES), rng.randint(10, 24)
        url = f"https://arxiv.org/abs/{1000 + n_done}.{n_done:05d}"
        kind = (n_done // 25) % 8
        if kind == 0:
            out.append(f"- {title} | **[{venue}' {yy}]** | [`[pdf]`]({url}) | [`[code]`](https://github.com/x/{n_done})")
        elif kind == 1:
            out += [f"- **{title}**", f"  - [[Python]](https://github.com/x/{n_done})", f"  - [[paper]]({url})"]
        elif kind == 2:
            out.append(f"- [{venue} 20{yy}] {title}. A. Author, B. Author. [[paper]]({url}) [[code]](https://github.com/c)")
        elif kind == 3:
            out.append(f'- A. Author, B. Author. "{title}." In Proc. {venue}, 20{yy}. [pdf]({url})')
        elif kind == 4:
            out.append(f"{shape + 1}. **{title}.** {venue} 20{yy}. [paper]({url})")
        elif kind == 5:
            out.append(f"- [{title}]({url}), *{venue} 20{yy}* 🔥 [![stars](https://img.shields.io/x)](https://github.com/s) - A summary.")
        elif kind == 6:
            if shape % 25 == 0:
                out += ["", "| Title | Venue | Year | Code |", "|---|---|---|---|"]
            out.append(f"| [{title}]({url}) | _{venue}_ | 20{yy} | [Code](https://github.com/x/{n_done}) |")
            if shape % 25 == 24:
                out.append("")
        else:
            if shape % 25 == 0:
                out += ["", "<table>", "<tr><th>Paper</th><th>Venue</th></tr>"]
            out.append(f'<tr><td><a href="{url}">{title}</a></td><td>{venue} 20{yy}</td></tr>')
            if shape % 25 == 24:
                out += ["</table>", ""]
        shape += 1
    return "\n".join(out) + "\n\n## License\n\nAs written.\n"


def _import_once(source: Path, pipeline_path: Path, folder: Path) -> float:
    project = folder / "project"
    project.mkdir()
    (project / "pipeline.toml").write_text((ROOT / "pipeline.toml").read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(pipeline_path), "CI": "1"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline", "import-readme", str(source), "--root", str(project), "-q"],
                   cwd=pipeline_path, env=env, check=False, capture_output=True, timeout=600)
    return time.perf_counter() - started


def _best(source: Path, pipeline_path: Path) -> float:
    times = []
    for _ in range(REPEAT):
        with tempfile.TemporaryDirectory() as folder:
            times.append(_import_once(source, pipeline_path, Path(folder)))
    return min(times)


def run() -> list[dict]:
    from pipeline.markdown_in import importer

    text = synthetic_list()
    parsed = importer.parse(text, "list.md")
    read = f"{len(parsed.entries)} of {N} read, {len(parsed.problems)} skipped"
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "list.md"
        source.write_text(text, encoding="utf-8")
        ours = _best(source, ROOT)
        old = baseline_code(Path(folder) / "baseline", BASELINE)
        baseline = _best(source, old) if old else None
    stage_times, parse_times = [], []
    for _ in range(REPEAT):
        started = time.perf_counter()
        importer.parse(text, "list.md")
        parse_times.append(time.perf_counter() - started)
        stage_times.append(_stage_once(text))
    return [
        {"benchmark": "import-readme", "case": f"{N:,} entries in 8 shapes, whole command",
         "ours": f"{ours:.2f} s", "baseline": f"{baseline:.2f} s ({BASELINE})" if baseline else "",
         "ratio": f"{baseline / ours:.2f}x" if baseline else "", "notes": f"target < 2 s; {read}; includes Python's start"},
        {"benchmark": "import-readme", "case": f"{N:,} entries, the stage in this process", "ours": f"{min(stage_times):.2f} s",
         "baseline": "", "ratio": "", "notes": "read, parse, snapshot, review files, README skeleton, written"},
        {"benchmark": "import-readme", "case": f"{N:,} entries, parse only", "ours": f"{min(parse_times):.2f} s",
         "baseline": "", "ratio": "", "notes": "importer.parse"},
    ]


def _stage_once(text: str) -> float:
    from datetime import date

    from pipeline import config
    from pipeline.report import Reporter
    from pipeline.stages import Options, import_readme

    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        (project / "pipeline.toml").write_text((ROOT / "pipeline.toml").read_text(encoding="utf-8"), encoding="utf-8")
        (project / "list.md").write_text(text, encoding="utf-8")
        started = time.perf_counter()
        import_readme.run(config.load(project, environ={}), Options(), Reporter(0), project / "list.md", date(2026, 1, 1))
        return time.perf_counter() - started
