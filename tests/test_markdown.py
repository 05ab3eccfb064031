"""pipeline.render.markdown: escaping read back by GitHub's own parser, URL sanitising, and GitHub's
heading anchors (checked against github-slugger itself where Node and tools/lint are installed)."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import given, settings, strategies as st

from pipeline.render import markdown
from pipeline.render.markdown import (
    Slugger, clean, curator_inline, heading_text, inline, link_destination, relative_link, slug,
)
from pipeline.render.urls import safe_url

ROOT = Path(__file__).resolve().parents[1]
SLUGGER_JS = ROOT / "tools" / "lint" / "node_modules" / "github-slugger" / "index.js"


def to_html(markdown: str) -> str:
    # UNSAFE keeps raw HTML as HTML, so an escaping mistake shows up as a tag instead of hiding.
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


# A bare e-mail address is linked by GitHub whatever the escaping (the one autolink that cannot be
# stopped, see pipeline/render/markdown.py); such a link shows the same text and is allowed.
_MAIL_LINK_RE = re.compile(r'<a href="(?:mailto|xmpp):[^"]*">([^<]*)</a>')


def paragraph_text(markdown: str) -> str:
    """The text of a one-paragraph document, or an AssertionError if it is anything else."""
    out = to_html(markdown).strip()
    assert out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1, out
    inner = _MAIL_LINK_RE.sub(r"\1", out[3:-4])
    assert "<" not in inner, f"markup in {inner!r}"
    return html.unescape(inner)


# --- clean ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("  Deep\nLearning\r\n\tSystems ", "Deep Learning Systems"),
    ("a\u2028b\u2029c\x85d", "a b c d"),
    ("nul\x00and\x1bescape", "nul and escape"),
    ("evil\u202egnp.exe", "evilgnp.exe"),            # bidi override removed
    ("isolate\u2066x\u2069", "isolatex"),
    ("\u05e9\u05dc\u05d5\u05dd \u200fmark", "\u05e9\u05dc\u05d5\u05dd \u200fmark"),  # RTL text and marks kept
    ("family \U0001f468\u200d\U0001f469\u200d\U0001f467", "family \U0001f468\u200d\U0001f469\u200d\U0001f467"),
    ("lone \ud800 surrogate", "lone \ufffd surrogate"),
    (None, ""),
    (2021, "2021"),
])
def test_clean_makes_one_safe_line(raw, expected):
    assert clean(raw) == expected


# --- inline escaping -----------------------------------------------------------------------------

@pytest.mark.parametrize("title", [
    "DeepXplore: Automated Whitebox Testing of Deep Learning Systems",
    "CRADLE: Cross-Backend Validation to Detect and Localize Bugs in Deep Learning Libraries",
    "Empirical Studies on Machine Learning Bugs & Challenges",
    "What's (really) wrong? A study, in 3 parts - maybe.",
    "R&D at 50% off: C# / F# and #hashtags > 1 | pipes",
])
def test_plain_punctuation_is_left_as_typed(title):
    assert inline(title) == title
    assert paragraph_text(inline(title)) == title


@pytest.mark.parametrize("hostile", [
    "[x](javascript:alert(1))", "![img](https://e.vil/x.png)", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "`code` and ``more``", "*em* **strong** _u_ __uu__ ~~del~~",
    "&amp; &#65; &#x41; &copy;", "trailing backslash \\", "\\[already escaped\\]", "$x^2$ and $$y$$",
    "[^1] footnote", "<https://autolink.example>", "https://bare.example www.bare.example",
    "a\\\nb", "<!-- END GENERATED LIST -->", "[ref][1]", "|a|b|", "<div>block</div>",
])
def test_markdown_syntax_comes_out_literal(hostile):
    assert paragraph_text("x " + inline(hostile)) == "x " + clean(hostile)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
       | st.lists(st.sampled_from(list("[]()<>`*_~\\!&#;$|:/@.- \nx")), max_size=40).map("".join))
def test_inline_round_trips_through_github_markdown(text):
    assert paragraph_text(f"x {inline(text)} y") == f"x {clean(text)} y"


def test_heading_text_escapes_a_closing_sequence():
    out = to_html("## " + heading_text("C #"))
    assert html.unescape(out.strip()) == "<h2>C #</h2>"


# --- curator Markdown in summaries -----------------------------------------------------------------

def test_curator_emphasis_and_code_are_kept():
    summary = "Introduces **Neuron Coverage**, *Shannon Entropy* and `tf.function` to test."
    assert curator_inline(summary) == summary
    assert "<strong>Neuron Coverage</strong>" in to_html(curator_inline(summary))
    assert "<em>Shannon Entropy</em>" in to_html(curator_inline(summary))
    assert "<code>tf.function</code>" in to_html(curator_inline(summary))


@pytest.mark.parametrize("summary, text", [
    ("links [x](https://e.vil) stay text", "links [x](https://e.vil) stay text"),
    ("html <b>bold</b> stays text", "html <b>bold</b> stays text"),
    ("an unmatched ` backtick", "an unmatched ` backtick"),
    ("snake_case_name and ~strike~", "snake_case_name and ~strike~"),
    ("curator escape \\* star", "curator escape * star"),
    ("code `[not](a link)` inside", "code [not](a link) inside"),
])
def test_curator_text_cannot_add_links_or_html(summary, text):
    out = to_html(curator_inline(summary))
    assert "<a " not in out and "<b>" not in out
    assert html.unescape(out.replace("<code>", "").replace("</code>", "")).strip() == f"<p>{text}</p>"


# --- URLs ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://dl.acm.org/doi/10.1145/3132747.3132785",
    "https://arxiv.org/pdf/1904.03257.pdf",
    "http://example.org/a?b=c&d=e#frag",
    "https://x.org/already%20encoded",
])
def test_ordinary_urls_are_unchanged(url):
    assert link_destination(url) == url


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>", "vbscript:x", "file:///etc/passwd",
    "mailto:a@b.co", "//evil.example/x", "reviews/x.md", "", "https://", "https://exa mple.org/",
    "https://x)](javascript:alert(1))", "http://example.org:99999/a",
])
def test_other_schemes_and_broken_urls_are_refused(url):
    assert link_destination(url) == ""


def test_url_characters_that_could_end_a_link_are_encoded():
    assert link_destination("https://en.wikipedia.org/wiki/Bug_(software) x<y>") == \
        "https://en.wikipedia.org/wiki/Bug_%28software%29%20x%3Cy%3E"
    assert link_destination("https://doi.org/10.1002/(SICI)1097-4571") == "https://doi.org/10.1002/%28SICI%291097-4571"
    assert link_destination("https://bücher.example/ü?q=a b\\c`d\"e'f|g[h]i") == \
        "https://xn--bcher-kva.example/%C3%BC?q=a%20b%5Cc%60d%22e%27f%7Cg%5Bh%5Di"
    assert link_destination("https://x.org/100%") == "https://x.org/100%25"
    assert link_destination("HTTPS://X.org/a") == "https://X.org/a"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["https", "HTTP", "javascript", "://", "//", "x.org", ":80", ":65535", ":65536",
                                 ":99999", "/a b", "\t", "é", "[::1]", "user@", "?q=1&amp;", "#f", "%"]),
                max_size=8).map("".join))
def test_the_readme_links_only_what_every_other_output_links(url):
    # One rule says which links may be followed (urls.safe_url); the README only writes them its own way.
    assert not link_destination(url) or safe_url(markdown.clean(url))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60, alphabet=st.characters(blacklist_categories=("Cs",))))
def test_any_link_destination_is_one_inert_link(tail):
    url = link_destination("https://example.org/" + tail)
    assert url.startswith("https://example.org/")
    out = to_html(f"[t]({url})")
    assert out.count("<a ") == 1 and f'href="{html.escape(url, quote=True)}"' in out.replace("&amp;", "&amp;")


def test_review_paths_are_percent_encoded():
    assert relative_link("reviews/My Review (v2).md") == "reviews/My%20Review%20%28v2%29.md"
    assert relative_link("reviews/javascript:alert(1).md") == "reviews/javascript%3Aalert%281%29.md"
    assert relative_link("/reviews/a.md") == "reviews/a.md"


# --- GitHub anchors --------------------------------------------------------------------------------

@pytest.mark.parametrize("heading, anchor", [
    ("ML Bug Detection", "ml-bug-detection"),
    ("Empirical Studies on Machine Learning Bugs & Challenges", "empirical-studies-on-machine-learning-bugs--challenges"),
    ("Storage & File Systems", "storage--file-systems"),
    ("C++ / Rust", "c--rust"),
    ("Q&A", "qa"),
    ("2020–2024 Papers", "20202024-papers"),
    ("Emoji 🚀 Section", "emoji--section"),
    ("Café Über", "café-über"),
    ("日本語 セクション", "日本語-セクション"),
    ("snake_case stays", "snake_case-stays"),
    ("Ⓐ circled", "ⓐ-circled"),
    ("tab\tand\u00a0nbsp", "tabandnbsp"),
])
def test_slug_matches_github(heading, anchor):
    assert slug(heading) == anchor


def test_duplicates_are_numbered_over_the_whole_document():
    slugger = Slugger()
    got = [slugger.slug(h) for h in ["echo", "echo", "echo 1", "echo-1", "echo", "Empirical Studies",
                                     "Empirical Studies"]]
    assert got == ["echo", "echo-1", "echo-1-1", "echo-1-2", "echo-2", "empirical-studies", "empirical-studies-1"]


def test_headings_read_hand_written_markup_as_github_renders_it():
    from pipeline.render.readme import headings

    text = ("# Awesome ML [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n\n"
            "## How **this** list is `built`\n\n## [Link](https://x.org) \\& more &amp; more\n\n"
            "## A [nested [bracket]](u) heading\n\n```\n## not a heading\n```\n\n<!--\n## nor this\n-->\n\n"
            "Setext *two*\n---\n\n    ## indented code\n")
    assert headings(text) == [(1, "Awesome ML"), (2, "How this list is built"), (2, "Link & more & more"),
                              (2, "A nested [bracket] heading"), (2, "Setext two")]
    assert Slugger().slug(headings(text)[3][1]) == "a-nested-bracket-heading"


def _github_slugger(texts: list[str]) -> list[str]:
    script = (f"import {{slug}} from {json.dumps(SLUGGER_JS.as_uri())};"
              "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>"
              "console.log(JSON.stringify(JSON.parse(s).map(t=>slug(t)))));")
    done = subprocess.run(["node", "--input-type=module", "-e", script], input=json.dumps(texts),
                          capture_output=True, text=True, check=True, timeout=60)
    return json.loads(done.stdout)


@pytest.mark.tools
def test_slug_agrees_with_github_slugger():
    if not shutil.which("node") or not SLUGGER_JS.is_file():
        pytest.skip("needs node and tools/lint/node_modules (cd tools/lint && npm install --no-audit --no-fund)")
    # Every code point up to U+086F (Latin, Greek, Cyrillic, Hebrew, Arabic... and all ASCII and
    # Latin-1 punctuation), CJK, emoji and the Other_Alphabetic symbols, each between two letters.
    # Characters assigned after Unicode 13 (github-slugger's table) are left out on purpose: Python
    # 3.11 knows Unicode 14, so for those the two legitimately disagree.
    points = [*range(0x20, 0x870), *range(0x2000, 0x2BFF), *range(0x3000, 0x30FF), *range(0x4E00, 0x4F00),
              *range(0x1F300, 0x1F650), *range(0x1F130, 0x1F18A), 0xFE0F, 0x200D, 0xFEFF]
    texts = [f"a{chr(p)}b" for p in points if not 0xD800 <= p <= 0xDFFF]
    texts += ["Storage & File Systems", "Ça va? Σίσυφος ΣΑΣ", "Ünïcödé — dashes – and … dots", "x\u0301y"]
    expected = _github_slugger(texts)
    mismatches = [(t, e, slug(t)) for t, e in zip(texts, expected) if slug(t) != e]
    assert mismatches == []
