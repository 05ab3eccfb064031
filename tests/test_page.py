"""The search page as text (render/page.py), without a browser: what it embeds, how it escapes,
that it is self-contained and deterministic, and that emit writes it. The browser tests are in
tests/test_page_browser.py."""
from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from hypothesis import given, settings, strategies as st

from pipeline import config
from pipeline.machinery import files
from pipeline.model import Catalog, Creator, Notice, Record, Section
from pipeline.render import bibtex, citekeys, page
from pipeline.report import Reporter
from pipeline.stages import Options, emit
from tests.page_fixtures import generated_catalog

SECTIONS = (Section("A", "Testing", None, ("Testing",)), Section("A1", "Fuzzing", "A", ("Testing", "Fuzzing")),
            Section("B", "Debugging", None, ("Debugging",)))


def catalog(*records: Record) -> Catalog:
    return Catalog(title="A List", sections=SECTIONS, records=records)


def blocks(text: str) -> dict[str, str]:
    """{id: content} of the page's <script type="application/json"> blocks."""
    return dict(re.findall(r'<script type="application/json" id="([a-z-]+)">(.*?)</script>', text, re.S))


def data_of(text: str) -> tuple[dict, list]:
    found = blocks(text)
    return json.loads(found["papers-data"]), json.loads(found["papers-bibtex"])


def test_papers_follow_the_list_order_once_each_and_hidden_ones_are_left_out():
    records = (
        Record(key="D", title="Debugging one", sections=("B",)),
        Record(key="F", title="Fuzzing one", sections=("A1", "B")),
        Record(key="T", title="Testing one", sections=("A",)),
        Record(key="F", title="Fuzzing one", sections=("A1", "B")),        # filed twice, arrives twice
        Record(key="H", title="Hidden", sections=("A",), hidden=True),
        Record(key="N", title="In no section"),
    )
    data = page.page_data(catalog(*records))
    assert [p["key"] for p in data["papers"]] == ["T", "F", "D", "N"]
    assert [(s["key"], s["depth"], s["parent"]) for s in data["sections"]] == [
        ("A", 1, None), ("A1", 2, "A"), ("B", 1, None)]
    assert data["papers"][1]["sections"] == ["A1", "B"]


def test_a_paper_carries_its_links_and_the_bibtex_entry_of_papers_bib():
    r = Record(key="X", item_type="conferencePaper", title="<i>DeepXplore</i>: Testing", venue_label="SOSP",
               venue="Proceedings of SOSP", year=2017, url="https://dl.acm.org/doi/10.1145/3132747.3132785",
               doi="10.1145/3132747.3132785", creators=(Creator("Pei", "Kexin"), Creator(name="ACM Lab"),
                                                        Creator("Ed", "Itor", role="editor")),
               tags=("Testing",), note="Best paper award", summary="Introduces **Neuron Coverage**.",
               review_path="reviews/Deep Xplore.md", review_text=True, review_status="draft",
               sections=("A",), notices=(Notice("retraction", "10.1/r"),))
    keys, _ = citekeys.assign([r], {})
    data, entries = data_of(page.render(catalog(r), keys))
    [p] = data["papers"]
    assert p == {
        "key": "X", "title": "DeepXplore: Testing", "authors": ["Kexin Pei", "ACM Lab"], "venue": "SOSP",
        "venueFull": "Proceedings of SOSP", "year": 2017, "note": "Best paper award", "tags": ["Testing"],
        "sections": ["A"], "summary": ["Introduces ", ["b", "Neuron Coverage"], "."],
        "url": "https://dl.acm.org/doi/10.1145/3132747.3132785", "doi": "10.1145/3132747.3132785",
        "review": "reviews/Deep%20Xplore.md", "draft": True, "retracted": True,
    }
    assert entries == [bibtex.entry(r, keys["X"])]
    with_repo = page.page_data(catalog(r), keys, repository_url="https://github.com/o/r/")
    assert with_repo["papers"][0]["review"] == "https://github.com/o/r/blob/HEAD/reviews/Deep%20Xplore.md"


def test_links_that_are_not_http_are_dropped():
    r = Record(key="J", title="J", url="javascript:alert(1)", sections=("A",))
    assert "url" not in page.page_data(catalog(r))["papers"][0]
    arxiv = Record(key="R", title="R", url="file:///etc/passwd", arxiv="1904.03257", sections=("A",))
    assert page.page_data(catalog(arxiv))["papers"][0]["url"] == "https://arxiv.org/abs/1904.03257"


@pytest.mark.parametrize("markdown, runs", [
    ("Introduces **Neuron Coverage** to guide", ["Introduces ", ["b", "Neuron Coverage"], " to guide"]),
    ("*Shannon Entropy* and `z3.Solver()`", [["i", "Shannon Entropy"], " and ", ["code", "z3.Solver()"]]),
    ("a **b *c* d** e", ["a ", ["b", "b c d"], " e"]),
    ("2 * 3 * 4 and ** x **", ["2 * 3 * 4 and ** x **"]),
    (r"\*not em\* and snake_case", ["*not em* and snake_case"]),
    ("unclosed `tick and **bold", ["unclosed `tick and **bold"]),
    ("`` a ` b ``", [["code", "a ` b"]]),
    ("<script>x</script> [l](javascript:y)", ["<script>x</script> [l](javascript:y)"]),
    ("", []),
])
def test_summaries_become_runs_of_plain_bold_italic_and_code(markdown, runs):
    assert page.summary_runs(markdown) == runs


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_summary_keeps_its_text(markdown):
    runs = page.summary_runs(markdown)
    text = "".join(r if isinstance(r, str) else r[1] for r in runs)
    assert all(isinstance(r, str) or r[0] in ("b", "i", "code") for r in runs)
    # Markup characters may go, never letters: what a reader sees is the summary's words.
    assert re.sub(r"[\W_]", "", text) == re.sub(r"[\W_]", "", page.clean(markdown)) or "\\" in markdown


HOSTILE = ('</script><script>alert(1)</script>', '<!--', '<img src=x onerror=alert(2)>', '</SCRIPT >',
           '"\'&amp;<>', '\u2028\u2029', '<![CDATA[', ']]>')


@given(st.lists(st.sampled_from(HOSTILE) | st.text(), min_size=1, max_size=4))
@settings(max_examples=200, deadline=None)
def test_no_text_can_end_or_comment_out_the_data_blocks(parts):
    text = "".join(parts)
    r = Record(key="K", title=text, summary=text, note=text, tags=(text,), venue_label=text,
               creators=(Creator(family=text),), sections=("A",))
    html = page.render(Catalog(title=text, sections=(Section("A", text),), records=(r,)))
    for block in blocks(html).values():
        assert "<" not in block and ">" not in block and "&" not in block
    assert html.count("<script") == 3 and html.count("</script>") == 3
    assert "<!--" not in html
    data, _ = data_of(html)
    assert data["papers"][0]["title"] == (page.clean(page.plain_text(text)) or "Untitled (K)")


def test_the_page_is_self_contained_and_its_policy_allows_only_its_own_code():
    html = page.render(catalog(Record(key="A", title="T", url="https://e.org/p", sections=("A",))))
    assert not re.search(r"""<(script|link|img|iframe)[^>]*\s(src|href)=""", html)
    assert "@import" not in html and "url(" not in page.asset("page.css")
    assert "fetch(" not in page.asset("page.js") and "XMLHttpRequest" not in page.asset("page.js")
    assert "innerHTML" not in page.asset("page.js") and "insertAdjacentHTML" not in page.asset("page.js")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1)
    assert "default-src 'none'" in csp and "unsafe" not in csp

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    [code] = re.findall(r"<script>(.*?)</script>", html, re.S)
    [style] = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert f"script-src '{digest(code)}'" in csp and f"style-src '{digest(style)}'" in csp


def test_the_same_catalog_gives_the_same_bytes():
    big = generated_catalog(500)
    assert page.render(big) == page.render(big)
    assert page.render(big) == page.render(Catalog(title=big.title, sections=big.sections, records=big.records))


def test_emit_writes_the_page_with_the_citation_keys_of_papers_bib(project):
    settings = config.load(project, environ={})
    r = Record(key="X", title="Deep Testing", year=2020, creators=(Creator("Pei", "Kexin"),), sections=("A",))
    cat = catalog(r)
    settings.paths.records.parent.mkdir(parents=True, exist_ok=True)
    files.write_text(settings.paths.records, files.dump_json(cat))
    emit.run(settings, Options(), Reporter(verbosity=0))
    html = settings.paths.page.read_text(encoding="utf-8")
    assert settings.paths.page == project / "docs" / "index.html"
    _, entries = data_of(html)
    bib = settings.paths.bib.read_text(encoding="utf-8")
    assert entries[0].splitlines()[0] in bib.splitlines()          # the same key as papers.bib
    assert html == page.render(cat, citekeys.assign([r], {})[0])


def test_adding_a_paper_changes_a_few_lines_of_the_page():
    import difflib
    big = generated_catalog(300)
    extra = Record(key="NEW1", title="A New Paper", year=2024, sections=("S10",), summary="New.")
    before = page.render(big).splitlines()
    after = page.render(Catalog(title=big.title, sections=big.sections, records=big.records + (extra,))).splitlines()
    changed = [line for line in difflib.unified_diff(before, after, n=0, lineterm="")
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert 2 <= len(changed) <= 6, changed       # its paper line and its BibTeX line, with their neighbours' commas



def test_a_count_of_zero_citations_is_kept_for_sorting_and_an_unknown_one_left_out():
    from pipeline.model import Record
    from pipeline.render import page as page_render
    cited = page_render.paper(Record(key="ABCD2345", title="Never cited", citations=0), set())
    unknown = page_render.paper(Record(key="ABCD2346", title="Not counted"), set())
    assert cited["citations"] == 0 and "citations" not in unknown
    assert "draft" not in cited and "retracted" not in cited      # False is still left out
