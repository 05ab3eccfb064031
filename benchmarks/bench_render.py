"""How long the README takes to render: 10,000 records in 80 nested sections, ours beside a naive
renderer.

The baseline is the straightforward way to write an awesome list: one f-string per entry, no
escaping, no URL checks, anchors by `lower().replace(" ", "-")`, no duplicate counting, no counts
per section, no intro/outro handling. It is what the pipeline's first stub did, so the ratio is the
price of the safety and the GitHub-correct anchors.
"""
from __future__ import annotations

import random
import time

from pipeline.model import Catalog, Record, Section
from pipeline.render import readme

N_RECORDS = 10_000
REPEATS = 5

_WORDS = ("deep learning testing bugs empirical study neural network reliability fuzzing debugging "
          "monitoring coverage differential oracle tensor shape numerical defects training pipeline").split()
_HOSTILE = ["[x](javascript:alert(1))", "<script>alert(1)</script>", "`code`", "**bold**", "a_b_c", "|", "\n# H",
            "&amp;", "https://e.vil", "\u202e", "🚀", "مرحبا", "\\", "$x$", "~~", "*"]


def catalog(hostile: bool = False, n: int = N_RECORDS, seed: int = 5) -> Catalog:
    """`n` records in 20 top sections of 3 sub-sections each; one in five is filed twice."""
    rng = random.Random(seed)
    sections = []
    for top in range(20):
        sections.append(Section(f"S{top:02d}", f"Topic {top}", None, (f"Topic {top}",)))
        for sub in range(3):
            sections.append(Section(f"S{top:02d}{sub}", f"Area {sub}", f"S{top:02d}", (f"Topic {top}", f"Area {sub}")))
    leaves = [s.key for s in sections if s.parent]

    def words(k: int) -> str:
        text = " ".join(rng.choice(_WORDS) for _ in range(k))
        if hostile:
            text += " " + " ".join(rng.choice(_HOSTILE) for _ in range(3))
        return text.capitalize()

    records = []
    for i in range(n):
        filed = rng.sample(leaves, 2 if i % 5 == 0 else 1)
        records.append(Record(
            key=f"K{i:05d}", title=words(8), url=f"https://doi.org/10.1145/{i}.{rng.randrange(10**6)}",
            venue_label=rng.choice(["ICSE", "FSE", "SOSP", "NeurIPS", "TOSEM"]), year=rng.randrange(2010, 2025),
            note="Best paper award" if i % 50 == 0 else "", tags=("Testing",) if i % 3 == 0 else (),
            summary=f"{words(12)} with **{rng.choice(_WORDS)}**.", review_path=f"reviews/Paper {i}.md",
            review_text=i % 10 == 0, review_status="draft" if i % 20 == 0 else "", sections=tuple(filed)))
    return Catalog(title="Benchmark List", sections=tuple(sections), records=tuple(records))


def naive_render(catalog: Catalog) -> str:
    """The baseline: no escaping, no checks, no anchor rules."""
    lines = ["# " + catalog.title, "", "## Contents", ""]
    for s in catalog.sections:
        lines.append("  " * (len(s.path) - 1) + f"- [{s.name}](#{s.name.lower().replace(' ', '-')})")
    for s in catalog.sections:
        lines += ["", "#" * (len(s.path) + 1) + " " + s.name, ""]
        for r in catalog.in_section(s.key):
            line = f"- [{r.title}]({r.url})"
            if r.venue_label:
                line += f", *{r.venue_label} {r.year}*"
            if r.note:
                line += f" ({r.note})"
            line += "".join(f" \\[{t}\\]" for t in r.tags)
            if r.summary:
                line += f" - {r.summary}"
            if r.review_text:
                line += f" [Review]({r.review_path})"
            lines.append(line)
    return "\n".join(lines) + "\n"


def best_of(fn, *args) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def run() -> list[dict]:
    existing = ("# Benchmark List [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n\nIntro.\n\n"
                + readme.BEGIN + "\n" + readme.END + "\n\n## How this List Is Built\n\nOutro.\n")
    rows = []
    for name, hostile in (("plain titles and summaries", False), ("hostile titles and summaries", True)):
        cat = catalog(hostile)
        ours = best_of(readme.render, cat, existing)
        base = best_of(naive_render, cat)
        entries = sum(len(r.sections) for r in cat.records)
        rows.append({
            "benchmark": "render README",
            "case": f"{N_RECORDS:,} records ({entries:,} entries, 80 nested sections), {name}",
            "ours": f"{ours * 1000:.0f} ms",
            "baseline": f"{base * 1000:.0f} ms",
            "ratio": f"{ours / base:.1f}x the time",
            "notes": f"best of {REPEATS}; baseline: f-strings without escaping, URL checks, GitHub anchors or counts",
        })
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
