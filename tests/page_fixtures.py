"""Helpers for the search page's tests and benchmark: Debian's Chromium driven by Playwright, a
generated list of any size, and the filter the page should apply, written again in Python.

Playwright only drives the browser here: it is pointed at /usr/bin/chromium (Debian's package,
which .ci/run installs), and its own browser download is never used.
"""
from __future__ import annotations

import random
import shutil
import unicodedata
from pathlib import Path

from pipeline.model import Catalog, Creator, Record, Section
from pipeline.render import page
from pipeline.render.markdown import clean
from pipeline.render.richtext import plain_text

# Debian's package (what .ci/run installs); elsewhere the Chromium or Chrome a machine has.
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
                "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def missing_browser() -> str:
    """Why the page cannot be tested in a browser here ("" when it can)."""
    if not Path(CHROMIUM).is_file():
        return "Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return ""


def launch(playwright):
    """Headless Chromium from Debian, in a fresh temporary profile (Playwright makes one per launch)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


# --- a generated list ----------------------------------------------------------------------------

_WORDS = ("deep learning testing bugs empirical study neural network reliability fuzzing debugging "
          "monitoring coverage differential oracle tensor shape numerical defects training pipeline "
          "compiler inference serving drift robustness fairness mutation repair").split()
_FAMILY = ("Pei Cao Yang Jana Wei Zhang Müller Nguyễn García O'Brien Kim Smith Chen Rossi Novak Haddad").split()
_GIVEN = ("Kexin Yinzhi Junfeng Suman Ana Lukas Minh José Sean Ji-woo Alice Bo Chiara Petr Layla").split()
VENUES = ("ICSE", "FSE", "SOSP", "NeurIPS", "TOSEM", "ISSTA", "OSDI", "MLSys")
TAGS = ("Testing", "Debugging", "LLM", "Survey")


def generated_catalog(n: int = 10_000, seed: int = 7) -> Catalog:
    """`n` papers in 8 sections of 3 sub-sections each, with authors, venues, years 2005-2024, tags,
    Markdown summaries and DOIs; one in five is filed in two sections."""
    rng = random.Random(seed)
    sections = []
    for top in range(8):
        sections.append(Section(f"S{top}", f"Topic {top}", None, (f"Topic {top}",)))
        for sub in range(3):
            sections.append(Section(f"S{top}{sub}", f"Area {top}.{sub}", f"S{top}", (f"Topic {top}", f"Area {top}.{sub}")))
    leaves = [s.key for s in sections if s.parent]

    def words(k: int) -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(k))

    records = []
    for i in range(n):
        creators = tuple(Creator(family=rng.choice(_FAMILY), given=rng.choice(_GIVEN)) for _ in range(rng.randrange(1, 6)))
        records.append(Record(
            key=f"K{i:05d}", item_type="conferencePaper", title=words(8).capitalize(), creators=creators,
            year=rng.randrange(2005, 2025), venue_label=rng.choice(VENUES), venue="Proceedings of a Venue",
            doi=f"10.1145/{i}.{rng.randrange(10**6)}", url=f"https://example.org/paper/{i}",
            tags=tuple(sorted(rng.sample(TAGS, rng.randrange(0, 3)))),
            summary=f"{words(10).capitalize()} with **{rng.choice(_WORDS)}** and `{rng.choice(_WORDS)}`.",
            review_path=f"reviews/Paper-{i}.md", review_text=i % 10 == 0,
            sections=tuple(rng.sample(leaves, 2 if i % 5 == 0 else 1))))
    return Catalog(title="Generated List", sections=tuple(sections), records=tuple(records))


# --- what the page should show, computed without the page ------------------------------------------

def fold(text: str) -> str:
    """Accents dropped, lower case: how the page compares a query with a paper."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.category(ch).startswith("M")).lower()


def expected_keys(catalog: Catalog, *, q: str = "", section: str = "", tag: str = "", venue: str = "",
                  year_from: int | None = None, year_to: int | None = None) -> list[str]:
    """Item keys the page should list for a filter, in the list's order."""
    parents = {s.key: s.parent for s in catalog.sections}

    def within(key: str) -> bool:
        seen = set()
        while key and key not in seen:
            if key == section:
                return True
            seen.add(key)
            key = parents.get(key)
        return False

    terms = fold(q).split()
    out = []
    for r, text in _searchable(catalog):
        if venue and r.venue_label != venue or tag and tag not in r.tags:
            continue
        if year_from is not None and not (r.year and r.year >= year_from):
            continue
        if year_to is not None and not (r.year and r.year <= year_to):
            continue
        if section and not any(within(s) for s in r.sections):
            continue
        if all(t in text for t in terms):
            out.append(r.key)
    return out


_SEARCHABLE: dict[int, tuple[Catalog, list]] = {}


def _searchable(catalog: Catalog) -> list[tuple[Record, str]]:
    """(record, the text a query is matched against) in list order; made once per catalog."""
    cached = _SEARCHABLE.get(id(catalog))
    if cached and cached[0] is catalog:
        return cached[1]
    out = []
    for r in page.list_order(catalog):
        title = clean(plain_text(r.title)) or f"Untitled ({clean(r.key)})"
        authors = " ".join(clean(c.name or f"{c.given} {c.family}") for c in r.creators)
        summary = "".join(run if isinstance(run, str) else run[1] for run in page.summary_runs(r.summary))
        out.append((r, fold("\n".join([title, authors, r.venue_label, r.venue, summary]))))
    _SEARCHABLE[id(catalog)] = (catalog, out)
    return out
