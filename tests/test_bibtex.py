"""The .bib writer: escaping, rich text, case protection, entry types, and a real compile."""
from __future__ import annotations

import shutil

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser
from hypothesis import example, given, settings, strategies as st

from pipeline.model import Creator, Record
from pipeline.render import bibtex, latex
from pipeline.validate import bibtex as validate


def parse(bib: str) -> list[dict]:
    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False)
    return bibtexparser.loads(bib, parser=parser).entries


def one(record: Record, key: str = "key1") -> str:
    return bibtex.render([record], {record.key: key})


def field(bib: str, name: str) -> str:
    for line in bib.splitlines():
        if line.startswith(f"  {name} = "):
            return line[len(f"  {name} = "):].rstrip(",")
    raise KeyError(name)


# --- properties: whatever the title, the .bib stays one well-formed entry ---------------------------

@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=80), family=st.text(max_size=15), venue=st.text(max_size=30))
def test_any_text_gives_exactly_one_balanced_entry(title, family, venue):
    record = Record(key="K1", title=title, creators=(Creator(family=family, given="A"),), venue=venue, year=2020)
    bib = one(record)
    entries = parse(bib)
    assert len(entries) == 1 and entries[0]["ID"] == "key1"
    for name in ("title", "author", "journal"):
        if name in entries[0]:
            assert latex.balanced(entries[0][name])
    assert latex.balanced(latex.title(title))


_LATIN = st.text(alphabet=st.sampled_from(
    [chr(c) for c in range(32, 127)] + list("éèêëàâäçñöøüßÉÖÅŁłœæ\u00a0")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=_LATIN)
@example(text="$0\u00a00$")      # a no-break space between dollars is no maths (it recursed for ever)
def test_escaping_reads_back_as_the_same_text(text):
    # Markup-free text: what the reader gets is what Zotero holds (whitespace collapsed). (Braces that
    # pair up are markup too: test_typed_braces_protect_what_they_hold.)
    # A typed `>` and a formula `$>$` print the same: `{$>$}`.)
    text = text.replace("<", "(").replace("{", "(").replace(">", ")")
    assert latex.decode(latex.title(text)) == latex.plain_text(text)


# --- escaping and rich text -------------------------------------------------------------------------

@pytest.mark.parametrize("char, latex_form, in_a_name", [
    ("\\", r"{\textbackslash}", None), ("{", r"{\textbraceleft}", None), ("}", r"{\textbraceright}", None),
    ("#", r"\#", r"{\#}"), ("$", r"\$", r"{\$}"), ("%", r"\%", r"{\%}"), ("&", r"\&", r"{\&}"), ("_", r"\_", r"{\_}"),
    ("~", r"{\textasciitilde}", None), ("^", r"{\textasciicircum}", None), ("[", "[", "{[}"), ("<", "{$<$}", r"{\textless}"),
])
def test_specials_are_escaped(char, latex_form, in_a_name):
    # A field takes Better BibTeX's bare `\&` (no letter a style could change); a name, whose first
    # letters alpha cuts into labels and natbib puts in `\bibitem[...]`, only special characters.
    assert latex.encode(f"a{char}b") == f"a{latex_form}b"
    assert latex.encode_name(f"a{char}b") == f"a{in_a_name or latex_form}b"


def test_non_ascii_becomes_latex_and_what_has_none_is_transliterated():
    # Better BibTeX's spelling: a symbol accent bare in a field (`f\"ur`), braced in a name; an accent named by a
    # letter, or over a dotless i, always a special character.
    assert latex.encode("Rädler Straße Łódź naïve ő") == r"R\"adler Stra{\ss}e {\L}\'od\'z na{\"\i}ve {\H o}"
    assert latex.encode_name("Rädler Łódź") == r"R{\"a}dler {\L}{\'o}d{\'z}"
    assert not latex.transliterated("Rädler Straße Łódź naïve")
    assert latex.encode("王小明 – 5\u00a0µm") == r"WangXiaoMing -- 5~{\textmu}m"
    assert latex.transliterated("王小明") and latex.transliterated("Привет") and latex.transliterated("🚀")
    assert latex.encode("Привет 🚀 שלום") == "Privet :rocket: slvm"
    assert latex.encode("zero\u200bwidth") == "zerowidth"
    # A lone Greek letter is math; a Greek word is transliterated.
    assert latex.encode("α-synuclein") == r"{$\alpha$}-synuclein" and not latex.transliterated("α-synuclein")
    assert latex.encode_name("α") == r"{\ensuremath{\alpha}}"
    assert latex.encode("Καρυωτάκης") == "Karyotakis"
    assert latex.encode("≤ ∑ € ·") == r"{$\leq$} {$\sum$} {\texteuro} {$\cdot$}"
    assert latex.encode("H₂O") == r"H{$_2$}O" and latex.encode_name("H₂O") == r"H{\textsubscript{2}}O"


def test_every_command_is_a_bibtex_special_character():
    # A group opening with a backslash at depth 0: text.prefix$, change.case$ and purify$ take it whole.
    # In a field, a backslash before a symbol (`\&`, `\"u`) may stand bare: no letter of the command can
    # change case, and only a name is cut into labels.
    out = latex.encode("\\input{x} R&D 50% é ß α ≤ ~ ^ _ # $ | < > ő")
    depth = 0
    for i, char in enumerate(out):
        if char == "\\":
            assert depth >= 1 or out[i + 1] in "&%#$_" or (out[i + 1] in "`'^~=\".\"" and out[i + 2].isalpha())
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
    assert latex.balanced(out)


@pytest.mark.parametrize("rich, expected", [
    ("Reading <i>The Concept of Law</i>", r"{Reading} {\emph{{The} {Concept} of {Law}}}"),
    ("The <b>Huaynaputina</b> eruption", r"{The} {\textbf{{Huaynaputina}}} eruption"),
    ("O<sub>7-x</sub> and m<sup>2</sup>", r"{O}{\textsubscript{7-x}} and m{\textsuperscript{2}}"),
    ('Pleistocene <i><span class="nocase">Homo sapiens</span></i>', r"{Pleistocene} {\emph{{Homo sapiens}}}"),
    ('<span class="nocase">iPhone</span> apps', r"{iPhone} apps"),
    ("(<sc>xii</sc><sup>e</sup> siècles)", r"({\textsc{xii}}{\textsuperscript{e}} si\`ecles)"),
    ("fiber with <10-ps/√km", r"fiber with {$<$}10-ps/{$\surd$}km"),
    ("<\\input Wiki", r"{$<$}{\textbackslash}input {Wiki}"),
    ("broken </i> and <i>unclosed", r"broken {$<$}/i{$>$} and {\emph{unclosed}}"),
])
def test_rich_text_markup(rich, expected):
    assert latex.title(rich) == expected


def test_case_protection_is_word_by_word():
    assert latex.title("Deep learning on ISDN for iOS and École") == \
        r"{Deep} learning on {ISDN} for {iOS} and {\'Ecole}"


# --- entries ----------------------------------------------------------------------------------------

def test_conference_paper_fields_in_fixed_order():
    record = Record(key="K1", item_type="conferencePaper", title="DeepXplore",
                    creators=(Creator("Pei", "Kexin"), Creator("Cao", "Yinzhi"), Creator("Doe", "J", role="editor")),
                    year=2017, date="2017-10-28", venue="Proceedings of SOSP (SOSP)", pages="1-18",
                    publisher="ACM", doi="10.1145/3132747.3132785", url="https://x.org/a_b%20c?d=1#e")
    bib = one(record)
    names = [line.split(" = ")[0].strip() for line in bib.splitlines() if " = " in line]
    assert names == ["author", "editor", "title", "booktitle", "year", "month", "pages", "publisher", "doi", "url"]
    assert bib.splitlines()[3] == "@inproceedings{key1,"
    assert field(bib, "month") == "oct"
    assert field(bib, "pages") == "{1--18}"
    assert field(bib, "author") == "{Pei, Kexin and Cao, Yinzhi}"
    # url and doi stay raw: they are verbatim fields.
    assert field(bib, "url") == "{https://x.org/a_b%20c?d=1#e}"
    assert field(bib, "doi") == "{10.1145/3132747.3132785}"


@pytest.mark.parametrize("item_type, entry, venue_field", [
    ("journalArticle", "article", "journal"), ("conferencePaper", "inproceedings", "booktitle"),
    ("bookSection", "incollection", "booktitle"), ("thesis", "phdthesis", "school"),
    ("report", "techreport", "institution"), ("webpage", "misc", "howpublished"), ("book", "book", None),
    ("proceedings-article", "inproceedings", "booktitle"),
])
def test_entry_types(item_type, entry, venue_field):
    bib = one(Record(key="K1", item_type=item_type, title="T", venue="Venue V", publisher="P"))
    assert f"@{entry}{{key1," in bib
    if venue_field:
        assert field(bib, venue_field) == "{Venue V}"


def test_arxiv_preprint_gets_eprint():
    bib = one(Record(key="K1", item_type="preprint", title="T", arxiv="1904.03257", year=2019))
    assert field(bib, "eprint") == "{1904.03257}" and field(bib, "archivePrefix") == "{arXiv}"
    assert field(bib, "howpublished") == "{arXiv}"


def test_names_that_would_split_are_braced():
    record = Record(key="K1", title="T", creators=(Creator(name="Research and Development Corp."),
                                                   Creator(family="Smith, Jr.", given="Al")))
    assert field(one(record), "author") == "{{Research and Development Corp.} and Smith, Jr., Al}"


def test_entries_sorted_by_key_and_deterministic():
    records = [Record(key="K2", title="B"), Record(key="K1", title="A"), Record(key="K1", title="A")]
    keys = {"K1": "zeta", "K2": "Alpha"}
    bib = bibtex.render(records, keys)
    assert [e["ID"] for e in parse(bib)] == ["Alpha", "zeta"]
    assert bib == bibtex.render(list(reversed(records)), keys)


# --- the real thing: pdflatex + bibtex + pdftotext --------------------------------------------------

needs_tex = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("pdflatex", "bibtex", "pdftotext")),
    reason=f"pdflatex, bibtex or pdftotext missing; install with `{validate.INSTALL}`")

TRICKY = ["R&D in 50% of C# cases", "a_b and x^2 ~home", r"back\slash {braces} $math$", "Über naïve Straße",
          'Pleistocene <i><span class="nocase">Homo sapiens</span></i>', "H<sub>2</sub>O at 5\u00a0µm",
          "<10-ps/√km", "Opinion (<sc>xii</sc><sup>e</sup> siècles)", "50% off the top, hopefully not"]


@pytest.mark.tools
@needs_tex
def test_tricky_titles_compile_and_are_found_in_the_pdf():
    records = [Record(key=f"K{i}", title=t, creators=(Creator("Doe", "J"),), year=2020) for i, t in enumerate(TRICKY)]
    keys = {r.key: f"k{i}" for i, r in enumerate(records)}
    titles = {keys[r.key]: latex.plain_text(r.title) for r in records}
    problems = validate.compile_check(bibtex.render(records, keys), titles)
    assert [p for p in problems if p.level == "error"] == []


@pytest.mark.tools
@needs_tex
def test_the_check_catches_what_bibtex_lets_through():
    # The classic silent loss: an unescaped % drops the rest of the entry without any error.
    bib = "@article{k0,\n  author = {Doe, J},\n  title = {50% off the top, hopefully not},\n  year = {2020},\n}\n"
    problems = validate.compile_check(bib, {"k0": "50% off the top, hopefully not"})
    assert [p.code for p in problems] == ["bib-title-lost"]


def test_deeply_nested_markup_is_bounded_not_a_crash():
    from pipeline.render import richtext

    title = "<i>" * 5000 + "x" + "</i>" * 5000
    assert richtext.plain_text(title).count("x") == 1
    assert "x" in latex.title(title)
