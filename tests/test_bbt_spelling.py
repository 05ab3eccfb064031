"""Names, accents, dates and title markup as Better BibTeX spells them (issue 20), where its spelling is
as safe as ours: each case is one of the disagreements with BBT's expected exports, written out here as
the Zotero item it came from; and what BBT writes that biber or pdflatex would refuse is not copied.
"""
from __future__ import annotations

import shutil

import pytest

from pipeline.convert import dates
from pipeline.convert.zotero import to_record
from pipeline.model import Creator, Record
from pipeline.render import biblatex, bibtex, latex, names
from pipeline.validate import bibtex as validate


def entry(item: dict) -> tuple[dict, dict]:
    """(papers.bib fields, papers.biblatex.bib fields) of one Zotero item."""
    record = to_record({"key": "ABCD2345", "data": {"title": "T", **item}})
    return bibtex.fields(record), biblatex.fields(record)


# --- accents -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, in_a_field, in_a_name", [
    ("TU München", r'TU M\"unchen', r'TU M{\"u}nchen'),                # a symbol accent: bare in a field
    ("Brukner, Časlav", r"Brukner, {\v C}aslav", r"Brukner, {\v C}aslav"),   # a letter accent: `{\v C}`
    ("Vũ Ngọc", r"V\~u Ng{\d o}c", r"V{\~u} Ng{\d o}c"),
    ("Göğüş", r'G\"o{\u g}\"u{\c s}', r'G{\"o}{\u g}{\"u}{\c s}'),
    ("Paı̈doussis", r'Pa{\"\i}doussis', r'Pa{\"\i}doussis'),           # a dotless i under a combining mark
    ("Golʹshteĭn", r"Gol'shte{\u \i}n", r"Gol'shte{\u \i}n"),
    ("Tretʹi︠a︡kov", r"Tret'{\t{ia}}kov", r"Tret'{\t{ia}}kov"),      # the halves of a tie over "ia"
    ("MunafĂ˛", r"Munaf{\u A}{\k{}}", r"Munaf{\u A}{\k{}}"),           # a spacing ogonek
    ("ệ", r"{\^{\d e}}", r"{\^{\d e}}"),
    # ā́: NFC composes the macron only; the acute is not lost (BBT's `\textacutemacron` needs tipa).
    ("yā́", r"y{\'{\=a}}", r"y{\'{\=a}}"),
])
def test_accents_in_better_bibtex_spelling(typed, in_a_field, in_a_name):
    assert latex.encode(typed) == in_a_field and latex.encode_name(typed) == in_a_name
    assert not latex.transliterated(typed)
    assert latex.decode(in_a_field) == latex.decode(in_a_name)


def test_biblatex_in_ascii_writes_accents_as_biber_reads_them():
    assert latex.encode_ascii("Pető Mária, Lemaître, François") == r"Pet\H o M\'aria, Lema\^itre, Fran\c cois"
    assert latex.encode_ascii("王小明 & co") == r"王小明 \& co"       # no command: kept for biber
    assert names.biblatex(Creator("Pető", "Mária"), ascii=True) == r"Pet\H o, M\'aria"


# --- LaTeX's specials and symbols --------------------------------------------------------------------

def test_specials_bare_in_a_field_and_special_characters_in_a_name():
    bib, bbl = entry({"itemType": "book", "publisher": "Grosset & Dunlap", "place": "Berlin [u.~a.]",
                      "creators": [{"creatorType": "author", "firstName": "Jacob", "lastName": "[F]linders"}]})
    assert bib["publisher"] == r"Grosset \& Dunlap" and bbl["publisher"] == r"Grosset \& Dunlap"
    assert bib["address"] == r"Berlin [u.{\textasciitilde}a.]"
    # natbib writes a name into `\bibitem[...]`, where a bracket would end the label: braced there only.
    assert bib["author"] == r"{[}F{]}linders, Jacob" and bbl["author"] == "[F]linders, Jacob"


def test_symbols_that_better_bibtex_sets_as_maths():
    bib, bbl = entry({"itemType": "webpage", "title": "Replicate Zotero key algorithm · Issue #439 · x"})
    assert r"{$\cdot$} {Issue} \#439" in bib["title"]
    bib, _ = entry({"itemType": "journalArticle", "title": "Is water H₂O? fibre with <10-ps/√km"})
    assert r"{H{$_2$}O?}" in bib["title"] and r"{$<$}10-ps/{$\surd$}km" in bib["title"]


# --- title markup --------------------------------------------------------------------------------------

def test_braces_typed_in_a_title_protect_what_they_hold():
    bib, bbl = entry({"itemType": "webpage", "title": "{`Neural'} computation of decisions"})
    assert bib["title"] == "{`Neural'} computation of decisions" == bbl["title"]
    # A brace that pairs with none is a character.
    assert latex.title("a { b") == r"a {\textbraceleft} b"


def test_biblatex_emphasis_is_its_own():
    bib, bbl = entry({"itemType": "book", "title": "Reading <i>the concept</i> of law"})
    assert r"{\emph{the concept}}" in bib["title"] and r"{\mkbibemph{the concept}}" in bbl["title"]


# --- names ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("creator, in_bibtex, in_biblatex", [
    (Creator("van de Velde", "Danièle"), r"{van de Velde}, Dani{\`e}le", "van de Velde, Danièle"),
    (Creator("de Swart", "Henriëtte"), r'{de Swart}, Henri{\"e}tte', "de Swart, Henriëtte"),
    (Creator("Stephens-Davidowitz", "Noah"), "{Stephens-Davidowitz}, Noah", "Stephens-Davidowitz, Noah"),
    (Creator("Sayre-McCord", "Geoffrey"), "{Sayre-McCord}, Geoffrey", "Sayre-McCord, Geoffrey"),
    (Creator("de Bruyn Ouboter", "R."), "{de Bruyn Ouboter}, R.", "de Bruyn Ouboter, R."),
    # A particle typed after the given name stays BibTeX's von part (sorted under the family name).
    (Creator("Condorcet", "Marquis de"), "de Condorcet, Marquis", "de Condorcet, Marquis"),
    (Creator('"De Quincey"', "Alan"), "{De Quincey}, Alan", "{De Quincey}, Alan"),
    # A given name of capitals is its initials, kept whole by abbreviating styles.
    (Creator("Bunge", "MA"), r"Bunge, {\relax MA}", "Bunge, MA"),
    (Creator(name="others"), "others", "others"),
    # An institution, braced whole, takes a field's spelling inside; alpha's cut stays guarded.
    (Creator(name="Services de traduction de l'Université McGil"),
     r"{Services de traduction de l'Universit\'e McGil}", "{Services de traduction de l'Université McGil}"),
    (Creator(name="École & Co"), r"{\relax \'Ecole \& Co}", r"{École \& Co}"),
    # What biber and BibTeX would split wrongly stays braced, unlike Better BibTeX's `ANZ Group`.
    (Creator("ANZ Group", ""), "{ANZ Group}", "{ANZ Group}"),
    (Creator("Arbesman von Secondname", "Kendra"), "{Arbesman von Secondname}, Kendra",
     "{Arbesman von Secondname}, Kendra"),
])
def test_names_as_better_bibtex_braces_them(creator, in_bibtex, in_biblatex):
    assert names.bibtex(creator) == in_bibtex and names.biblatex(creator) == in_biblatex


@pytest.mark.parametrize("creator, extended", [
    (Creator("van Dijk", "Marten"), "family=Dijk, given=Marten, prefix=van, useprefix=true"),
    (Creator("van den Oord", "Aaron"), "family=Oord, given=Aaron, prefix=van den, useprefix=true"),
    (Creator("de Pina-Cabral", "João"), "family=Pina-Cabral, given=João, prefix=de, useprefix=true"),
    (Creator("Condorcet", "Marquis de"), "family=Condorcet, given=Marquis, prefix=de, useprefix=false"),
    (Creator("Boronat", "PHilippe"), "family=Boronat, given=Philippe, given-i={{Ph}}"),
    (Creator("Kurbakov", "IJsbrand"), "family=Kurbakov, given=IJsbrand, given-i={{IJ}}"),
    (Creator("Lozovik", "Yu. E."), "family=Lozovik, given=Yu. E., given-i={{Yu}}E"),
    (Creator("Astrakharchik", "G. E."), "Astrakharchik, G. E."),        # nothing to say: the usual form
])
def test_biblatex_extended_name_format(creator, extended):
    assert names.biblatex(creator, extended=True) == extended


# --- dates ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, date, year", [
    # EDTF's draft, as Better BibTeX writes it, in the spelling biber 2.18 reads (ISO 8601-2).
    ("199u", "199X", None), ("19uu", "19XX", None), ("1999-uu", "1999-XX", "1999"),
    ("1999-01-uu", "1999-01-XX", "1999"), ("1999-uu-uu", "1999-XX-XX", "1999"),
    ("2004-06-01/unknown", "2004-06-01/", "2004"), ("unknown/2006", "/2006", "2006"),
    ("2004-01-01/..", "2004-01-01/..", "2004"), ("1723?~", "1723%", "1723"), ("1273?~", "1273%", "1273"),
    ("y-51234", "Y-51234", "-51234"), ("y52000", "Y52000", "52000"),
    # A time of day: to the second, its zone with a colon.
    ("2016-01-19T14:20:00", "2016-01-19T14:20:00", "2016"), ("2017-10-28T04:44", "2017-10-28T04:44:00", "2017"),
    ("2016-06-06T15:26:37+1000", "2016-06-06T15:26:37+10:00", "2016"),
    # Dates as people type them.
    ("2016/09/22 17:12:01", "2016-09-22", "2016"), ("1995.12", "1995-12", "1995"), ("18-10-2022", "2022-10-18", "2022"),
    ("July-October 1985", "1985-07/1985-10", "1985"), ("1897-1913", "1897/1913", "1897--1913"),
    ("1829–1830", "1829/1830", "1829--1830"), ("[1990]2002", "2002", "[1990] 2002"),
])
def test_dates_reach_biblatex_as_biber_reads_them_and_bibtex_as_its_styles_print_them(typed, date, year):
    bib, bbl = entry({"itemType": "book", "date": typed})
    assert bbl.get("date") == date and bib.get("year") == year


def test_a_month_range_gives_bibtex_its_first_month():
    record = to_record({"key": "ABCD2345", "data": {"itemType": "journalArticle", "title": "T",
                                                      "date": "July-October 1985"}})
    assert "month = jul," in bibtex.entry(record, "k")


def test_unknown_digits_give_no_year_to_print():
    found = dates.parse("19uu")
    assert (found.year, found.iso, found.edtf) == (None, "", "19XX")


needs_biber = pytest.mark.skipif(shutil.which("biber") is None, reason=f"biber missing; `{validate.INSTALL}`")
needs_tex = pytest.mark.skipif(any(shutil.which(t) is None for t in ("pdflatex", "bibtex", "pdftotext")),
                               reason=f"pdflatex, bibtex or pdftotext missing; `{validate.INSTALL}`")
TYPED_DATES = ["199u", "19uu", "1999-uu", "1999-01-uu", "1999-uu-uu", "2004-06-01/unknown", "unknown/2006",
               "1723?~", "y-51234", "y52000", "2016-01-19T14:20:00.000Z", "2017-10-28T04:44",
               "2016-06-06T15:26:37+1000", "July-October 1985", "[1990]2002", "../2004-01-01", "-0876"]


@pytest.mark.tools
@needs_biber
def test_biber_reads_every_date_written():
    records = [to_record({"key": f"ABCD{i:04d}", "data": {
        "itemType": "book", "title": "T", "date": typed,
        "creators": [{"creatorType": "author", "firstName": "Marten", "lastName": "van Dijk"},
                     {"creatorType": "author", "firstName": "PHilippe", "lastName": "Boronat"}]}})
        for i, typed in enumerate(TYPED_DATES)]
    keys = {r.key: f"k{i}" for i, r in enumerate(records)}
    assert validate.biber_check(biblatex.render(records, keys)) == []


@pytest.mark.tools
@needs_tex
@pytest.mark.parametrize("style", ["plain", "alpha"])
def test_the_new_spellings_compile_under_the_plain_preamble(style):
    people = [("van de Velde", "Danièle"), ("Stephens-Davidowitz", "Noah"), ("Bunge", "MA"),
              ("Munafò", "Göğüş"), ("Paı̈doussis", "Tretʹi︠a︡kov"), ("[F]linders", "Jacob"),
              ("Condorcet", "Marquis de")]
    titles = ["Is water H₂O? · <10-ps/√km", "{`Neural'} computation by R&D at 50%", "Vedic anuṣṭhú and Ngọc",
              "Reading <i>the concept</i> of law", "Syst\u00e8mes d'\u00c9cole"]
    records = [Record(key=f"K{i}", title=t, creators=tuple(Creator(f, g) for f, g in people[i:i + 3]),
                      publisher="Grosset & Dunlap [u.~a.]", year=1999, edtf="1999-XX") for i, t in enumerate(titles)]
    keys = {r.key: f"k{i}" for i, r in enumerate(records)}
    plain = {keys[r.key]: latex.plain_text(r.title) for r in records}
    assert [str(p) for p in validate.compile_check(bibtex.render(records, keys), plain, style=style)] == []


# --- the settings: [bib] biblatex_names and biblatex_ascii ----------------------------------------------

def set_bib(project, lines: str) -> None:
    """`lines` into pipeline.toml's [bib] table (made when it has none)."""
    text = (project / "pipeline.toml").read_text()
    text = text.replace("[bib]\n", f"[bib]\n{lines}\n", 1) if "[bib]\n" in text else f"{text}\n[bib]\n{lines}\n"
    (project / "pipeline.toml").write_text(text)


def test_biblatex_names_and_letters_are_settings(project):
    from pipeline import config
    assert config.load(project, environ={}).bib == config.BibSettings()     # today's output
    set_bib(project, 'biblatex_names = "extended"\nbiblatex_ascii = true')
    chosen = config.load(project, environ={}).bib
    assert (chosen.biblatex_names, chosen.biblatex_ascii) == ("extended", True)
    record = to_record({"key": "ABCD2345", "data": {
        "itemType": "journalArticle", "title": "Gérer la documentation – quelques considérations",
        "creators": [{"creatorType": "author", "firstName": "Marten", "lastName": "van Dijk"},
                     {"creatorType": "author", "firstName": "Mária", "lastName": "Pető"}]}})
    plain, chosen_ = biblatex.fields(record), biblatex.fields(record, settings=chosen)
    assert plain["author"] == "van Dijk, Marten and Pető, Mária"
    assert chosen_["author"] == r"family=Dijk, given=Marten, prefix=van, useprefix=true and Pet\H o, M\'aria"
    assert plain["title"] == "{Gérer} la documentation – quelques considérations"
    assert chosen_["title"] == r"{G\'erer} la documentation -- quelques consid\'erations"


@pytest.mark.parametrize("line, expected", [
    ('biblatex_names = "fancy"', 'pipeline.toml:'),
    ('biblatex_ascii = "yes"', "pipeline.toml: [bib] biblatex_ascii must be true or false, not 'yes' (a string)"),
])
def test_a_bib_setting_outside_its_choices_is_one_line(project, line, expected):
    from pipeline import config
    set_bib(project, line)
    with pytest.raises(config.ConfigError) as caught:
        config.load(project, environ={})
    assert str(caught.value).startswith(expected) and "\n" not in str(caught.value)
    assert "biblatex_names" in str(caught.value) or "biblatex_ascii" in str(caught.value)


@pytest.mark.tools
@needs_biber
def test_biber_reads_the_extended_names_and_ascii_letters():
    from pipeline.config import BibSettings
    people = (("Marten", "van Dijk"), ("PHilippe", "Boronat"), ("Yu. E.", "Lozovik"), ("Marquis de", "Condorcet"),
              ("Mária", "Pető"), ("M. R.", "MunafĂ˛"))
    records = [to_record({"key": "ABCD2345", "data": {
        "itemType": "book", "title": "Gérer <i>la</i> documentation", "date": "1999-uu",
        "publisher": "Grosset & Dunlap",
        "creators": [{"creatorType": "author", "firstName": first, "lastName": last} for first, last in people]}})]
    text = biblatex.render(records, {"ABCD2345": "k"}, settings=BibSettings(biblatex_names="extended", biblatex_ascii=True))
    assert text.isascii() and "given-i={{Ph}}" in text
    assert validate.biber_check(text) == []


from hypothesis import given, settings, strategies as st  # noqa: E402


def _at_depth_0(value: str, word: str) -> bool:
    depth = 0
    for i, char in enumerate(value):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and value[i:i + len(word)].lower() == word:
            return True
    return False


_NAME_TEXT = st.lists(st.sampled_from(list("aAzZ ,.-'{}\\&=éŐ王ı") + ["\u0308", " and ", "van ", "PH", "Yu. "]),
                      max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(family=_NAME_TEXT, given_=_NAME_TEXT)
def test_any_name_in_the_extended_format_or_ascii_stays_one_balanced_name(family, given_):
    for extended, ascii_ in ((True, False), (False, True), (True, True)):
        out = names.biblatex(Creator(family=family, given=given_), extended=extended, ascii=ascii_)
        # One name: balanced, no "and" that would start another, no bare backslash that ends nothing.
        assert latex.balanced(out) and not _at_depth_0(out, " and ")
        assert not any(c == "\\" and out[i + 1:i + 2] in ("", " ") for i, c in enumerate(out))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_in_ascii_for_biber_is_balanced_and_reads_back(text):
    out = latex.encode_ascii(text)
    assert latex.balanced(out)
    # Whatever LaTeX has a command for is ASCII; the rest is kept for biber.
    assert all(not c.isascii() or c.isprintable() for c in out)


@pytest.mark.tools
@needs_biber
@pytest.mark.parametrize("names_, ascii_", [("extended", False), ("plain", True), ("extended", True)])
def test_biber_validates_the_hostile_corpus_under_each_setting(names_, ascii_):
    from pipeline.config import BibSettings
    from tests.test_bibtex_hostile import corpus
    records, keys = corpus()
    assert validate.biber_check(biblatex.render(records, keys, settings=BibSettings(biblatex_names=names_, biblatex_ascii=ascii_))) == []
