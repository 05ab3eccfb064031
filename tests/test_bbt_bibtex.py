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


def test_a_newspapers_section_is_the_chapter():
    # "Setting the item type via the cheater syntax #587": a book review in a newspaper's section.
    ours = bib({"itemType": "newspaperArticle", "title": "Deconstructing dinner", "date": "2006-04-23",
                "section": "Sunday Book Review", "extra": "type: review-book",
                "creators": [{"creatorType": "author", "firstName": "David", "lastName": "Kamp"},
                             {"creatorType": "reviewedAuthor", "firstName": "Michael", "lastName": "Pollan"}]})
    assert ours["@"] == "article" and ours["chapter"] == "Sunday Book Review"
    assert ours["collaborator"] == "Pollan, Michael"


def test_a_related_key_is_kept_as_typed_and_only_a_crossref_is_left_out():
    # "custom fields should be exported as-is #441": bibtex reads no `related`, so nothing can break.
    item = {"itemType": "journalArticle", "title": "High-speed jet flows over spillway aerators",
            "publicationTitle": "Canadian Journal of Civil Engineering", "date": "2002",
            "extra": "tex.related= key_2\ntex.relatedtype= bytranslator"}
    ours = bib(item)
    assert ours["related"] == "key_2" and ours["relatedtype"] == "bytranslator"
    # A crossref to a key the list need not hold would stop bibtex ("a bad cross reference").
    assert "crossref" not in bib({**item, "extra": "tex.crossref= other_key"})
    # What could break the .bib is never written bare.
    assert bib({**item, "extra": "tex.related= a}b"})["related"] == r"a{\textbraceright}b"


def test_a_publisher_named_with_and_is_braced_whole():
    # "Better BibTeX does not export collections #901": biblatex would read "Simon and Schuster" as two.
    ours = bib({"itemType": "book", "title": "My philosophical development", "date": "1959",
                "publisher": "Simon and Schuster", "place": "New York", "ISBN": "978-0-85124-736-6"})
    assert ours["publisher"] == "{Simon and Schuster}"
    assert bib({"itemType": "report", "title": "T", "institution": "Bell and Howell"})["institution"] == \
        "{Bell and Howell}"
    assert bib({"itemType": "book", "title": "T", "publisher": "Anderson"})["publisher"] == "Anderson"


def test_edition_ordinal_spells_an_english_items_numeric_edition_as_an_ordinal():
    # "Exporting %-encoded URLs (e.g. containing %20) #1966": bibtexEditionOrdinal on, edition "1989".
    item = {"itemType": "book", "title": "The meaning of meaning", "date": "1923", "edition": "1989",
            "publisher": "Harcourt Brace Jovanovich", "place": "San Diego", "ISBN": "978-0-15-658446-3",
            "creators": [{"creatorType": "author", "firstName": "Charles Kay", "lastName": "Ogden"}]}
    assert bib(item, edition_ordinal=True)["edition"] == "1989th"
    assert bib(item)["edition"] == "1989"             # the default: as typed
    spelt = {"2": "Second", "21st": "Twenty-first", "40": "Fortieth", "11": "Eleventh", "101": "101st",
             "112": "112th", "Rev. ed.": "Rev. ed.", "3rd": "3rd", "0": "0"}
    for typed, expected in spelt.items():
        assert bibtex.edition_ordinal(typed) == expected, typed
    assert bibtex.edition_ordinal("2", "en-GB") == "Second" and bibtex.edition_ordinal("2", "de") == "2"
    assert bib({**item, "language": "German"}, edition_ordinal=True)["edition"] == "1989"


def test_a_given_name_opened_by_a_comma_keeps_its_particle():
    # "Question BBT is changing lastname, firstname de to de lastname, firstname #3367": the curator's
    # leading comma keeps "de" in the given name, sorted under Condorcet; without it, "de" is the von part.
    item = {"itemType": "book", "title": "Essai", "date": "1785", "publisher": "Paris, Imprimerie Royale",
            "creators": [{"firstName": ", Marquis de", "lastName": "Condorcet", "creatorType": "author"}]}
    ours, bbl, _ = entry(item)
    assert ours["author"] == "Condorcet, Marquis de" and bbl["author"] == "Condorcet, Marquis de"
    item["creators"] = [{"firstName": "Marquis de", "lastName": "Condorcet", "creatorType": "author"}]
    assert bib(item)["author"] == "de Condorcet, Marquis"


def test_an_isbn_field_with_a_note_or_another_number_is_kept_as_typed():
    # "Better BibTeX does not export collections #901": "(PBK)", and a number that is no ISBN.
    item = {"itemType": "book", "title": "Consciousness", "date": "1991", "ISBN": "092492201X (PBK)",
            "publisher": "Ridgeview Publ. Co.", "place": "Atascadero, Calif.", "series": "Philosophical issues"}
    ours, bbl, csl = entry(item)
    assert ours["isbn"] == bbl["isbn"] == csl["ISBN"] == "092492201X (PBK)"
    assert bib({**item, "ISBN": "0774803274; 08470502"})["isbn"] == "0774803274; 08470502"
    assert bib({**item, "ISBN": "0774803274"})["isbn"] == "0-7748-0327-4"


def test_an_entry_with_nothing_but_its_key_still_has_one_field():
    # (Hostile input: no title, no creator, no date, a link that is not http.) Readers skip an empty entry.
    ours, bbl, _ = entry({"itemType": "journalArticle", "title": "", "url": "javascript:alert(1)"})
    assert {k: v for k, v in ours.items() if k != "@"} == {"title": "Untitled"}
    assert {k: v for k, v in bbl.items() if k != "@"} == {"title": "Untitled"}
