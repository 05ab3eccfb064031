"""The search page in headless Chromium (Debian's package): typing, filters, shared URLs, the keyboard,
a phone's width, 10,000 papers and hostile text. Skipped with a reason where Chromium or Playwright
is missing; .ci/run installs both.

The page is opened from a file:// URL, as a clone opens docs/index.html. Every test also checks that
the page made no request beyond its own file.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from pipeline.model import Catalog, Creator, Record, Section, catalog_from_dict
from pipeline.render import bibtex, citekeys, page
from pipeline.render.markdown import clean
from tests.conftest import ROOT
from tests.page_fixtures import expected_keys, generated_catalog, launch, missing_browser

pytestmark = pytest.mark.tools


@pytest.fixture(scope="module")
def browser():
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


class Page:
    """One tab on a page file, recording requests, dialogs and script errors."""

    def __init__(self, browser, path, fragment: str = "", **context):
        self.context = browser.new_context(**context)
        self.tab = self.context.new_page()
        self.requests, self.dialogs, self.errors = [], [], []
        self.tab.on("request", lambda r: self.requests.append(r.url))
        self.tab.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.tab.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = path.as_uri()
        self.tab.goto(self.url + fragment)
        self.settle()

    def settle(self) -> None:
        """Wait until the typed query has been applied (the page debounces typing)."""
        self.tab.wait_for_function("() => document.getElementById('filters').dataset.pending === ''")

    def shown(self) -> list[str]:
        return self.tab.eval_on_selector_all("#results > li", "els => els.map(e => e.dataset.key)")

    def count(self) -> int:
        return int(self.tab.get_attribute("#results", "data-count"))

    def all_matches(self) -> list[str]:
        """Every listed key, pressing "Show more" until the list is complete."""
        # In one go in the page: scrolling may draw the last chunk between a check and a click.
        self.tab.evaluate("() => { const more = document.getElementById('more'); while (!more.hidden) more.click(); }")
        return self.shown()

    def type(self, text: str) -> None:
        self.tab.fill("#q", "")
        self.tab.locator("#q").press_sequentially(text, delay=15)
        self.settle()

    def fragment(self) -> str:
        return self.tab.evaluate("location.hash")

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert {u.split("#")[0] for u in self.requests} <= {self.url}, self.requests
        self.context.close()


@pytest.fixture
def opened(browser):
    tabs = []

    def open_(path, fragment="", **context) -> Page:
        tab = Page(browser, path, fragment, **context)
        tabs.append(tab)
        return tab
    yield open_
    for tab in tabs:
        tab.close()


def write_page(tmp_path, catalog: Catalog, name: str = "index.html"):
    path = tmp_path / name
    path.write_text(page.render(catalog), encoding="utf-8")
    return path


# --- the curator's list, built from the committed project -----------------------------------------

@pytest.fixture(scope="module")
def curator(tmp_path_factory):
    """docs/index.html as `make` builds it from a copy of the committed project, and its catalog."""
    root = tmp_path_factory.mktemp("project")
    for name in ("pipeline.toml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    for name in ("data", "reviews"):
        shutil.copytree(ROOT / name, root / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOTERO_", "CROSSREF_", "DBLP_"))}
    for stage in ("merge", "emit"):
        done = subprocess.run([sys.executable, "-m", "pipeline", stage, "--offline", "--root", str(root)],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        assert done.returncode == 0, done.stderr
    import json
    catalog = catalog_from_dict(json.loads((root / "build" / "records.json").read_text(encoding="utf-8")))
    return root / "docs" / "index.html", catalog


def test_curator_list_shows_every_paper_once_in_list_order(opened, curator):
    path, catalog = curator
    tab = opened(path)
    keys = expected_keys(catalog)
    assert len(keys) == len({r.key for r in catalog.records if not r.hidden}) > 10
    assert tab.shown() == keys
    assert tab.tab.text_content("#status") == f"{len(keys)} papers"


def test_typing_a_query_shows_exactly_the_matching_papers(opened, curator):
    path, catalog = curator
    tab = opened(path)
    tab.type("deepxplore")
    [deepxplore] = [r.key for r in catalog.records if r.title.startswith("DeepXplore")]
    assert tab.shown() == [deepxplore]
    for query in ("empirical study", "Deep learning", "icse", "differential testing", "shape errors"):
        tab.type(query)
        want = expected_keys(catalog, q=query)
        assert want, query
        assert tab.shown() == want, query
    tab.type("no such paper anywhere")
    assert tab.shown() == [] and "No paper matches" in tab.tab.text_content("#status")


def test_choosing_filters_shows_exactly_the_matching_papers(opened, curator):
    path, catalog = curator
    tab = opened(path)
    tab.tab.select_option("#venue", "ICSE")
    want = expected_keys(catalog, venue="ICSE")
    assert len(want) >= 3 and tab.shown() == want
    tab.tab.select_option("#from", "2021")
    tab.tab.select_option("#to", "2022")
    assert tab.shown() == expected_keys(catalog, venue="ICSE", year_from=2021, year_to=2022)
    assert tab.fragment() == "#venue=ICSE&from=2021&to=2022"
    tab.tab.click("#clear")
    detection = next(s.key for s in catalog.sections if s.name == "ML Bug Detection")
    tab.tab.select_option("#section", detection)
    assert tab.shown() == expected_keys(catalog, section=detection) and len(tab.shown()) >= 5


def test_a_shared_url_restores_the_filter_and_its_papers(opened, curator):
    path, catalog = curator
    tab = opened(path, "#q=deep%20learning&venue=ICSE&from=2020")
    assert tab.tab.input_value("#q") == "deep learning"
    assert tab.tab.input_value("#venue") == "ICSE" and tab.tab.input_value("#from") == "2020"
    want = expected_keys(catalog, q="deep learning", venue="ICSE", year_from=2020)
    assert want and tab.shown() == want
    # The address a reader copies after filtering opens the same papers in a new tab.
    tab.type("neural")
    address = tab.tab.url
    again = opened(path, "#" + address.split("#", 1)[1])
    assert again.shown() == expected_keys(catalog, q="neural", venue="ICSE", year_from=2020)
    # Following a link to another filter on the same page applies it too.
    tab.tab.evaluate("location.hash = '#venue=SOSP'")
    tab.tab.wait_for_function("() => document.getElementById('venue').value === 'SOSP'")
    assert tab.shown() == expected_keys(catalog, venue="SOSP") and tab.tab.input_value("#q") == ""


def test_each_paper_links_its_paper_doi_review_and_bibtex(opened, curator):
    path, catalog = curator
    tab = opened(path, "#q=deepxplore")
    record = next(r for r in catalog.records if r.title.startswith("DeepXplore"))
    row = tab.tab.locator("#results > li").first
    assert row.locator("h2 a").get_attribute("href") == "https://dl.acm.org/doi/10.1145/3132747.3132785"
    links = {a.text_content(): a.get_attribute("href") for a in row.locator(".links a").all()}
    assert links["Paper"] == "https://dl.acm.org/doi/10.1145/3132747.3132785"
    if record.review_text:
        assert links["Review"] == "../" + record.review_path.replace(" ", "%20")
    keys, _ = citekeys.assign(list(catalog.records), {})
    row.locator("summary").click()
    entry = bibtex.entry(record, keys[record.key])
    assert row.locator("pre").text_content() == entry
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    row.locator("button.copy").click()
    tab.tab.wait_for_function("() => document.querySelector('#results .copy').textContent === 'Copied'")
    assert tab.tab.evaluate("() => navigator.clipboard.readText()") == entry


# --- keyboard and phone ----------------------------------------------------------------------------

def test_every_control_has_a_label_and_the_keyboard_reaches_them_in_order(opened, curator):
    path, _ = curator
    tab = opened(path)
    unlabeled = tab.tab.evaluate(
        "[...document.querySelectorAll('input, select')].filter(e => !e.labels.length).map(e => e.id)")
    assert unlabeled == []
    order = []
    for _ in range(12):
        tab.tab.keyboard.press("Tab")
        order.append(tab.tab.evaluate("document.activeElement.id || document.activeElement.className"))
    assert order[:11] == ["skip", "q", "section", "tag", "venue", "sort", "oa", "from", "to", "share", "clear"]
    # From the keyboard alone: "/" jumps to the search, typing and Enter filter, a tag chip filters.
    tab.tab.keyboard.press("Escape")
    tab.tab.focus("#share")
    tab.tab.keyboard.press("/")
    assert tab.tab.evaluate("document.activeElement.id") == "q"
    tab.tab.keyboard.type("tensor")
    tab.tab.keyboard.press("Enter")
    assert tab.tab.evaluate("document.getElementById('filters').dataset.pending") == ""
    assert len(tab.shown()) == 1
    tab.tab.focus("#results .chip.section")
    tab.tab.keyboard.press("Enter")
    assert tab.tab.input_value("#section") != ""


def test_a_phone_sees_the_page_without_sideways_scrolling(opened, curator):
    path, _ = curator
    tab = opened(path, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    assert tab.tab.evaluate("document.documentElement.scrollWidth") <= 390
    box = tab.tab.locator("#q").bounding_box()
    assert box["width"] > 250 and box["height"] >= 40          # a thumb-sized search field
    # The filters start folded under one "Filters" toggle, so the first papers show on the first screen.
    assert not tab.tab.is_visible("#venue")
    assert tab.tab.locator("#results > li").first.bounding_box()["y"] < 844
    tab.tab.tap("#panel-toggle")
    assert tab.tab.is_visible("#venue") and tab.tab.is_visible("#to")
    tab.tab.select_option("#venue", "ICSE")
    assert tab.tab.text_content("#panel-toggle") == "Filters (1 set)"
    tab.tab.tap("#results .chip.section")
    assert tab.tab.input_value("#section") != ""


# --- 10,000 papers ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big(tmp_path_factory):
    base = generated_catalog(10_000)
    planted = (
        Record(key="P1", title="Zyxwvut Silent Errors at Scale", year=2024, venue_label="OSDI", sections=("S11",),
               creators=(Creator(family="Ångström", given="Åsa"),), summary="Finds **silent** errors."),
        Record(key="P2", title="Quiet Failures", year=2024, venue_label="SOSP", sections=("S72",),
               summary="Another zyxwvut study of *silent* errors."),
    )
    catalog = Catalog(title=base.title, sections=base.sections, records=base.records + planted)
    return write_page(tmp_path_factory.mktemp("big"), catalog), catalog


def test_ten_thousand_papers_search_and_filter_exactly(opened, big):
    path, catalog = big
    tab = opened(path)
    assert tab.count() == 10_002 and len(tab.shown()) == 50       # drawn in chunks
    tab.type("zyxwvut")
    assert tab.shown() == ["P1", "P2"]
    tab.type("angstrom silent")                                    # accents folded both ways
    assert tab.shown() == ["P1"]
    tab.type("")
    tab.tab.select_option("#venue", "OSDI")
    tab.tab.select_option("#tag", "Testing")
    tab.tab.select_option("#from", "2010")
    tab.tab.select_option("#to", "2016")
    want = expected_keys(catalog, venue="OSDI", tag="Testing", year_from=2010, year_to=2016)
    assert 50 < len(want) < 400 and tab.count() == len(want)
    assert tab.all_matches() == want
    tab.tab.select_option("#section", "S1")
    chip = tab.tab.text_content("#results .chip.section")
    assert chip.startswith("Topic 1 \u203a Area 1."), chip        # a sub-section names its parent
    want = expected_keys(catalog, venue="OSDI", tag="Testing", year_from=2010, year_to=2016, section="S1")
    assert want and tab.all_matches() == want
    shared = opened(path, "#q=fuzzing%20oracle&section=S3&from=2020")
    want = expected_keys(catalog, q="fuzzing oracle", section="S3", year_from=2020)
    assert shared.count() == len(want) and shared.shown() == want[:50]


def test_show_more_adds_rows_and_moves_focus_to_them(opened, big):
    path, _ = big
    tab = opened(path)
    tab.tab.focus("#more")
    tab.tab.wait_for_timeout(300)
    assert len(tab.shown()) == 50          # focusing the button (which scrolls to it) draws nothing
    tab.tab.keyboard.press("Enter")
    assert len(tab.shown()) >= 250
    assert tab.tab.evaluate("document.activeElement.closest('li').dataset.key") == tab.shown()[50]


# --- hostile text ----------------------------------------------------------------------------------

HOSTILE = (
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    '</script><script>window.__pwned=2;alert(2)</script>',
    '<!--<script>alert(3)</script>',
    '"><svg onload=alert(4)>',
    "\u2028</ScRiPt ><iframe srcdoc='<script>parent.__pwned=5</script>'>",
)


def test_hostile_titles_and_summaries_stay_text(opened, tmp_path):
    records = tuple(
        Record(key=f"H{i}", title=text, summary=f"**{clean(text)}** and `{clean(text)}`", note=text, tags=(text,),
               venue_label=text, url="javascript:alert(9)", doi='10.1/"><img src=x onerror=alert(8)>',
               creators=(Creator(family=text),), review_path=f"reviews/{text}.md", review_text=True,
               sections=("S",), year=2020)
        for i, text in enumerate(HOSTILE))
    catalog = Catalog(title="<script>alert(0)</script>", sections=(Section("S", '<b onclick="alert(6)">S</b>'),),
                      records=records)
    tab = opened(write_page(tmp_path, catalog))
    assert tab.shown() == [r.key for r in records]
    titles = tab.tab.eval_on_selector_all("#results h2", "els => els.map(e => e.textContent)")
    assert titles == [clean(t) for t in HOSTILE]             # one line of text, as in the README
    summaries = tab.tab.eval_on_selector_all("#results .summary", "els => els.map(e => e.textContent)")
    assert summaries == [f"{clean(t)} and {clean(t)}" for t in HOSTILE]
    injected = tab.tab.evaluate("""() => ({
        pwned: window.__pwned, scripts: document.scripts.length,
        bad: document.querySelectorAll('img, svg, iframe, main script, #results b').length,
        hrefs: [...document.querySelectorAll('#results a')].map(a => a.getAttribute('href'))})""")
    assert injected["pwned"] is None and injected["scripts"] == 3 and injected["bad"] == 0   # ours: data, bibtex, code
    assert not any(h.lower().startswith("javascript") for h in injected["hrefs"])
    assert tab.tab.title() == "<script>alert(0)</script>"
    tab.tab.select_option("#tag", HOSTILE[1])        # a hostile tag is a working filter value
    assert tab.shown() == ["H1"] and "script" in tab.fragment()


def test_most_cited_first_and_open_access_only(opened, tmp_path):
    def paper(key, title, **fields):
        return Record(key=key, title=title, sections=("S",), year=2020, **fields)

    records = (paper("A", "Alpha", citations=5, doi="10.1/a"),
               paper("B", "Beta", citations=50, doi="10.1/b", oa_url="https://repository.example/b.pdf"),
               paper("C", "Gamma", url="https://arxiv.org/abs/2101.00001"),
               paper("D", "Delta", citations=3, url="https://publisher.example/d"))
    tab = opened(write_page(tmp_path, Catalog(title="T", sections=(Section("S", "S"),), records=records)))
    tab.tab.select_option("#sort", "cited")
    assert tab.shown() == ["B", "A", "D", "C"]           # no known count: last
    tab.tab.select_option("#oa", "1")
    assert tab.shown() == ["B", "C"] and tab.fragment() == "#oa=1&sort=cited"
    links = tab.tab.eval_on_selector_all('#results li[data-key="B"] h2 a', "els => els.map(e => [e.textContent, e.href])")
    assert links == [["Beta", "https://doi.org/10.1/b"], ["PDF", "https://repository.example/b.pdf"]]
