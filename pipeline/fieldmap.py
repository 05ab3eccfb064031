"""The one table from Zotero's item types and fields to BibTeX, biblatex and CSL, for all three writers.

Written from Zotero's schema (its `itemTypes` with each field's `baseField`, and its `csl` mappings)
and Better BibTeX's documented field mapping; the schema itself is not read at run time (a user's
machine has none), so what it says is written down here as data. Each writer looks an item type or a
field up here instead of keeping its own list, so a new Zotero type or field is one row.

Zotero names a field by its item type ("university" for a thesis, "network" for a TV broadcast, "en-
cyclopediaTitle"); each such name has a base field ("publisher", "publicationTitle") that `BASE` gives,
and the rows below speak of base fields only.
"""
from __future__ import annotations

import re

# Zotero's type-specific field names -> their base field (zotero-schema, `itemTypes[].fields[].baseField`).
BASE = {
    "artworkMedium": "medium", "audioRecordingFormat": "medium", "label": "publisher", "billNumber": "number",
    "codeVolume": "volume", "codePages": "pages", "legislativeBody": "authority", "blogTitle": "publicationTitle",
    "websiteType": "type", "format": "medium", "bookTitle": "publicationTitle", "caseName": "title",
    "court": "authority", "dateDecided": "date", "docketNumber": "number", "reporterVolume": "volume",
    "firstPage": "pages", "company": "publisher", "proceedingsTitle": "publicationTitle", "identifier": "number",
    "repository": "publisher", "repositoryLocation": "place", "dictionaryTitle": "publicationTitle",
    "subject": "title", "encyclopediaTitle": "publicationTitle", "distributor": "publisher", "genre": "type",
    "videoRecordingFormat": "medium", "forumTitle": "publicationTitle", "postType": "type",
    "documentNumber": "number", "interviewMedium": "medium", "letterType": "type", "manuscriptType": "type",
    "institution": "publisher", "mapType": "type", "issuingAuthority": "authority", "patentNumber": "number",
    "issueDate": "date", "priorityDate": "originalDate", "legalStatus": "status", "episodeNumber": "number",
    "audioFileType": "medium", "archiveID": "number", "presentationType": "type", "sessionTitle": "publicationTitle",
    "programTitle": "publicationTitle", "network": "publisher", "reportNumber": "number", "reportType": "type",
    "organization": "authority", "nameOfAct": "title", "publicLawNumber": "number", "dateEnacted": "date",
    "thesisType": "type", "university": "publisher", "studio": "publisher", "websiteTitle": "publicationTitle",
}

# Zotero item type -> (BibTeX type, its venue field, biblatex type, its venue field, CSL type).
# The CSL column is the schema's own `csl.types`; the .bib columns follow Better BibTeX's mapping,
# except where a plain BibTeX style has no such type (then `misc`, or `techreport` for a standard).
# papers.biblatex.bib keeps biblatex's own types for a case, a statute, a standard, a recording...
# (UNSUPPORTED below), as Better BibTeX writes them, with their reporter, volume, pages and numbers.
TYPES = {
    "artwork": ("misc", "howpublished", "artwork", "journaltitle", "graphic"),
    "audioRecording": ("misc", "howpublished", "audio", "journaltitle", "song"),
    "bill": ("misc", "howpublished", "legislation", "journaltitle", "bill"),
    "blogPost": ("misc", "howpublished", "online", "organization", "post-weblog"),
    "book": ("book", "", "book", "", "book"),
    "bookSection": ("incollection", "booktitle", "incollection", "booktitle", "chapter"),
    "case": ("misc", "howpublished", "jurisdiction", "journaltitle", "legal_case"),
    "computerProgram": ("misc", "howpublished", "software", "organization", "software"),
    "conferencePaper": ("inproceedings", "booktitle", "inproceedings", "booktitle", "paper-conference"),
    "dataset": ("misc", "howpublished", "dataset", "publisher", "dataset"),
    "dictionaryEntry": ("incollection", "booktitle", "inreference", "booktitle", "entry-dictionary"),
    "document": ("misc", "howpublished", "misc", "howpublished", "document"),
    "email": ("misc", "howpublished", "letter", "", "personal_communication"),
    "encyclopediaArticle": ("incollection", "booktitle", "inreference", "booktitle", "entry-encyclopedia"),
    "film": ("misc", "howpublished", "video", "booktitle", "motion_picture"),
    "forumPost": ("misc", "howpublished", "online", "organization", "post"),
    "hearing": ("misc", "howpublished", "jurisdiction", "journaltitle", "hearing"),
    "instantMessage": ("misc", "howpublished", "misc", "howpublished", "personal_communication"),
    "interview": ("misc", "howpublished", "misc", "howpublished", "interview"),
    "journalArticle": ("article", "journal", "article", "journaltitle", "article-journal"),
    "letter": ("misc", "howpublished", "letter", "", "personal_communication"),
    "magazineArticle": ("article", "journal", "article", "journaltitle", "article-magazine"),
    "manuscript": ("unpublished", "", "unpublished", "howpublished", "manuscript"),
    "map": ("misc", "howpublished", "misc", "howpublished", "map"),
    "newspaperArticle": ("article", "journal", "article", "journaltitle", "article-newspaper"),
    "patent": ("misc", "howpublished", "patent", "", "patent"),
    "podcast": ("misc", "howpublished", "audio", "journaltitle", "broadcast"),
    "preprint": ("misc", "howpublished", "online", "pubstate", "article"),
    "presentation": ("misc", "howpublished", "unpublished", "howpublished", "speech"),
    "radioBroadcast": ("misc", "howpublished", "audio", "journaltitle", "broadcast"),
    "report": ("techreport", "institution", "report", "institution", "report"),
    "standard": ("techreport", "institution", "standard", "journaltitle", "standard"),
    "statute": ("misc", "howpublished", "legislation", "journaltitle", "legislation"),
    "thesis": ("phdthesis", "school", "thesis", "institution", "thesis"),
    "tvBroadcast": ("misc", "howpublished", "video", "booktitle", "broadcast"),
    "videoRecording": ("misc", "howpublished", "video", "booktitle", "motion_picture"),
    "webpage": ("misc", "howpublished", "online", "organization", "webpage"),
}
DEFAULT = ("misc", "howpublished", "misc", "howpublished", "document")
# biblatex's entry types that no standard style supports (its manual, section 2.1.3): biber's default
# data model declares no field of them, not even `title`, because the styles that cite them (biblatex-apa,
# oscola, biblatex-juradiss) bring their own data model; the standard styles print them as @misc.
UNSUPPORTED = frozenset("artwork audio bibnote commentary image jurisdiction legislation legal letter movie "
                        "music performance review standard video".split())
# Where Better BibTeX writes the venue of one (a case's reporter, a statute's code, a reviewed work's
# journal): journaltitle, but a film's or broadcast's program is its booktitle.
UNSUPPORTED_VENUE = {kind: "booktitle" if kind in ("movie", "video") else "journaltitle" for kind in UNSUPPORTED}
# Crossref's work types -> the Zotero type that means the same (records enriched from Crossref alone).
CROSSREF = {
    "journal-article": "journalArticle", "proceedings-article": "conferencePaper", "book-chapter": "bookSection",
    "book-part": "bookSection", "reference-entry": "encyclopediaArticle", "monograph": "book",
    "edited-book": "book", "reference-book": "book", "book": "book", "dissertation": "thesis",
    "posted-content": "preprint", "report": "report", "dataset": "dataset", "standard": "standard",
}

# Zotero base field -> (BibTeX field, biblatex field, CSL variable); "" where a format has none.
# Only the fields no writer handles by hand (titles, names, dates, venues, identifiers) are here.
FIELDS = {
    "ISBN": ("isbn", "isbn", "ISBN"),
    "ISSN": ("issn", "issn", "ISSN"),
    "edition": ("edition", "edition", "edition"),
    "numberOfVolumes": ("", "volumes", "number-of-volumes"),
    "numPages": ("", "pagetotal", "number-of-pages"),
    "conferenceName": ("", "eventtitle", "event-title"),
    "versionNumber": ("", "version", "version"),
    "medium": ("", "", "medium"),
    "place": ("address", "location", "publisher-place"),
    "eventPlace": ("address", "venue", "event-place"),      # (papers.bib: where no place is)
    "seriesNumber": ("", "", "collection-number"),
    "partNumber": ("", "", "part"),          # CSL-JSON's schema names it `part`
    "partTitle": ("", "", "part-title"),
    "section": ("chapter", "", "section"),   # (a newspaper's section: BibTeX's chapter, as Better BibTeX has it)
    "status": ("", "pubstate", "status"),
    "PMID": ("pmid", "", "PMID"),
    "originalPublisher": ("", "origpublisher", "original-publisher"),
    "originalPlace": ("", "origlocation", "original-publisher-place"),
    "authority": ("", "", "authority"),
    "type": ("", "", "genre"),
    "runningTime": ("", "", "dimensions"),
    # Not Zotero fields: what the converter reads from an arXiv id's classes, and a reprint's date.
    "eprintclass": ("primaryClass", "eprintclass", ""),
    "originalDate": ("", "origdate", "original-date"),
    # A conference paper's proceedings title (the venue already), kept to tell it from the conference's
    # name standing in for it: biblatex's booktitle is the one, its eventtitle the other.
    "proceedingsTitle": ("", "", ""),
    # A journal's abbreviation: biblatex's journaltitle of an article with no journal name (Better BibTeX's).
    "journalAbbreviation": ("", "", ""),
    # A patent's: read together by `patent` below.
    "applicationNumber": ("", "", ""), "country": ("", "", ""), "assignee": ("", "", ""),
}

# What a thesis's or report's `type` says (lower case, punctuation and "thesis"/"diss" words kept)
# -> (BibTeX entry type, biblatex `type`): Better BibTeX's reading of the free text.
# ("" where BibTeX has no type of that kind: the thesis stays @phdthesis with its `type` as written.)
THESIS_KINDS = (
    (("master", "ma ", "m.a.", "msc", "m.sc", "mphil", "m.phil", "magister", "diplom"), ("mastersthesis", "mathesis")),
    (("phd", "ph.d", "doctor", "dissertation", "diss.", "dphil", "d.phil", "habilitation"), ("phdthesis", "phdthesis")),
    (("bachelor", "ba ", "b.a.", "bsc", "b.sc"), ("", "bathesis")),
)
REPORT_KINDS = {"techreport": "techreport", "resreport": "resreport"}
# Archives whose ids biblatex prints as links (`eprinttype`), by the pseudo-field the converter reads
# them into (from extra's `PMID:` line or the item's URL), in the order one is chosen.
EPRINTS = (("PMID", "pubmed"), ("JSTOR", "jstor"), ("HDL", "hdl"), ("googlebooks", "googlebooks"))


def archive_eprint(found: dict[str, str]) -> tuple[str, str]:
    """(id, eprinttype) of the first archive in EPRINTS that `found` (a record's fields) has an id of."""
    return next(((found[name], kind) for name, kind in EPRINTS if found.get(name)), ("", ""))

# Zotero creator types -> (biblatex name field, its `…type` value), and the CSL name variable (the
# schema's `csl.names`). As Better BibTeX writes them: a series editor is the editor of type `redactor`
# of an item with no other editor, else `editora`; a director is a film's editor of type `director`;
# the roles biblatex has no field of are `namea` of type `collaborator` (an author's role, model.py
# AUTHOR_ROLES, stays an author).
_COLLABORATOR = ("namea", "collaborator")
ROLES = {
    "author": ("author", "", "author"), "editor": ("editor", "", "editor"),
    "seriesEditor": ("editora", "redactor", "collection-editor"), "bookAuthor": ("bookauthor", "", "container-author"),
    "translator": ("translator", "", "translator"), "contributor": (*_COLLABORATOR, "contributor"),
    "director": ("editor", "director", "director"), "scriptwriter": (*_COLLABORATOR, "script-writer"),
    "producer": (*_COLLABORATOR, "producer"), "castMember": (*_COLLABORATOR, "performer"),
    "composer": ("", "", "composer"),
    "interviewer": ("", "", "interviewer"), "reviewedAuthor": (*_COLLABORATOR, "reviewed-author"),
    "recipient": (*_COLLABORATOR, "recipient"), "host": (*_COLLABORATOR, "host"), "guest": (*_COLLABORATOR, "guest"),
    "narrator": (*_COLLABORATOR, "narrator"), "illustrator": (*_COLLABORATOR, "illustrator"),
    "chair": (*_COLLABORATOR, "chair"), "executiveProducer": (*_COLLABORATOR, "executive-producer"),
    "performer": ("", "", "performer"),
}


# Patent offices biblatex names (`type = {patenteu}`), by a country Zotero holds or a number's prefix.
PATENT_REGIONS = {"de": "de", "eu": "eu", "fr": "fr", "uk": "uk", "us": "us"}
PATENT_PREFIXES = {"us": "us", "ep": "eu", "gb": "uk", "de": "de", "fr": "fr"}


def patent(found: dict[str, str], number: str) -> dict[str, str]:
    """biblatex's fields of a patent, as Better BibTeX writes them: `number` without its office's
    prefix (EP123 -> 123), `type` patent + office (`patenteu`) for a granted one and patreq + office for
    an application, the assignee as `holder` (one literal name), a country no office stands for as the
    location. `found` is the record's fields, `number` its patent number."""
    application = found.get("applicationNumber", "")
    region = PATENT_REGIONS.get(found.get("country", "").strip().lower(), "")
    out = {"number": number or application}
    for typed in (number, application):
        if typed and typed[:2].lower() in PATENT_PREFIXES:
            region = region or PATENT_PREFIXES[typed[:2].lower()]
            out["number"] = typed[2:].strip()
            break
    out["type"] = ("patent" if number else "patreq") + region if region and (number or application) else "patent"
    if found.get("assignee"):
        out["holder"] = found["assignee"]
    if found.get("country") and not region:
        out["location"] = found["country"]
    return out


def types(item_type: str) -> tuple[str, str, str, str, str]:
    """The row of TYPES for a Zotero (or Crossref) item type."""
    return TYPES.get(CROSSREF.get(item_type, item_type), DEFAULT)


def has_book_author(item_type: str, roles) -> bool:
    """A book section whose book has its own author (`bookAuthor`): @inbook, not @incollection, in both
    .bib files (Better BibTeX's reading)."""
    return item_type == "bookSection" and "bookAuthor" in roles


def thesis_kind(value: str) -> tuple[str, str] | None:
    """(BibTeX type, biblatex type) a thesis's free-text type names, or None."""
    text = f"{value.strip().lower()} "
    for words, kinds in THESIS_KINDS:
        if any(text.startswith(w) or f" {w}" in text for w in words):
            return kinds
    return None


# "arXiv:1305.4904 [quant-ph]", "arXiv: 1410.5093 [hep-ph]": an arXiv id with its classes, as arXiv's own
# export and Zotero's arXiv translator write it (in a journal field, archiveID or extra).
_ARXIV_CLASS_RE = re.compile(r"^\s*arxiv:\s*(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?\s*(?:\[([^\]]+)\])?\s*$",
                             re.I)


def arxiv_with_class(*values) -> tuple[str, str]:
    """(arXiv id, its classes) from the first of `values` written as `arXiv:ID [class]`."""
    for value in values:
        match = _ARXIV_CLASS_RE.match(str(value or ""))
        if match:
            return match.group(1), " ".join((match.group(2) or "").split())
    return "", ""
