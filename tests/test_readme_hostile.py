"""Untrusted text cannot break the README: thousands of hostile titles, summaries, tags, venues,
notes, section names and URLs, rendered and read back with GitHub's parser (cmark-gfm), give exactly
the expected entries with exactly the expected link texts; and every item of Better BibTeX's test
library (../shared/fixtures/bbt) renders."""
from __future__ import annotations

import json
import re
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.convert import zotero
from pipeline.render.richtext import plain_text
from pipeline.model import Catalog, Record, Section
from pipeline.render import readme
from pipeline.render.markdown import Slugger, clean, link_destination, relative_link
from tests.test_readme import Node, parse

HOSTILE_PIECES = [
    "[", "]", "](", "[x](https://e.vil)", "![img](https://e.vil/i.png)", "[ref][1]", "[^1]", "`", "``", "```",
    "|", "| --- |", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<b>", "</a>", "<!--", "-->",
    readme.END, readme.BEGIN, "\n", "\r\n", "\n# Heading\n", "\n- item\n", "\n1. one\n", "\n> quote", "\n---\n",
    "\n===\n", "    indented", "\u202e", "\u2066", "\u200f", "\u200b", "\u2028", "\x00", "\x1b[31m", "\t", "مرحبا بالعالم",
    "שלום", "🚀", "👨\u200d👩\u200d👧", "🏳️\u200d🌈", "*", "**", "_", "__", "~", "~~", "\\", "\\\\", "&amp;", "&#65;",
    "&#x41;", "&copy", "$x^2$", ":smile:", "https://e.vil/x", "www.e.vil", "mailto:a@b.co", "javascript:alert(1)",
    "(", ")", "\"", "'", "#", "<", ">", "{", "}", "!", "-", " - ", "+", "=", "@", "%", "%2", "  ", "\\\n",
]

_pieces = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=8)), max_size=12).map("".join)
_unicode = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
# 10 kB strings, built by repetition so generating them costs nothing; about one string in twenty.
_long = st.builds(lambda piece: (piece * 10240)[:10240], st.sampled_from(HOSTILE_PIECES + ["Title words "]))
hostile_text = st.one_of(*[_pieces] * 14, *[_unicode] * 5, _long)
hostile_url = st.one_of(
    st.sampled_from(["https://dl.acm.org/doi/10.1145/3132747.3132785", "http://x.org/a(b)c", ""]),
    st.builds(lambda t: "https://example.org/" + t, hostile_text),
    hostile_text,
)


@st.composite
def records(draw, sections: tuple[str, ...]):
    n = draw(st.integers(min_value=30, max_value=50))
    out = []
    for i in range(n):
        out.append(Record(
            key=f"R{i:03d}",
            title=draw(hostile_text),
            url=draw(hostile_url),
            venue_label=draw(hostile_text),
            year=draw(st.none() | st.integers(1900, 2100)),
            note=draw(hostile_text),
            tags=tuple(draw(st.lists(hostile_text, max_size=3))),
            summary=draw(hostile_text),
            review_path=draw(st.builds(lambda t: f"reviews/{t}.md", hostile_text)),
            review_text=draw(st.booleans()),
            review_status=draw(st.sampled_from(["", "draft"])),
            hidden=draw(st.booleans().filter(lambda b: True)) if i % 7 == 0 else False,
            sections=tuple(draw(st.lists(st.sampled_from(sections), min_size=1, max_size=2, unique=True))),
        ))
    return out


SECTION_KEYS = ("S1", "S2", "S3")
INTRO = "# Hostile Test [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n\nIntro.\n\n"
OUTRO = "\n## Afterword\n\nOutro.\n"
ALLOWED_INLINE = {"a", "em", "strong", "code"}
_SQUASH_RE = re.compile(r"[\s*`\\]")


def squash(text: str) -> str:
    """Text without the characters curator Markdown may consume (emphasis, code, escapes, spaces)."""
    return _SQUASH_RE.sub("", text)


def expected_prefix(r: Record) -> str:
    text = clean(plain_text(r.title)) or f"Untitled ({r.key})"
    if clean(r.venue_label):
        text += f", {clean(r.venue_label)}" + (f" {r.year}" if r.year else "")
    elif r.year:
        text += f", {r.year}"          # no venue: the year alone
    if clean(r.note):
        text += f" ({clean(r.note)})"
    for tag in r.tags:
        if clean(tag):
            text += f" [{clean(tag)}]"
    return text


def descendants(node: Node) -> list[Node]:
    out = []
    for child in node.elements():
        out += [child, *descendants(child)]
    return out


def check_entry(li: Node, r: Record) -> None:
    """One <li>: exactly the record's parts, its title as the only link text it starts with."""
    tags = {d.tag for d in descendants(li)}
    assert tags <= ALLOWED_INLINE, f"{r.key}: unexpected elements {tags - ALLOWED_INLINE}"
    title = clean(plain_text(r.title)) or f"Untitled ({r.key})"
    links = li.find_all("a")
    url = readme.link_of(r)
    if url:
        first = li.children[0]
        assert isinstance(first, Node) and first.tag == "a", f"{r.key}: entry does not start with its link"
        assert first.text() == title
        assert first.attrs["href"] == url and re.fullmatch(r"https?://[!#$%&*+,\-./0-9:;=?@A-Z_a-z~]+", url)
        assert not first.elements(), f"{r.key}: markup inside the title link"
        others = links[1:]
    else:
        # No http(s) URL: the title is the entry's plain text (an e-mail address in it may be linked).
        assert li.text().startswith(title)
        others = links
    has_review = r.review_text and clean(r.review_path)
    if has_review:
        review = others.pop()
        assert review.text() == ("Review (TBD)" if r.review_status == "draft" else "Review")
        assert review.attrs["href"] == relative_link(r.review_path)
        assert ":" not in review.attrs["href"] and " " not in review.attrs["href"]
    for extra in others:
        # GitHub links a bare e-mail address whatever the escaping: allowed, as long as the link is
        # the literal address shown (see pipeline/render/markdown.py).
        address, href = extra.text(), extra.attrs["href"]
        assert "@" in address and href in (address, "mailto:" + address), f"{r.key}: extra link {extra.attrs}"
        assert not href.lower().startswith(("http:", "https:", "javascript:", "data:")), href

    text = li.text()
    prefix = expected_prefix(r)
    assert text.startswith(prefix), f"{r.key}: {text[:200]!r} does not start with {prefix[:200]!r}"
    rest = text[len(prefix):]
    if has_review:
        suffix = " Review (TBD)" if r.review_status == "draft" else " Review"
        assert rest.endswith(suffix)
        rest = rest[: -len(suffix)]
    if clean(r.summary):
        assert rest.startswith(" - ")
        assert squash(rest[3:]) == squash(clean(r.summary))
    else:
        assert rest == ""


def check_readme(catalog: Catalog, text: str) -> None:
    doc = parse(text)
    top = doc.elements()
    # Every heading of the parsed document, slugged in order as GitHub does: the ToC must point at them.
    slugger = Slugger()
    anchors = [(n, slugger.slug(n.text())) for n in top if re.fullmatch(r"h[1-6]", n.tag)]
    contents = [i for i, n in enumerate(top) if n.tag == "h2" and n.text() == "Contents"]
    assert contents, "no Contents heading"
    toc = top[contents[0] + 1]
    assert toc.tag == "ul"
    # cmark-gfm percent-encodes non-ASCII in an href, as GitHub does; the browser decodes it.
    toc_links = [urllib.parse.unquote(li.find_all("a")[0].attrs["href"]) for li in toc.elements()]

    shown = [r for r in catalog.records if not r.hidden]
    expected_sections = [s for s in catalog.sections if any(s.key in r.sections for r in shown)]
    # The parsed document after Contents: per section, its heading then exactly its entries.
    headings = [(n, a) for n, a in anchors if n.tag == "h2" and top.index(n) > contents[0]]
    assert len(headings) == len(expected_sections) + 1          # + the outro's Afterword
    for section, (heading, anchor) in zip(expected_sections, headings):
        assert heading.text() == (clean(section.name) or clean(section.key))
        assert f"#{anchor}" in toc_links
        ul = top[top.index(heading) + 1]
        assert ul.tag == "ul"
        entries = [r for r in shown if section.key in r.sections]
        lis = ul.elements()
        assert [li.tag for li in lis] == ["li"] * len(entries)
        for li, r in zip(lis, entries):
            check_entry(li, r)
    assert toc_links[-1] == f"#{headings[-1][1]}" and headings[-1][0].text() == "Afterword"
    assert readme.render(catalog, text) == text, "a second sync changed the README"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(names=st.lists(hostile_text, min_size=3, max_size=3), data=st.data())
def test_hostile_records_render_as_exactly_the_expected_entries(names, data):
    sections = tuple(Section(k, n) for k, n in zip(SECTION_KEYS, names))
    catalog = Catalog(title="Hostile", sections=sections, records=tuple(data.draw(records(SECTION_KEYS))))
    text = readme.render(catalog, INTRO + readme.BEGIN + "\n" + readme.END + "\n" + OUTRO)
    assert text.startswith(INTRO) and text.endswith(readme.END + "\n" + OUTRO)
    check_readme(catalog, text)


def test_every_hostile_piece_as_every_field():
    records = tuple(
        Record(key=f"P{i:03d}", title=f"T {p} end", url="https://example.org/" + p, venue_label=p, year=2020,
               note=p, tags=(p, f"x{p}y"), summary=f"S {p} end.", review_path=f"reviews/{p}.md", review_text=True)
        for i, p in enumerate(HOSTILE_PIECES))
    bare = tuple(Record(key=f"B{i:03d}", title=p, url=p, summary=p) for i, p in enumerate(HOSTILE_PIECES))
    catalog = Catalog(sections=(Section("S1", "Pieces"), Section("S2", "[Bare] `names` <b>")),
                      records=tuple(r.__class__(**{**r.__dict__, "sections": ("S1",)}) for r in records)
                      + tuple(r.__class__(**{**r.__dict__, "sections": ("S2",)}) for r in bare))
    check_readme(catalog, readme.render(catalog, INTRO + readme.BEGIN + "\n" + readme.END + "\n" + OUTRO))


def test_a_javascript_url_never_becomes_a_link():
    r = Record(key="J", title="Click", url="javascript:alert(1)", sections=("S1",))
    assert link_destination(r.url) == "" and readme.entry(r) == "- Click"


# --- Better BibTeX's test library --------------------------------------------------------------------

@pytest.mark.shared
def test_all_bbt_fixture_items_render(shared_dir):
    files = sorted((shared_dir / "fixtures" / "bbt").glob("*.json"))
    assert len(files) == 200
    records, unreadable = [], []
    for n, path in enumerate(files):
        doc = json.loads(path.read_text(encoding="utf-8"))
        items = doc.get("items") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            unreadable.append(path.name)     # one file is a citation-export result, not a library
            continue
        for m, item in enumerate(items):
            if not isinstance(item, dict) or not zotero.is_entry(item):
                continue
            record = zotero.to_record({**item, "key": f"BBT{n:03d}{m:03d}"})
            records.append(Record(**{**record.__dict__, "sections": (("S1", "S2", "S3")[n % 3],)}))
    assert len(unreadable) <= 1 and len(records) > 500
    catalog = Catalog(title="BBT", sections=tuple(Section(k, f"Part {k}") for k in SECTION_KEYS),
                      records=tuple(records))
    text = readme.render(catalog, INTRO + readme.BEGIN + "\n" + readme.END + "\n" + OUTRO)
    check_readme(catalog, text)
