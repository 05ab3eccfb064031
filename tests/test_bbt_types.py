"""biblatex's types that no standard style supports (@jurisdiction, @legislation, @standard, @audio,
@video, @review, @letter...) in papers.biblatex.bib, as Better BibTeX writes them (issue 20, types).

biber's default data model declares no field of these types, so `--validate-datamodel` names every field
of them; the styles that cite them bring their own data model, and the standard styles print them as
@misc. Writing @misc instead lost what an author citing a case or a statute needs (its reporter, volume,
pages, number): the types are kept, and the validator does not count those lines as faults.
Each test is one of Better BibTeX's export fixtures (tests/bbt_compare.py), its item written out here.
"""
from __future__ import annotations

import shutil

import pytest

from pipeline.convert.zotero import to_record
from pipeline.render import biblatex
from pipeline.validate import bibtex as validate_bib
from tests.test_bbt_agreement import entry      # (BibTeX fields + type, biblatex fields + type, CSL item)

# "@jurisdiction; map court,authority to institution #326"
CASE = {"court": "CE, Ass.", "date": "23/12/2010", "itemType": "case", "language": "fr-FR", "number": "337033",
        "pages": "649", "publicationTitle": "Rec.", "title": "Dalain", "volume": "I"}
# "Export mapping for reporter field #219"
REPORTED = {"court": "HCA", "date": "1998-04-01", "extra": "tex.author= Kaetinyeri v Commonwealth\n"
            "tex.translator= Kartinyeri", "itemType": "case", "pages": "337", "publicationTitle": "CLR",
            "shortTitle": "Kartinyeri", "title": "Kartinyeri v Commonwealth", "volume": "195"}
# "typo stature-statute (zotero item type) #284"
STATUTE = {"code": "JORF", "date": "15 juin 2009", "itemType": "statute", "language": "français",
           "number": "PRMX0908015L", "pages": "9784", "title": "Loi n° 2009-689 du 15 juin 2009",
           "url": "http://www.legifrance.gouv.fr/WAspad/UnTexteDeJorf?numjo=PRMX0908015L"}
# "Add support for new Zotero item types #2496"
STANDARD = {"itemType": "standard", "url": "the url", "place": "the repo location", "publisher": "the repository",
            "date": "2021", "DOI": "the DOI", "committee": "This is the committee", "number": "xxxxx",
            "versionNumber": "3333", "type": "This is the dataset type", "title": "Faulty Standard Export",
            "status": "The status", "organization": "This is the organisation",
            "creators": [{"firstName": "John", "lastName": "Foo", "creatorType": "author"}]}
# "Setting the item type via the cheater syntax #587"
SCORE = {"creators": [{"creatorType": "author", "firstName": "Wolfgang Amadeus", "lastName": "Mozart"},
                      {"creatorType": "editor", "firstName": "Nathan", "lastName": "Broder"}],
         "date": "1960", "edition": "Rev. ed.", "extra": "type: musical_score", "itemType": "book",
         "place": "Bryn Mawr, PA", "publisher": "Theodore Presser", "title": "Sonatas and fantasies for the piano"}
REVIEW = {"creators": [{"creatorType": "author", "firstName": "Ben", "lastName": "Ratliff"},
                       {"creatorType": "reviewedAuthor", "name": "Hermano Vianna"}],
          "date": "1999-04", "extra": "type: review-book", "itemType": "journalArticle", "pages": "B13–B14",
          "publicationTitle": "Lingua Franca", "title": "The mystery of samba", "volume": "9"}
NEWSPAPER_REVIEW = {"creators": [{"creatorType": "author", "firstName": "David", "lastName": "Kamp"},
                                 {"creatorType": "reviewedAuthor", "firstName": "Michael", "lastName": "Pollan"}],
                    "date": "2006-04-23", "extra": "type: review-book", "itemType": "newspaperArticle",
                    "section": "Sunday Book Review", "title": "Deconstructing dinner"}


def test_a_case_is_a_jurisdiction_with_its_reporter_volume_pages_and_court():
    bib, bbl, csl = entry(CASE)
    assert bbl["@"] == "jurisdiction"
    assert (bbl["journaltitle"], bbl["volume"], bbl["number"], bbl["pages"], bbl["institution"]) == \
        ("Rec.", "I", "337033", "649", "CE, Ass.")
    assert bbl["date"] == "2010-12-23" and "howpublished" not in bbl
    assert bib["@"] == "misc" and bib["howpublished"] == "Rec."     # plain BibTeX has no such type
    assert csl["type"] == "legal_case" and csl["authority"] == "CE, Ass."
    # The curator's translator in extra is kept (@misc took none).
    _, bbl, _ = entry(REPORTED)
    assert (bbl["@"], bbl["journaltitle"], bbl["volume"], bbl["pages"], bbl["institution"]) == \
        ("jurisdiction", "CLR", "195", "337", "HCA")
    assert bbl["translator"] == "Kartinyeri" and bbl["author"] == "Kaetinyeri v Commonwealth"


def test_zoteros_own_field_names_of_a_case_and_a_statute_are_read():
    # The Web API names a case's fields its own way (caseName, reporter, reporterVolume, firstPage...).
    _, bbl, csl = entry({"itemType": "case", "caseName": "Kartinyeri v Commonwealth", "court": "HCA",
                         "reporter": "CLR", "reporterVolume": "195", "firstPage": "337", "docketNumber": "A1",
                         "dateDecided": "1998-04-01"})
    assert bbl["title"].replace("{", "").replace("}", "") == "Kartinyeri v Commonwealth"
    assert (bbl["journaltitle"], bbl["volume"], bbl["pages"], bbl["number"], bbl["institution"], bbl["date"]) == \
        ("CLR", "195", "337", "A1", "HCA", "1998-04-01")
    assert csl["container-title"] == "CLR" and csl["page"] == "337"
    _, bbl, _ = entry({"itemType": "statute", "nameOfAct": "Loi", "code": "JORF", "publicLawNumber": "PRMX0908015L",
                       "pages": "9784", "dateEnacted": "2009-06-15"})
    assert (bbl["@"], bbl["journaltitle"], bbl["number"], bbl["date"]) == \
        ("legislation", "JORF", "PRMX0908015L", "2009-06-15")
    # An arXiv id in a preprint's archiveID (Zotero's `number` base field) is no number.
    _, bbl, _ = entry({"itemType": "preprint", "title": "P", "archiveID": "arXiv:2101.00001",
                       "url": "https://arxiv.org/abs/2101.00001"})
    assert "number" not in bbl


def test_a_statute_is_legislation_with_its_code_number_and_pages():
    bib, bbl, _ = entry(STATUTE)
    assert (bbl["@"], bbl["journaltitle"], bbl["number"], bbl["pages"], bbl["date"]) == \
        ("legislation", "JORF", "PRMX0908015L", "9784", "2009-06-15")
    assert bbl["url"] == STATUTE["url"] and bib["@"] == "misc"


def test_a_standard_is_one_with_its_publisher_and_kind():
    bib, bbl, _ = entry(STANDARD)
    assert bbl["@"] == "standard" and bbl["publisher"] == "the repository" and "institution" not in bbl
    assert (bbl["type"], bbl["number"], bbl["version"], bbl["pubstate"], bbl["location"]) == \
        ("This is the dataset type", "xxxxx", "3333", "The status", "the repo location")
    assert bib["@"] == "techreport" and bib["institution"] == "the repository"


def test_recordings_broadcasts_and_letters_keep_biblatex_s_types():
    _, bbl, _ = entry({"itemType": "audioRecording", "title": "Album", "label": "EMI"})
    assert (bbl["@"], bbl["publisher"]) == ("audio", "EMI") and "journaltitle" not in bbl
    _, bbl, _ = entry({"itemType": "tvBroadcast", "title": "Ep", "programTitle": "Show", "network": "BBC",
                       "episodeNumber": "3", "creators": [{"creatorType": "director", "firstName": "A", "lastName": "D"}]})
    assert (bbl["@"], bbl["booktitle"], bbl["publisher"], bbl["number"]) == ("video", "Show", "BBC", "3")
    assert (bbl["editor"], bbl["editortype"]) == ("D, A", "director")
    _, bbl, _ = entry({"itemType": "email", "subject": "Hello", "date": "2020"})
    assert (bbl["@"], bbl["title"], bbl["type"]) == ("letter", "{Hello}", "E-mail")
    _, bbl, _ = entry({"itemType": "letter", "title": "L", "letterType": "Postcard"})
    assert (bbl["@"], bbl["type"]) == ("letter", "Postcard")


def test_a_type_in_extra_names_biblatex_s_review_and_audio():
    bib, bbl, csl = entry(SCORE)
    assert bbl["@"] == "audio" and bib["@"] == "misc" and csl["type"] == "musical_score"
    assert (bbl["publisher"], bbl["edition"], bbl["location"]) == ("Theodore Presser", "Rev. ed.", "Bryn Mawr, PA")
    assert "journaltitle" not in bbl        # the book's publisher is no journal
    bib, bbl, _ = entry(REVIEW)
    assert (bbl["@"], bbl["journaltitle"], bbl["volume"], bbl["pages"]) == ("review", "Lingua Franca", "9", "B13--B14")
    assert (bbl["namea"], bbl["nameatype"]) == ("{Hermano Vianna}", "collaborator") and bib["@"] == "article"
    _, bbl, _ = entry(NEWSPAPER_REVIEW)
    assert bbl["@"] == "review" and "entrysubtype" not in bbl


def test_biblatex_accepts_a_curators_unsupported_entrytype_and_keeps_the_venue():
    _, bbl, _ = entry({"itemType": "journalArticle", "title": "T", "publicationTitle": "J",
                       "extra": "tex.entrytype: jurisdiction"})
    assert (bbl["@"], bbl["journaltitle"]) == ("jurisdiction", "J")


needs_biber = pytest.mark.skipif(shutil.which("biber") is None,
                                 reason=f"biber missing; install with `{validate_bib.INSTALL}`")


@pytest.mark.tools
@needs_biber
def test_biber_check_passes_the_fields_of_an_unsupported_type_and_fails_another_types():
    assert validate_bib.biber_check("@jurisdiction{k,\n  title = {Dalain},\n  journaltitle = {Rec.},\n"
                                    "  volume = {I},\n  pages = {649},\n  institution = {CE},\n"
                                    "  date = {2010-12-23},\n}\n") == []
    [problem] = validate_bib.biber_check("@article{k,\n  author = {A, B},\n  title = {T},\n  journaltitle = {J},\n"
                                         "  institution = {X},\n  date = {2010},\n}\n")
    assert "Invalid field 'institution' for entrytype 'article'" in problem.message
    # A field no type has, or a bad date, fails under an unsupported type too.
    problems = validate_bib.biber_check("@legislation{k,\n  title = {T},\n  wonderfield = {x},\n"
                                        "  date = {2010-13-01},\n}\n")
    assert len(problems) == 2


@pytest.mark.tools
@needs_biber
def test_the_unsupported_types_written_pass_biber_s_check():
    items = [CASE, REPORTED, STATUTE, STANDARD, SCORE, REVIEW, NEWSPAPER_REVIEW,
             {"itemType": "email", "subject": "Hello"}, {"itemType": "film", "title": "F", "distributor": "W"}]
    records = [to_record({"key": f"ABCD234{i}", "data": item}) for i, item in enumerate(items)]
    text = biblatex.render(records, {r.key: f"k{i}" for i, r in enumerate(records)})
    assert validate_bib.biber_check(text) == []
    assert "@jurisdiction{k0," in text and "@legislation{k2," in text and "@review{k5," in text
