"""papers.bib against hostile input: generated titles and names (emoji, CJK, RTL, combining marks,
math, TeX specials, unbalanced braces, long titles, odd names) compiled as an author compiles, in each
classic style; names split as BibTeX expects; the Zotero side of report numbers, series, DOIs and
Better BibTeX's overrides in `extra`."""
from __future__ import annotations

import random
import re
import shutil

import pytest

from pipeline.convert.zotero import clean_doi, doi_key, to_record
from pipeline.model import Creator, Record
from pipeline.render import biblatex, bibtex, latex, names
from pipeline.validate import bibtex as validate

needs_tex = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("pdflatex", "bibtex", "pdftotext")),
    reason=f"pdflatex, bibtex or pdftotext missing; install with `{validate.INSTALL}`")
needs_biber = pytest.mark.skipif(shutil.which("biber") is None,
                                 reason=f"biber missing; install with `{validate.INSTALL}`")

PIECES = ["🚀", "😀👍", "王小明", "性命古訓辨證", "שלום", "مرحبا", "Привет", "Καρυωτάκης", "e\u0301\u0302", "q\u0301",
          "ơ", "$x^2$", "\\input{/etc/passwd}", "{", "}", "}}{{", "%", "&", "#", "_", "~", "^", "\\", "<i>",
          "</i>", "α-synuclein", "≤", "∑", "H₂O", "\u200b", "\u202e", "R&D", "50%", "[F]", "\u00a0", "—",
          "“quoted”", "naïve", "Łódź", "ß", "ﬁ"]
WORDS = "reliable learning systems under drift first office affluent fjord testing neural networks".split()


def hostile_titles(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    titles = []
    for i in range(n):
        parts = []
        for _ in range(rng.randint(2, 12)):
            parts.append(rng.choice(PIECES) if rng.random() < 0.4 else rng.choice(WORDS) + str(i % 10))
        titles.append(" ".join(parts))
    titles.append(" ".join(WORDS * 40))                 # a long title, over pages
    titles.append("x" * 400)                             # one word TeX cannot hyphenate
    return titles


ODD_PEOPLE = [
    Creator("Beauvoir", "Simone de"), Creator("King", "Martin Luther, Jr."), Creator(name="\\input{/etc/passwd}"),
    Creator("Díaz de León", "Juan"), Creator("al-One", "Alan"), Creator('"von Wright"', "Georg"),
    Creator("王", "小明"), Creator("}{", "%&"), Creator("\\relax", "{"), Creator(name="X" * 300 + "\\"),
    Creator("and", "others"), Creator("others", ""), Creator("Smith", "John and Jane"), Creator("[F]linders", "Jacob"),
    Creator(name="École Polytechnique Fédérale"), Creator("Family Name", ""), Creator("Gates III", "Bill"),
]


def corpus() -> tuple[list[Record], dict[str, str]]:
    records = []
    for i, t in enumerate(hostile_titles(120)):
        people = tuple(ODD_PEOPLE[(i + j) % len(ODD_PEOPLE)] for j in range(1 + i % 4))
        records.append(Record(key=f"K{i:04d}", item_type=["report", "journalArticle", "conferencePaper", "book",
                                                          "thesis", "webpage", "preprint"][i % 7],
                              title=t, creators=people, venue=f"Venue {PIECES[i % len(PIECES)]}",
                              number="TR-1", series="S%", year=2000 + i % 25, date=f"{2000 + i % 25}-03",
                              doi=f"10.1145/AB{i}", arxiv="1904.03257" if i % 7 == 6 else ""))
    return records, {r.key: f"h{i:04d}" for i, r in enumerate(records)}


@pytest.mark.tools
@needs_tex
@pytest.mark.parametrize("style", validate.STYLES)
def test_hostile_corpus_compiles_and_every_ascii_word_is_in_the_pdf(style):
    records, keys = corpus()
    bib = bibtex.render(records, keys)
    assert bib.isascii() and latex.balanced(bib.replace("{\\textbraceleft}", "").replace("{\\textbraceright}", ""))
    titles = {keys[r.key]: latex.plain_text(r.title) for r in records}
    assert [str(p) for p in validate.compile_check(bib, titles, style=style)] == []


@pytest.mark.tools
@needs_tex
def test_the_check_fails_on_a_latex_error_and_a_lost_title():
    bad = "@article{k0,\n  author = {Doe, J},\n  title = {R&D},\n  year = {2020},\n}\n"
    assert [p.code for p in validate.compile_check(bad, {"k0": "R&D"})] == ["bib-latex-error"]
    lost = "@article{k0,\n  author = {Doe, J},\n  title = {50% off the top},\n  year = {2020},\n}\n"
    assert [p.code for p in validate.compile_check(lost, {"k0": "50% off the top"})] == ["bib-title-lost"]


@pytest.mark.tools
@needs_biber
def test_biber_validates_the_hostile_biblatex_file():
    records, keys = corpus()
    text = biblatex.render(records, keys)
    assert validate.biber_check(text) == []
    assert "王小明" in text and "Привет" in text        # UTF-8 kept


def test_transliterated_items_are_named():
    records, keys = corpus()
    named = {p.where for p in bibtex.transliterations(records, keys)}
    assert {r.key for r in records if latex.transliterated(latex.plain_text(r.title))} <= named


# --- names --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("creator, expected", [
    # A particle typed in the family name is braced in with it, as Better BibTeX writes it; one typed after
    # the given name is BibTeX's von part.
    (Creator("de Beauvoir", "Simone"), "{de Beauvoir}, Simone"),
    (Creator("Beauvoir", "Simone de"), "de Beauvoir, Simone"),
    (Creator("Humboldt", "Alexander von"), "von Humboldt, Alexander"),
    (Creator("King", "Martin Luther, Jr."), "King, Jr., Martin Luther"),
    (Creator("King, Jr.", "Martin Luther"), "King, Jr., Martin Luther"),
    (Creator("Gates III", "Bill"), "Gates, III, Bill"),
    (Creator("de la Martinière", "Gérard, III"), r"{de la Martini{\`e}re}, III, G{\'e}rard"),
    (Creator("van der Meer", "Gerard"), "{van der Meer}, Gerard"),
    (Creator("la Fontaine", "Jean de"), "de {la Fontaine}, Jean"),
    (Creator("La Fontaine", "Jean de"), "de La Fontaine, Jean"),
    (Creator('"von Wright"', "Georg"), "{von Wright}, Georg"),
    (Creator("Díaz de León", "Juan"), r"{\relax D{\'\i}az de Le{\'o}n}, Juan"),
    (Creator("al-One", "Alan"), "{al-One}, Alan"),
    (Creator("Reynoso-Santos", "R."), "{Reynoso-Santos}, R."),
    (Creator('"Van Dyke"', "Dick"), "{Van Dyke}, Dick"),
    (Creator("Bunge", "MA"), r"Bunge, {\relax MA}"),
    (Creator(name="others"), "others"),
    (Creator(name="Research and Development Corp."), "{Research and Development Corp.}"),
    (Creator(name="\\input{/etc/passwd}"), r"{\relax {\textbackslash}input{\textbraceleft}/etc/passwd{\textbraceright}}"),
    (Creator("Smith", "John and Jane"), "Smith, {John and Jane}"),
    (Creator("Family Name", ""), "{Family Name}"),
    (Creator("王", "小明"), "Wang, XiaoMing"),
])
def test_names_split_as_bibtex_reads_them(creator, expected):
    assert names.bibtex(creator) == expected


def test_biblatex_names_keep_utf8():
    assert names.biblatex(Creator("Beauvoir", "Simone de")) == "de Beauvoir, Simone"
    assert names.biblatex(Creator("Καρυωτάκης", "Κώστας")) == "Καρυωτάκης, Κώστας"


@pytest.mark.tools
@needs_tex
def test_particles_and_suffixes_print_as_written():
    records = [Record(key="K1", title="One", creators=(Creator("Beauvoir", "Simone de"),), year=2000),
               Record(key="K2", title="Two", creators=(Creator("King", "Martin Luther, Jr."),), year=2000)]
    keys = {"K1": "a", "K2": "b"}
    problems = validate.compile_check(bibtex.render(records, keys), {"a": "One", "b": "Two"}, style="abbrv")
    assert problems == []
    import subprocess
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "refs.bib").write_text(bibtex.render(records, keys))
        (work / "doc.tex").write_text(validate.DOCUMENT % {"style": "abbrv", "packages": ""})
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "doc.tex"], cwd=work, capture_output=True)
        subprocess.run(["bibtex", "doc"], cwd=work, capture_output=True)
        bbl = (work / "doc.bbl").read_text()
    assert "S.~de~Beauvoir" in bbl and "M.~L. King, Jr." in bbl


# --- the Zotero side ------------------------------------------------------------------------------------

def test_dois_keep_the_registrants_case_and_compare_ignoring_it():
    assert clean_doi("https://doi.org/10.1109/ICSE.2019.00001.") == "10.1109/ICSE.2019.00001"
    assert doi_key("10.1109/ICSE.2019.00001") == doi_key("10.1109/icse.2019.00001")
    record = to_record({"key": "AAAA2222", "data": {"itemType": "journalArticle", "title": "T",
                                                      "DOI": "10.1029/2020MS002386"}})
    assert record.doi == "10.1029/2020MS002386"
    assert "doi = {10.1029/2020MS002386}" in bibtex.render([record], {"AAAA2222": "k"})


def test_report_numbers_series_and_extra_overrides():
    record = to_record({"key": "AAAA2222", "data": {
        "itemType": "report", "title": "T", "reportNumber": "MSR-TR-2019-1", "institution": "Microsoft",
        "series": "Tech Reports", "place": "Redmond", "date": "2019",
        "extra": "tex.entrytype: misc\ntex.howpublished: Online only\nOriginal Date: 1901-02\nbiblatex.note= hi"}})
    assert (record.number, record.series, record.bib_type) == ("MSR-TR-2019-1", "Tech Reports", "misc")
    bib = bibtex.render([record], {"AAAA2222": "k"})
    assert "@misc{k," in bib and "howpublished = {Online only}" in bib and "address = {Redmond}" in bib
    assert "note" not in bib and "origdate" not in bib           # biblatex-only lines stay there
    blx = biblatex.render([record], {"AAAA2222": "k"})
    assert "origdate = {1901-02}" in blx and "note = {hi}" in blx and "location = {Redmond}" in blx
    report = bibtex.render([to_record({"key": "AAAA2223", "data": {
        "itemType": "report", "title": "T", "reportNumber": "MSR-TR-2019-1", "institution": "Microsoft"}})],
        {"AAAA2223": "r"})
    assert "@techreport{r," in report and "number = {MSR-TR-2019-1}" in report


def test_csl_type_and_variables_in_extra():
    record = to_record({"key": "AAAA2222", "data": {
        "itemType": "document", "title": "T",
        "extra": "Type: article-journal\ncontainer-title: Journal of X\nnumber: 7\npublisher-place: Paris"}})
    assert (record.item_type, record.venue, record.number) == ("journalArticle", "Journal of X", "7")
    bib = bibtex.render([record], {"AAAA2222": "k"})
    assert "@article{k," in bib and "journal = {Journal of X}" in bib and "address = {Paris}" in bib
    blx = biblatex.render([record], {"AAAA2222": "k"})
    assert "@article{k," in blx and "journaltitle = {Journal of X}" in blx


def test_make_check_names_transliterated_entries_from_the_biblatex_file():
    records = [Record(key="K1", title="王小明 and friends", year=2020), Record(key="K2", title="Plain title", year=2020)]
    text = biblatex.render(records, {"K1": "cjk", "K2": "plain"})
    problems = validate.transliterated(text)
    assert [(p.where, p.code, p.level) for p in problems] == [("papers.bib:cjk", "bib-transliterated", "warning")]


def test_pdf_text_is_read_back_through_t1_ligatures_and_page_breaks():
    # pdftotext gives T1 bitmap fonts' ligatures as control characters, and a page number between pages.
    text = "\x1crst o\x1eces and a\x1fuent\n1\n\x0cnext page"
    assert validate.skeleton(validate.without_page_numbers(text)) == "firstofficesandaffluentnextpage"
    pattern = validate.title_pattern("first 王 offices and affluent")
    assert pattern.search(validate.skeleton(text.translate({ord("\n"): " "})))
    assert validate.title_pattern("王小明") is None


def _depth0_backslash_or_and(value: str) -> bool:
    depth = 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and (char == "\\" or value[i:i + 5].lower() == " and "):
            return True
    return False


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=400, deadline=None)
@given(family=st.text(max_size=20), given_=st.text(max_size=20), literal=st.booleans())
def test_any_name_is_one_balanced_name_with_every_command_guarded(family, given_, literal):
    creator = Creator(name=family) if literal else Creator(family=family, given=given_)
    out = names.bibtex(creator)
    assert out.isascii() and latex.balanced(out)
    # No command at brace depth 0 (styles would cut it) and no " and " that would split the list.
    assert not _depth0_backslash_or_and(out)


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_encodes_to_ascii_with_commands_as_special_characters(text):
    out = latex.encode(text)
    assert out.isascii() and latex.balanced(out)
    # Bare at depth 0 only what has no letter a style could change: `\&`, or a symbol accent on a letter.
    assert not any(c == "\\" and not _BARE_RE.match(out, i) for i, c in enumerate(out) if _depth_at(out, i) == 0)
    named = latex.encode_name(text)
    assert not any(c == "\\" for i, c in enumerate(named) if _depth_at(named, i) == 0)


_BARE_RE = re.compile(r"\\(?:[&%#$_]|[`'^~=\".][A-Za-z])")


def _depth_at(value: str, index: int) -> int:
    return value[:index].count("{") - value[:index].count("}")
