"""Every shortcut a writer takes for common text gives exactly what its general rules give.

The writers recognise plain text (printable ASCII with nothing to escape, a capitalised ASCII name, a
plain http(s) URL) with one regex match and hand it back; everything else goes through the full rules.
Each test here runs the same input through both routes, the general one with its shortcut switched off,
on generated text that sits on and around the shortcut's boundary: LaTeX's specials, doubled and
edge spaces, no-break spaces, accents, "and" as a word, runs of 39 to 60 letters, ports, `?` and `#`
left empty, `%` and `&`.
"""
from __future__ import annotations

import contextlib
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.model import Creator
from pipeline.render import latex, markdown, names, urls

NEVER = re.compile(r"(?!)")
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PIECES = ["a", "Z", "x1", "Deep", "and", "AND", "others", "of", "iOS", "C++", "O'Brien", "J.", "van", "de", "Jr.",
          " ", " ", "  ", "\t", "\n", "\u00a0", "-", "--", ",", ".", ":", "'", '"', "`", "(", ")", "@", "=", "?",
          "\\", "{", "}", "#", "$", "%", "&", "_", "~", "^", "<", ">", "|", "[", "]", "<i>", "</i>",
          "é", "Ünal", "ß", "ﬁ", "\u0301", "α", "中文", "\u200b", "a" * 39, "B" * 40, "c" * 45, "d" * 55]
texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@contextlib.contextmanager
def general(module, name: str, value):
    """`module.name` replaced by `value` (a shortcut switched off) for the block."""
    saved = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, saved)


def both(fn, module, name, off, *args):
    fast = fn(*args)
    with general(module, name, off):
        slow = fn(*args)
    return fast, slow


@SETTINGS
@given(texts)
@example("Deep Learning: A Survey (2020)")
@example("a" * 39 + " " + "b" * 39)
@example("")
def test_latex_encoders_take_plain_text_as_the_general_rules_do(text):
    for fn in (latex.encode, latex.encode_utf8, latex.title, lambda t: latex.title(t, utf8=True)):
        fast, slow = both(fn, latex, "_plain", lambda t: False, text)
        assert fast == slow, (fn, text)


def test_the_plain_test_refuses_what_needs_work():
    assert latex._plain("Testing Deep Learning Systems: A Survey")
    for text in ("a  b", " a", "a ", "C# & F#", "50%", "x_1", "a" * 40, "Ünal", "a\tb", "[F]linders", "a<b"):
        assert not latex._plain(text), text


NAME_PIECES = ["Author352", "Smith", "O'Brien", "J.", "Mary Ann", "and", "And", "others", "van", "de", "Jr.",
               "III", "Díaz", "de León", "al-Khwarizmi", "Mc{G}", "A, B", '"von Wright"', " ", "", "Ünal", "X"]
creators = st.builds(
    Creator,
    family=st.lists(st.sampled_from(NAME_PIECES), max_size=3).map(" ".join),
    given=st.lists(st.sampled_from(NAME_PIECES), max_size=3).map(" ".join),
    name=st.sampled_from(["", "", "", "ACM", "and Co"]),
)


@SETTINGS
@given(creators)
@example(Creator(family="Author352", given="E."))
@example(Creator(family="King", given="Martin Luther, Jr."))
@example(Creator(family="And", given="Al"))
@example(Creator(family="Smith", given="Anne de"))
def test_names_take_the_shortcut_only_where_the_rules_agree(creator):
    for fn in (names.bibtex, names.biblatex):
        fast, slow = both(fn, names, "_simple", lambda c: "", creator)
        assert fast == slow, (fn, creator)


URL_PIECES = ["http", "https", "HTTPS", "javascript", "://", ":", "//", "/", "example.org", "a-b.c", "x.org.",
              ":80", ":8080", ":65536", ":99999", ":x", "?", "#", "?q=1", "#frag", "&", "&amp;", "%", "%20",
              "%zz", " ", "\t", "[", "]", "@", "user@", "é", "(", ")", "'", "~", "abs/2206.07690", "..", "-"]
urls_ = st.lists(st.sampled_from(URL_PIECES), max_size=10).map("".join)


@SETTINGS
@given(urls_)
@example("https://arxiv.org/abs/2206.07690")
@example("https://a.b/?")
@example("https://a.b/p?q#")
@example("http://host:65535/")
@example("http://example.org:99999/a")
@example("HTTP://Example.org/a?b=c#d")
def test_urls_take_the_shortcut_only_where_urlsplit_agrees(url):
    fast, slow = both(urls.safe_url, urls, "_PLAIN_URL_RE", NEVER, url)
    assert fast == slow, url
    fast, slow = both(markdown.link_destination, markdown, "_PLAIN_URL_RE", NEVER, url)
    assert fast == slow, url


@SETTINGS
@given(texts)
def test_clean_text_comes_back_as_clean_would_make_it(text):
    fast, slow = both(markdown.clean, markdown, "_is_clean", lambda v: False, text)
    assert fast == slow


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | texts | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5) | texts, inner, max_size=4),
    max_leaves=20)


@SETTINGS
@given(json_values)
@example({"title": "</script><!-- a & b \u2028", "year": 2020, "tags": ["x", "\x00\x1f\x7f"]})
def test_the_page_embeds_json_as_the_standard_library_writes_it(value):
    import json

    from pipeline.render import page

    expected = page._JSON_HTML_RE.sub(lambda m: f"\\u{ord(m.group()):04x}",
                                      json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    assert page.embed_json(value) == expected


@SETTINGS
@given(texts)
def test_plain_text_without_a_tag_is_the_text_itself(text):
    from pipeline.render import richtext

    walked = richtext.WS_RE.sub(" ", "".join(n if isinstance(n, str) else "" for n in richtext.parse_markup(text)))
    if "<" not in text:
        assert richtext.plain_text(text) == walked.strip(richtext.ASCII_WS)


@SETTINGS
@given(texts)
@example("=SUM(A1)")
@example("'quoted")
@example("a\u200bb")
def test_csv_cells_are_guarded_as_the_general_rule_guards_them(text):
    from pipeline.render import table

    cell = table.drop_controls(text)
    expected = "'" + cell if cell.startswith(table._FORMULA_START) else cell
    assert table.guard(text) == expected
