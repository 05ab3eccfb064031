"""Zotero note HTML -> Markdown: read back through cmark-gfm (GitHub's parser), nothing raw survives."""
from __future__ import annotations

import json
import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from hypothesis import given, settings, strategies as st

from pipeline.convert.notes import safe_href, starts_with_summary, summary_text, to_markdown

# A review as Zotero 7's note editor writes it, with what a hostile group member could add.
REVIEW_HTML = """<div data-schema-version="8"><h1>Review of <span style="color: #ff2020">DeepXplore</span></h1>
<p>It uses <strong>neuron coverage</strong> and <em>differential</em> testing.
See <a href="https://example.org/paper x">the paper</a>, <a href="javascript:alert(1)">bad</a> and
<a onclick="steal()" href="http://a.b/(c)">c</a>.</p>
<ul><li><p>First point</p><ul><li><p>nested one</p></li><li><p>nested <code>two `x`</code></p></li></ul></li>
<li><p>Second point</p><ol start="3"><li><p>three</p></li><li><p>four</p></li></ol></li></ul>
<script>alert("x")</script><style>p { color: red }</style><iframe src="http://evil.example"></iframe>
<table><tr><th>Model</th><th>Acc | %</th></tr><tr><td>A<br>B</td><td><code>a|b</code></td></tr><tr><td>only</td></tr></table>
<p>1. not a list<br>- nor this<br># nor a heading &lt;script&gt;alert(1)&lt;/script&gt; *stars* _under_ snake_case &amp;amp; R&amp;D</p>
<pre class="language-python">def f():
    return `x` &lt; 1</pre>
<blockquote><p>quoted</p><p>two</p></blockquote><hr><p><img src=x onerror=alert(1)>after the image</p>
<p><span style="background:url(javascript:alert(1))"><u>underlined</u> <s>struck</s></span></p>
</div>"""


def html_of(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown)


def assert_no_raw_html(markdown: str) -> str:
    # Rendered with raw HTML allowed (UNSAFE): any tag the Markdown let through would be in the output.
    unsafe = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    assert unsafe == html_of(markdown), "the Markdown holds raw HTML"
    assert "raw HTML omitted" not in html_of(markdown)
    for closing, name, attrs in re.findall(r"<(/?)([A-Za-z][A-Za-z0-9]*)([^>]*)>", unsafe):
        assert name in MARKDOWN_TAGS, name
        for attr, value in re.findall(r'([a-z-]+)="([^"]*)"', attrs):
            assert attr in ("href", "start", "lang"), attr
            assert attr != "href" or value.startswith(("http://", "https://")), value
    return unsafe


# Every tag cmark-gfm makes from Markdown syntax (and nothing that runs, styles or embeds).
MARKDOWN_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code", "em",
                 "strong", "del", "a", "hr", "br", "table", "thead", "tbody", "tr", "th", "td"}


def test_a_real_shaped_review_converts_to_the_structure_it_had():
    md = to_markdown(REVIEW_HTML)
    out = assert_no_raw_html(md)
    assert "<h1>Review of DeepXplore</h1>" in out
    assert "<strong>neuron coverage</strong>" in out and "<em>differential</em>" in out
    assert '<a href="https://example.org/paper%20x">the paper</a>' in out
    assert "bad" in out and 'href="http://a.b/%28c%29"' in out
    # nested lists: a bullet list inside a bullet list, an ordered list that keeps its start
    assert re.search(r"<li>\s*(<p>)?First point(</p>)?\s*<ul>\s*<li>nested one</li>", out)
    assert "<code>two `x`</code>" in out
    assert '<ol start="3">' in out and "<li>three</li>" in out
    # the table is a GFM table, its pipes escaped, its line break a space
    assert "<th>Acc | %</th>" in out and "<td>A B</td>" in out and "<td><code>a|b</code></td>" in out
    assert out.count("<tr>") == 3
    # text that looks like Markdown stays text
    assert "1. not a list<br />" in out and "- nor this<br />" in out
    assert "# nor a heading &lt;script&gt;alert(1)&lt;/script&gt; *stars* _under_ snake_case &amp;amp; R&amp;D" in out
    assert '<pre lang="python"><code>def f():\n    return `x` &lt; 1\n</code></pre>' in out
    assert "<blockquote>\n<p>quoted</p>\n<p>two</p>\n</blockquote>" in out
    assert "<hr />" in out and "<p>after the image</p>" in out
    assert "<p>underlined <del>struck</del></p>" in out
    assert "alert(\"x\")" not in out and "color: red" not in out


def test_the_markdown_reads_as_a_person_would_write_it():
    md = to_markdown(REVIEW_HTML)
    assert md.startswith("# Review of DeepXplore\n\nIt uses **neuron coverage** and *differential* testing.")
    assert "- First point\n  - nested one\n  - nested `` two `x` ``\n- Second point\n" in md
    assert "| Model | Acc \\| % |\n|---|---|\n| A B | `a\\|b` |\n| only |  |" in md
    assert md.endswith("\n") and not md.endswith("\n\n")
    assert to_markdown(REVIEW_HTML) == md, "deterministic"


def test_the_recorded_note_keeps_its_heading_and_drops_its_images(shared_dir):
    golden = json.loads((shared_dir / "fixtures/zotero/web-library/test-user-get-items-golden.json").read_text())
    note = next(o for o in golden if o["data"]["itemType"] == "note")
    md = to_markdown(note["data"]["note"])
    assert md == "# Photos\n"
    assert_no_raw_html(md)


@pytest.mark.parametrize("href, expected", [
    ("https://x.org/a b", "https://x.org/a%20b"),
    ("  http://x.org/\n(y)  ", "http://x.org/%28y%29"),
    ("javascript:alert(1)", ""), ("JaVaScRiPt:alert(1)", ""), ("java\nscript:alert(1)", ""),
    ("data:text/html,<script>", ""), ("vbscript:x", ""), ("/relative", ""), ("mailto:a@b.c", ""),
    ("https://x.org/<b>", "https://x.org/%3Cb%3E"),
])
def test_links_keep_only_http_targets_that_cannot_end_early(href, expected):
    assert safe_href(href) == expected


def test_hostile_markup_leaves_nothing_that_runs():
    hostile = ('<p onmouseover="x()">a<script>b</script><SCRIPT>c</SCRIPT><scr<script>x</script>ipt>d</p>'
               '<svg><script>e</script></svg><math><mi>f</mi></math><object data="g"></object>'
               '<a href="&#106;avascript:alert(1)">h</a><a href=" javascript:alert(1)">i</a>'
               '<form><input value="j"><button>k</button></form><textarea>l</textarea>'
               '<noscript><p>m</p></noscript><template><p>n</p></template><p>&lt;img src=x onerror=alert(1)&gt;</p>'
               '<style>@import "x"</style><iframe srcdoc="<script>o</script>"></iframe><p>[p](javascript:q)</p>')
    md = to_markdown(hostile)
    out = assert_no_raw_html(md)
    for gone in "bcefgjklmno":
        assert not re.search(rf"\b{gone}\b", re.sub(r"<[^>]+>", " ", out)), gone
    assert "href" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "[p](javascript:q)" in out, "text that looks like a link stays text"


def test_unclosed_and_misnested_tags_still_convert():
    md = to_markdown("<p>one<p>two<ul><li>a<li>b</ul><b><i>both</b></i> <table><tr><td>x<td>y<tr><td>z</table>")
    out = assert_no_raw_html(md)
    assert "<p>one</p>" in out and "<p>two</p>" in out
    assert "<li>a</li>" in out and "<li>b</li>" in out
    assert "<em><strong>both</strong></em>" in out
    assert "<th>x</th>" in out and "<td>z</td>" in out


def test_empty_and_whitespace_notes_give_nothing():
    assert to_markdown("") == "" and to_markdown("<div><p> </p><script>x</script></div>") == ""


def test_summary_notes_give_one_line():
    assert starts_with_summary("<div><p>Summary: a <b>tool</b></p><p>more</p></div>")
    assert not starts_with_summary("<p>Review</p><p>Summary: x</p>")
    assert summary_text("<p><strong>Summary:</strong> A <em>static</em> analyzer.</p><p>Second.</p>") == \
        "A *static* analyzer. Second."
    assert summary_text("<h1>Summary</h1><p>Finds <code>NaN</code> bugs</p>") == "Finds `NaN` bugs"
    assert "\n" not in summary_text(REVIEW_HTML)


TAGS = st.sampled_from(["p", "div", "span", "b", "i", "em", "code", "ul", "ol", "li", "h2", "table", "tr",
                        "td", "th", "blockquote", "pre", "a", "script", "s", "br", "hr", "u"])
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@st.composite
def html_soup(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 3 and draw(st.booleans()):
            tag = draw(TAGS)
            attrs = ' href="https://x.org/a"' if tag == "a" else ' style="color:red" onclick="x()"'
            parts.append(f"<{tag}{attrs}>{draw(html_soup(depth + 1))}</{tag}>")
        else:
            parts.append(draw(TEXT).replace("&", "&amp;").replace("<", "&lt;"))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(html_soup())
def test_any_note_converts_to_markdown_without_raw_html(html):
    md = to_markdown(html)
    assert_no_raw_html(md)
    assert to_markdown(html) == md
