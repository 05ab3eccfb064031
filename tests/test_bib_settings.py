"""`[bib]` in pipeline.toml: where papers.bib and papers.biblatex.bib put a paper's link and DOI
(Better BibTeX's `bibtexURL` and `DOIandURL` preferences), the default being the list's own output."""
from __future__ import annotations

import pytest

from pipeline import config
from pipeline.config import BibSettings
from pipeline.model import Catalog, Record, Section
from pipeline.render import biblatex, bibtex
from pipeline.validate import bibtex as validate

BOTH = Record(key="ABCD2345", item_type="journalArticle", title="Both", venue="J", year=2020,
              doi="10.1000/xyz", url="https://example.org/paper_1#top")
LINK_ONLY = Record(key="EFGH6789", item_type="webpage", title="Link only", year=2021,
                   url="https://example.org/a_b%20c")
DOI_ONLY = Record(key="JKLM2345", item_type="journalArticle", title="DOI only", venue="J", year=2019,
                  doi="10.1000/abc")


def bib(record: Record, **setting) -> dict:
    return bibtex.fields(record, settings=BibSettings(**setting))


def bbl(record: Record, **setting) -> dict:
    return biblatex.fields(record, settings=BibSettings(**setting))


def test_by_default_both_files_carry_the_link_and_the_doi():
    for fields in (bib(BOTH), bbl(BOTH), bibtex.fields(BOTH), biblatex.fields(BOTH)):
        assert fields["url"] == "https://example.org/paper_1#top" and fields["doi"] == "10.1000/xyz"


def test_doi_and_url_keeps_one_of_them_only_where_a_paper_has_both():
    # BBT fixture "urldate when only DOI is exported #869": DOIandURL = doi.
    for fields in (bib(BOTH, doi_and_url="doi"), bbl(BOTH, doi_and_url="doi")):
        assert "url" not in fields and fields["doi"] == "10.1000/xyz"
    for fields in (bib(BOTH, doi_and_url="url"), bbl(BOTH, doi_and_url="url")):
        assert "doi" not in fields and fields["url"] == "https://example.org/paper_1#top"
    assert bib(LINK_ONLY, doi_and_url="doi")["url"] == "https://example.org/a_b%20c"
    assert bbl(DOI_ONLY, doi_and_url="url")["doi"] == "10.1000/abc"


def test_url_off_leaves_the_link_out_of_papers_bib_only_and_keeps_the_doi():
    # BBT's default `bibtexURL = off` (fixture "Author multi-character initial gets shortened #2419").
    fields = bib(BOTH, url="off", doi_and_url="url")
    assert "url" not in fields and fields["doi"] == "10.1000/xyz"
    assert "url" not in bib(LINK_ONLY, url="off")
    assert bbl(BOTH, url="off")["url"] == "https://example.org/paper_1#top"


def test_url_note_writes_the_link_as_text_in_note_or_a_miscs_howpublished():
    # BBT fixture "BBT does not escape # in first argument of href in note #2617-note" (bibtexURL = note).
    fields = bib(BOTH, url="note")
    assert "url" not in fields and fields["note"] == r"https://example.org/paper\_1\#top"
    assert bib(LINK_ONLY, url="note")["howpublished"] == r"https://example.org/a\_b\%20c"
    web = Record(key="NPQR2345", item_type="webpage", title="Site", venue="GitHub", url="https://github.com/x")
    assert bib(web, url="note")["howpublished"] == "GitHub" and bib(web, url="note")["note"] == "https://github.com/x"
    assert "doi" not in bib(BOTH, url="note", doi_and_url="url")


def test_a_link_as_text_compiles_under_the_plain_preamble():
    if validate.missing_tools("pdflatex", "bibtex", "pdftotext"):
        pytest.skip("pdflatex, bibtex or pdftotext is not installed")
    records = [BOTH, LINK_ONLY, Record(key="STUV2345", item_type="manuscript", title="Draft",
                                       url="https://example.org/~me/draft_v2.pdf?x=1&y=2")]
    keys = {r.key: f"k{i}" for i, r in enumerate(records)}
    text = bibtex.render(records, keys, settings=BibSettings(url="note"))
    assert [str(p) for p in validate.compile_check(text, {"k0": "Both", "k1": "Link only", "k2": "Draft"})] == []


def test_url_note_url_writes_a_url_command_for_authors_who_load_hyperref_or_url():
    # BBT fixture "BBT does not escape # in first argument of href in note #2617-note" (bibtexURL = note).
    doc = Record(key="WXYZ2345", item_type="document", title="TheTitle", year=2023, url="https://www.example.com/#foo")
    assert bib(doc, url="note-url")["howpublished"] == r"\url{https://www.example.com/\#foo}"
    fields = bib(BOTH, url="note-url")
    assert "url" not in fields and fields["note"] == r"\url{https://example.org/paper_1\#top}"
    assert bib(LINK_ONLY, url="note-url")["howpublished"] == r"\url{https://example.org/a_b\%20c}"
    web = Record(key="NPQR2345", item_type="webpage", title="Site", venue="GitHub", url="https://github.com/x")
    assert bib(web, url="note-url")["howpublished"] == "GitHub" and bib(web, url="note-url")["note"] == \
        r"\url{https://github.com/x}"
    assert bbl(BOTH, url="note-url")["url"] == "https://example.org/paper_1#top"     # biblatex: its url field


def test_a_url_command_compiles_with_the_url_package():
    if validate.missing_tools("pdflatex", "bibtex", "pdftotext"):
        pytest.skip("pdflatex, bibtex or pdftotext is not installed")
    records = [BOTH, LINK_ONLY, Record(key="STUV2345", item_type="manuscript", title="Draft",
                                       url="https://example.org/~me/draft_v2.pdf?x=1&y=2^3#" + "long-anchor" * 12),
               Record(key="WXYZ2345", item_type="document", title="TheTitle", url="https://www.example.com/#foo")]
    keys = {r.key: f"k{i}" for i, r in enumerate(records)}
    text = bibtex.render(records, keys, settings=BibSettings(url="note-url"))
    assert r"\url{" in text
    titles = {"k0": "Both", "k1": "Link only", "k2": "Draft", "k3": "TheTitle"}
    for style in validate.STYLES:
        assert [str(p) for p in validate.compile_check(text, titles, style=style, packages=("url",))] == []


def test_edition_ordinal_is_read_from_pipeline_toml(tmp_path):
    assert config.load(write_toml(tmp_path, "[bib]\nedition_ordinal = true\n"), environ={}).bib.edition_ordinal
    with pytest.raises(config.ConfigError, match="edition_ordinal must be true or false"):
        config.load(write_toml(tmp_path, '[bib]\nedition_ordinal = "yes"\n'), environ={})


def write_toml(tmp_path, body: str):
    (tmp_path / "pipeline.toml").write_text('[list]\ntitle = "T"\n\n' + body, encoding="utf-8")
    return tmp_path


def test_the_settings_come_from_pipeline_toml_and_reach_the_published_files(tmp_path):
    from pipeline.stages import emit

    settings = config.load(write_toml(tmp_path, '[bib]\nurl = "off"\ndoi_and_url = "doi"\n'), environ={})
    assert settings.bib == BibSettings(url="off", doi_and_url="doi") and not settings.problems
    record = Record(key="ABCD2345", item_type="journalArticle", title="Both", venue="J", year=2020,
                    doi="10.1000/xyz", url="https://example.org/paper", sections=("S",))
    catalog = Catalog(title="T", sections=(Section(key="S", name="S", path=("S",)),), records=(record,))
    out = emit.render_all(settings, catalog)
    for path in (settings.paths.bib, settings.paths.biblatex):
        assert "doi = {10.1000/xyz}" in out[path] and "example.org/paper" not in out[path]
    assert "https://example.org/paper" in out[settings.paths.csljson]      # CSL-JSON is not a .bib
    assert config.load(write_toml(tmp_path, ""), environ={}).bib == BibSettings(url="url", doi_and_url="both")


@pytest.mark.parametrize("body, message", [
    ('[bib]\nurl = "doi"\n', 'pipeline.toml:5: [bib] url must be one of "url", "note", "note-url", "off", not \'doi\''),
    ('[bib]\n\ndoi_and_url = "DOI"\n', 'pipeline.toml:6: [bib] doi_and_url must be one of "both", "doi", "url", '
                                       "not 'DOI'"),
    ("[bib]\nurl = false\n", "pipeline.toml: [bib] url must be a string, not False (a boolean)"),
])
def test_a_value_outside_the_choices_is_one_line_naming_the_line(tmp_path, body, message):
    with pytest.raises(config.ConfigError) as caught:
        config.load(write_toml(tmp_path, body), environ={})
    assert str(caught.value) == message


def test_a_misspelt_key_in_bib_is_reported_with_the_nearest_name(tmp_path):
    settings = config.load(write_toml(tmp_path, '[bib]\nurls = "off"\n'), environ={})
    assert [p.message for p in settings.problems] == ["unknown key 'urls' in [bib], ignored; did you mean url?"]


def test_the_bbt_comparison_translates_a_fixtures_preferences_to_these_settings():
    from tests import bbt_compare

    assert bbt_compare.our_settings({}) == {"url": "off", "doi_and_url": "both", "edition_ordinal": False}
    assert bbt_compare.our_settings({"bibtexURL": "url-ish", "DOIandURL": "doi", "bibtexEditionOrdinal": True}) == \
        {"url": "url", "doi_and_url": "doi", "edition_ordinal": True}
    # "Ignoring upper cases in German titles #456": the note the link would go to is skipped, so no link.
    assert bbt_compare.our_settings({"bibtexURL": "note", "skipFields": "file,note"})["url"] == "off"
    # BBT's `note` writes a `\url` command, its `note-url-ish` the link as text.
    assert bbt_compare.our_settings({"bibtexURL": "note"})["url"] == "note-url"
    assert bbt_compare.our_settings({"bibtexURL": "note-url-ish"})["url"] == "note"
    prefs = {"skipFields": "abstract, tex.issn,biblatex.article.pages ,csl.URL,bibtex.eprint"}
    assert bbt_compare.skipped(prefs, "biblatex") == [("", "abstract"), ("", "issn"), ("article", "pages")]
    assert bbt_compare.skipped(prefs, "bibtex") == [("", "abstract"), ("", "issn"), ("", "eprint")]
    assert bbt_compare.skipped(prefs, "csl.json") == [("", "abstract"), ("", "url")]
    tally = bbt_compare.Tally()
    bbt_compare.compare_bib(tally, "x", ("article", {"pages": "1", "issn": "2"}), ("article", {"pages": "3"}),
                            bbt_compare.skipped(prefs, "biblatex"))
    assert tally.total == 1 and tally.fields == {"(entry type)": [1, 1]}


def test_make_check_compiles_a_url_command_with_the_url_package_only_under_note_url(tmp_path):
    import types
    if validate.missing_tools("pdflatex", "bibtex", "pdftotext"):
        pytest.skip("pdflatex, bibtex or pdftotext is not installed")
    (tmp_path / "papers.bib").write_text(bibtex.render([BOTH], {BOTH.key: "k0"}, settings=BibSettings(url="note-url")))
    paths = types.SimpleNamespace(bib=tmp_path / "papers.bib", biblatex=None)

    def compiled(url: str) -> list[str]:
        found = validate.run(types.SimpleNamespace(paths=paths, bib=BibSettings(url=url)))
        return [p.code for p in found if p.code.startswith("bib-latex")]
    assert compiled("note-url") == [] and compiled("note") == ["bib-latex-error"]
