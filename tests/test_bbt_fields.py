"""Zotero fields and types the citation files read as Better BibTeX does (issue 20, fields and types): each
test is one of BBT's export fixtures the comparison (tests/bbt_compare.py) found us differing on, its
item written out here."""
from __future__ import annotations

from pipeline.identifiers import hyphenated_isbns
from tests.test_bbt_agreement import entry      # (BibTeX fields + type, biblatex fields + type, CSL item)


def test_a_conference_name_is_the_eventtitle_and_only_a_proceedings_title_the_booktitle():
    # "Citation key add `_preprint` if URL contains `arxiv.org` #2163": ICLR papers with no proceedings.
    bib, bbl, _ = entry({"itemType": "conferencePaper", "title": "On Solving Minimax Optimization Locally",
                         "conferenceName": "International Conference on Learning Representations"})
    assert bbl["eventtitle"] == "International Conference on Learning Representations" and "booktitle" not in bbl
    assert bib["booktitle"] == "International Conference on Learning Representations"     # BibTeX has no eventtitle
    # "Export of greek mu incorrect #3276": both, the same words: both fields.
    _, bbl, _ = entry({"itemType": "conferencePaper", "title": "T", "conferenceName": "2024 IEEE OECC",
                       "proceedingsTitle": "2024 IEEE OECC"})
    assert bbl["booktitle"] == bbl["eventtitle"] == "2024 IEEE OECC"


def test_archive_ids_from_links_and_extra_are_eprints():
    # "lone ogonek should have brace": a PubMed link.
    bib, bbl, _ = entry({"itemType": "journalArticle", "title": "T",
                         "url": "http://www.ncbi.nlm.nih.gov/pubmed/15599377"})
    assert (bbl["eprint"], bbl["eprinttype"]) == ("15599377", "pubmed")
    assert (bib["eprint"], bib["eprinttype"]) == ("15599377", "pubmed") and "pmid" not in bib
    # "BBT does not recognize zh-CN #2391": Zotero's Google Books translator's line in extra.
    bib, bbl, _ = entry({"itemType": "book", "title": "T", "extra": "Google-Books-ID: gzA4AAAACAAJ"})
    assert (bbl["eprint"], bbl["eprinttype"]) == ("gzA4AAAACAAJ", "googlebooks") and "eprint" not in bib
    # A PMID typed in extra: biblatex's eprint, BibTeX's own `pmid` field (as BBT writes them).
    bib, bbl, _ = entry({"itemType": "journalArticle", "title": "T", "extra": "PMID: 8947047"})
    assert (bbl["eprint"], bbl["eprinttype"]) == ("8947047", "pubmed") and bib["pmid"] == "8947047"
    # "Better BibTeX does not export collections #901": a JSTOR link, in papers.bib too.
    bib, _, _ = entry({"itemType": "journalArticle", "title": "T", "url": "http://www.jstor.org/stable/20099996"})
    assert (bib["eprint"], bib["eprinttype"]) == ("20099996", "jstor")
    _, bbl, _ = entry({"itemType": "journalArticle", "title": "T", "extra": "HDL: 2027/mdp.39015\nJSTOR: not-a-number"})
    assert (bbl["eprint"], bbl["eprinttype"]) == ("2027/mdp.39015", "hdl")


def test_a_preprint_on_another_repository_than_arxiv_names_it_as_the_eprint_type():
    # "preprint print more information #2395": an ESS Open Archive preprint, its section in extra.
    _, bbl, _ = entry({"itemType": "preprint", "title": "T", "repository": "Earth and Space Science Open Archive",
                       "extra": "Section: Oceanography", "DOI": "10.1002/essoar.10511180.2"})
    assert bbl["@"] == "online" and bbl["eprinttype"] == "Earth and Space Science Open Archive"
    assert bbl["eprintclass"] == "Oceanography" and bbl["pubstate"] == "prepublished"


def test_isbns_are_hyphenated_by_their_ranges_and_anything_else_is_kept_as_typed():
    # "German Umlaut separated by brackets #146": four ISBNs in one field.
    assert hyphenated_isbns("3800721414 9783800721412 3802204697 9783802204692") == \
        "3-8007-2141-4 978-3-8007-2141-2 3-8022-0469-7 978-3-8022-0469-2"
    # "Better BibTeX does not export collections #901": a field with a number that is no ISBN, or a note,
    # is kept whole as typed (BBT's .bibtex).
    assert hyphenated_isbns("0774803274; 08470502") == "0774803274; 08470502"
    assert hyphenated_isbns("092492201X (PBK)") == "092492201X (PBK)"
    assert hyphenated_isbns("0774803274; 092492201X") == "0-7748-0327-4; 0-924922-01-X"
    assert hyphenated_isbns("0-385-52740-4") == "0-385-52740-4"          # a wrong check digit
    assert hyphenated_isbns("9786610221356") == "9786610221356"           # a group no range names
    bib, bbl, csl = entry({"itemType": "book", "title": "T", "ISBN": "2705662219"})
    assert bib["isbn"] == bbl["isbn"] == csl["ISBN"] == "2-7056-6221-9"


def test_series_editors_contributors_and_other_roles_keep_their_fields():
    # "URL-DOI exclusive export broken for item types with no dedicated DOI field #1331": a book with
    # editors and series editors.
    people = [{"creatorType": "editor", "firstName": "Robert", "lastName": "Gentleman"},
              {"creatorType": "seriesEditor", "firstName": "Wing", "lastName": "Wong"},
              {"creatorType": "seriesEditor", "firstName": "M.", "lastName": "Gail"}]
    bib, bbl, csl = entry({"itemType": "book", "title": "T", "creators": people})
    assert bbl["editor"] == "Gentleman, Robert" and "editortype" not in bbl
    assert (bbl["editora"], bbl["editoratype"]) == ("Wong, Wing and Gail, M.", "redactor")
    assert bib["editor"] == "Gentleman, Robert" and csl["collection-editor"][0]["family"] == "Wong"
    # With no other editor, the series' editors are the editors, of type redactor.
    _, bbl, _ = entry({"itemType": "book", "title": "T", "creators": people[1:]})
    assert (bbl["editor"], bbl["editortype"]) == ("Wong, Wing and Gail, M.", "redactor") and "editora" not in bbl
    # "Convert Chinese name to Pinyin in citation key. #2361": contributors to a thesis.
    bib, bbl, _ = entry({"itemType": "thesis", "title": "T", "creators": [
        {"creatorType": "author", "lastName": "魏笑"}, {"creatorType": "contributor", "lastName": "赵英"},
        {"creatorType": "contributor", "lastName": "西北农林科技大学"}]})
    assert (bbl["namea"], bbl["nameatype"]) == ("赵英 and 西北农林科技大学", "collaborator")
    assert bbl["author"] == "魏笑"
    assert bib["collaborator"].count(" and ") == 1 and "namea" not in bib
    # "Setting the item type via the cheater syntax #587": a review's reviewed author, a translator.
    bib, bbl, _ = entry({"itemType": "journalArticle", "title": "T", "creators": [
        {"creatorType": "author", "firstName": "A", "lastName": "Critic"},
        {"creatorType": "reviewedAuthor", "firstName": "Michael", "lastName": "Pollan"},
        {"creatorType": "translator", "firstName": "T", "lastName": "Rans"}]})
    assert (bbl["namea"], bbl["nameatype"], bbl["translator"]) == ("Pollan, Michael", "collaborator", "Rans, T")
    assert (bib["collaborator"], bib["translator"]) == ("Pollan, Michael", "Rans, T")


def test_a_patent_names_its_office_its_number_and_its_holder():
    # "Export Patent Applications as such #1413": an application, and a granted patent.
    inventor = [{"creatorType": "inventor", "firstName": "Nils", "lastName": "Werner"}]
    _, bbl, _ = entry({"itemType": "patent", "title": "T", "applicationNumber": "EP456456456",
                       "assignee": "My Employer", "creators": inventor})
    assert (bbl["@"], bbl["type"], bbl["number"], bbl["holder"]) == ("patent", "patreqeu", "456456456", "{My Employer}")
    _, bbl, _ = entry({"itemType": "patent", "title": "T", "applicationNumber": "EP789789789", "number": "EP123123123",
                       "assignee": "My Employer", "creators": inventor})
    assert (bbl["type"], bbl["number"]) == ("patenteu", "123123123")
    _, bbl, _ = entry({"itemType": "patent", "title": "T", "number": "123", "country": "Japan", "creators": inventor})
    assert (bbl["type"], bbl["number"], bbl["location"]) == ("patent", "123", "Japan")
    _, bbl, _ = entry({"itemType": "patent", "title": "T", "number": "4,123", "country": "US", "creators": inventor})
    assert (bbl["type"], bbl["number"]) == ("patentus", "4,123") and "location" not in bbl


def test_a_role_field_biber_does_not_take_under_the_type_is_left_out():
    # biber's data model takes editora under a book, not under a paper in proceedings.
    people = [{"creatorType": "editor", "firstName": "E", "lastName": "Ditor"},
              {"creatorType": "seriesEditor", "firstName": "S", "lastName": "Eries"}]
    _, bbl, _ = entry({"itemType": "conferencePaper", "title": "T", "proceedingsTitle": "P", "creators": people})
    assert bbl["editor"] == "Ditor, E" and "editora" not in bbl and "editoratype" not in bbl


def test_thesis_kinds_and_the_type_bibtex_prints():
    # "University is exported as publisher as soon as tex.referencetype is specified #1965".
    bib, bbl, _ = entry({"itemType": "thesis", "title": "Network Connection Games", "type": "Bachelor's Thesis",
                         "publisher": "TU Clausthal", "extra": "tex.referencetype: mastersthesis"})
    assert (bib["@"], bib["school"], bib["type"]) == ("mastersthesis", "TU Clausthal", "Bachelor's Thesis")
    assert "publisher" not in bib
    bib, bbl, _ = entry({"itemType": "thesis", "title": "T", "thesisType": "Bachelor thesis", "university": "U"})
    assert (bib["@"], bib["type"], bbl["type"]) == ("phdthesis", "Bachelor thesis", "bathesis")
    bib, _, _ = entry({"itemType": "thesis", "title": "T", "thesisType": "PhD dissertation", "university": "U"})
    assert bib["@"] == "phdthesis" and "type" not in bib
    bib, _, _ = entry({"itemType": "report", "title": "T", "reportType": "Working paper", "institution": "NBER"})
    assert (bib["@"], bib["type"]) == ("techreport", "Working paper")


def test_a_chapter_in_an_authored_book_is_inbook():
    # "BibTeX Warning for Inbook Entries with Author and Editor Fields #1541", "Better BibLaTeX.020".
    bib, bbl, _ = entry({"itemType": "bookSection", "title": "In memoriam", "bookTitle": "Œuvres complètes",
                         "creators": [{"creatorType": "bookAuthor", "firstName": "Jean", "lastName": "Cavaillès"},
                                      {"creatorType": "author", "firstName": "Georges", "lastName": "Canguilhem"},
                                      {"creatorType": "editor", "firstName": "E", "lastName": "Ditor"}]})
    assert (bbl["@"], bbl["bookauthor"], bbl["author"]) == ("inbook", "Cavaillès, Jean", "Canguilhem, Georges")
    assert bib["@"] == "inbook" and "editor" not in bib      # BibTeX's @inbook: an author or an editor
    _, bbl, _ = entry({"itemType": "bookSection", "title": "T", "bookTitle": "B",
                       "creators": [{"creatorType": "author", "firstName": "A", "lastName": "Uthor"}]})
    assert bbl["@"] == "incollection"


def test_a_publisher_is_a_miscs_organization_and_a_datasets_publisher():
    # "References with multiple notes fail to export #174", "Add support for new Zotero item types #2496".
    bib, bbl, _ = entry({"itemType": "document", "title": "XYZZY", "publisher": "Doubleday"})
    assert bbl["organization"] == "Doubleday" and "howpublished" not in bbl and bib["howpublished"] == "Doubleday"
    _, bbl, _ = entry({"itemType": "dataset", "title": "T", "repository": "DGS-Korpus project"})
    assert bbl["publisher"] == "DGS-Korpus project" and "organization" not in bbl


def test_csl_variables_in_extra_fill_the_fields_the_one_table_maps_them_to():
    # "CSL status = biblatex pubstate #573", "Do not caps-protect literal lists #391".
    _, bbl, _ = entry({"itemType": "book", "title": "Title", "extra": "{:status:forthcoming}"})
    assert bbl["pubstate"] == "forthcoming"
    _, bbl, csl = entry({"itemType": "book", "title": "P", "extra": "original-publisher-place: Saint Kitts and Nevis\n"
                                                                   "original-publisher: Doe and Company"})
    assert (bbl["origlocation"], bbl["origpublisher"]) == ("{Saint Kitts and Nevis}", "{Doe and Company}")
    assert csl["original-publisher"] == "Doe and Company"
    # "event-place in extra not exported to address #2533", "... native eventPlace for conferencePaper #3486".
    bib, _, _ = entry({"itemType": "journalArticle", "title": "T", "extra": "Event place: Neuburg an der Donau"})
    assert bib["address"] == "Neuburg an der Donau"
    bib, bbl, _ = entry({"itemType": "conferencePaper", "title": "T", "proceedingsTitle": "P", "place": "New York, NY",
                         "eventPlace": "Online"})
    assert (bbl["venue"], bbl["location"], bib["address"]) == ("Online", "New York, NY", "New York, NY")


def test_biblatex_takes_an_editions_number_without_its_ordinal():
    _, bbl, _ = entry({"itemType": "book", "title": "T", "edition": "2nd"})
    assert bbl["edition"] == "2"
    bib, bbl, _ = entry({"itemType": "book", "title": "T", "edition": "Rev. ed."})
    assert bbl["edition"] == bib["edition"] == "Rev. ed."


def test_a_journal_article_on_arxiv_without_a_journal_is_unpublished_for_biblatex():
    # "inspireHep fetching broken #2201": arXiv id and classes in extra, no journal.
    _, bbl, _ = entry({"itemType": "journalArticle", "title": "Dark photon vortex formation and dynamics",
                       "extra": "arXiv:2206.12432 [astro-ph, physics:gr-qc, physics:hep-ph]",
                       "url": "http://arxiv.org/abs/2206.12432"})
    assert (bbl["@"], bbl["eprint"], bbl["eprintclass"]) == ("unpublished", "2206.12432",
                                                             "astro-ph, physics:gr-qc, physics:hep-ph")
    _, bbl, _ = entry({"itemType": "journalArticle", "title": "T", "publicationTitle": "Phys. Rev. D",
                       "url": "http://arxiv.org/abs/2206.12432"})
    assert bbl["@"] == "article" and bbl["journaltitle"] == "Phys. Rev. D"


def test_a_sici_doi_is_kept_whole_and_linked_encoded():
    """Better BibLaTeX.017: a DOI field holding a SICI DOI (`<`, `>`, `;`, parentheses) was cut at the `<`."""
    from pipeline.convert.zotero import clean_doi
    from pipeline.render.markdown import link_destination
    sici = "10.1175/1520-0493(1987)115<1606:GARSPP>2.0.CO;2"
    assert clean_doi(sici) == sici and clean_doi(f"https://doi.org/{sici}") == sici
    assert clean_doi("10.1145/3377811.3380362/abstract") == "10.1145/3377811.3380362"
    assert clean_doi("see <10.1145/abc>.") == "10.1145/abc"        # in running text, < > still end it
    assert link_destination(f"https://doi.org/{sici}") == \
        "https://doi.org/10.1175/1520-0493%281987%29115%3C1606:GARSPP%3E2.0.CO;2"


def test_a_no_break_space_typed_in_a_title_stays_one():
    """Capitalize all title-fields #383: `5.2\u00a0nm` was collapsed to a plain space when Zotero's text was
    cleaned; both .bib files write it as `~` (a tie), as Better BibTeX does; other space runs still collapse."""
    from pipeline.convert.zotero import text, to_record
    from pipeline.render import biblatex, bibtex
    assert text(" diameters from 1.5 to 5.2\u00a0nm \u2003 wide\n") == "diameters from 1.5 to 5.2\u00a0nm wide"
    record = to_record({"key": "NBSP2345", "data": {"itemType": "journalArticle", "date": "2004",
                                                     "title": "Core diameters from 1.5 to 5.2\u00a0nm"}})
    assert "5.2~nm" in bibtex.fields(record)["title"] and "5.2~nm" in biblatex.fields(record)["title"]
