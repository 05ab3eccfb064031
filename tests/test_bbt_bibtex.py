"""papers.bib as Better BibTeX writes its .bibtex (issue 20): each test is one of BBT's export fixtures
the comparison (tests/bbt_compare.py) found papers.bib differing on, its item written out here."""
from __future__ import annotations

from pipeline.config import BibSettings
from pipeline.convert.zotero import to_record
from pipeline.render import bibtex
from tests.test_bbt_agreement import entry      # (BibTeX fields + type, biblatex fields + type, CSL item)


def bib(item: dict, **setting) -> dict:
    """papers.bib's fields (and `@`: the entry type) of one Zotero item under `[bib]` settings."""
    record = to_record({"key": "ABCD2345", "data": item})
    return {"@": bibtex.entry_type(record)[0], **bibtex.fields(record, settings=BibSettings(**setting))}


def test_an_item_without_a_title_gets_none_invented():
    # "LogicalOr in citekey formula": no title in Zotero; BBT writes the entry without one.
    item = {"itemType": "journalArticle", "date": "2017",
            "creators": [{"creatorType": "author", "firstName": "Walter", "lastName": "\"de la Mare\""}]}
    ours, bbl, csl = entry(item)
    assert "title" not in ours and "title" not in bbl and "title" not in csl
    assert ours["author"] == "{de la Mare}, Walter" and ours["year"] == "2017"
    text = bibtex.entry(to_record({"key": "ABCD2345", "data": item}), "mare2017")
    assert "title" not in text and "Untitled" not in text
