"""papers.json against CSL-JSON's schema (version 1.0.2) and through a CSL processor.

The schema's facts are written down here (its variables, types, name and date shapes; it has
`additionalProperties: false`), so the check needs no network: every item our writer makes from Better
BibTeX's 200 fixture files and from hand-made edge cases must validate, and citeproc-py must format
each one into a bibliography entry.
"""
from __future__ import annotations

import json

import pytest

from pipeline.model import Creator, Record
from pipeline.render import citekeys, csljson
from tests.bbt_fixtures import BBT_DIR, SKIP_REASON, load_records

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema comes with the test extra: pip install -e '.[test]'")

NAMES = """author chair collection-editor compiler composer container-author contributor curator director editor
editorial-director executive-producer guest host illustrator interviewer narrator organizer original-author
performer producer recipient reviewed-author script-writer series-creator translator""".split()
DATES = "accessed available-date event-date issued original-date submitted".split()
NUMBERS = """chapter-number citation-number collection-number edition first-reference-note-number issue locator number
number-of-pages number-of-volumes page page-first part printing supplement volume""".split()
STRINGS = """abstract annote archive archive_collection archive_location archive-place authority call-number
citation-key citation-label collection-title container-title container-title-short dimensions division DOI event
event-place event-title genre ISBN ISSN journalAbbreviation jurisdiction keyword language medium note
original-publisher original-publisher-place original-title part-title PMCID PMID publisher publisher-place references
reviewed-genre reviewed-title scale section shortTitle source status title title-short URL version volume-title
volume-title-short year-suffix""".split()
TYPES = """article article-journal article-magazine article-newspaper bill book broadcast chapter classic collection
dataset document entry entry-dictionary entry-encyclopedia event figure graphic hearing interview legal_case
legislation manuscript map motion_picture musical_score pamphlet paper-conference patent performance periodical
personal_communication post post-weblog regulation report review review-book software song speech standard thesis
treaty webpage""".split()

_NAME = {"type": "object", "additionalProperties": False, "properties": {
    **{k: {"type": "string"} for k in ("family", "given", "dropping-particle", "non-dropping-particle", "suffix",
                                       "literal")},
    **{k: {"type": ["string", "number", "boolean"]} for k in ("comma-suffix", "static-ordering", "parse-names")}}}
_DATE = {"type": "object", "additionalProperties": False, "properties": {
    "date-parts": {"type": "array", "minItems": 1, "maxItems": 2,
                   "items": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": ["string", "number"]}}},
    "season": {"type": ["string", "number"]}, "circa": {"type": ["string", "number", "boolean"]},
    "literal": {"type": "string"}, "raw": {"type": "string"}}}
SCHEMA = {"type": "array", "items": {
    "type": "object", "required": ["type", "id"], "additionalProperties": False,
    "properties": {
        "type": {"enum": TYPES}, "id": {"type": ["string", "number"]},
        "categories": {"type": "array", "items": {"type": "string"}}, "custom": {"type": "object"},
        **{k: {"type": "array", "items": _NAME} for k in NAMES}, **{k: _DATE for k in DATES},
        **{k: {"type": ["string", "number"]} for k in NUMBERS}, **{k: {"type": "string"} for k in STRINGS}}}}

EDGES = (
    Record(key="EDGE0001", item_type="film", title="F", creators=(Creator("Dir", "A", role="director"),),
           date="1989-01-30", edtf="1989-01-30/1989-02-03", year=1989, publisher="Warner"),
    Record(key="EDGE0002", item_type="book", title="B", edtf="1723?", date="1723", year=1723,
           fields=(("numberOfVolumes", "3"), ("originalDate", "1690"), ("partNumber", "2"))),
    Record(key="EDGE0003", item_type="tvBroadcast", title="T", edtf="-0876", year=-876, number="Episode 3",
           bib_fields=(("csl.available-date", "1965/1993"), ("csl.type", "pamphlet"))),
    Record(key="EDGE0004", item_type="webpage", title="W <span style=\"x\">y</span> $n$", arxiv="1410.5093",
           creators=(Creator(name="ACME Inc."),)),
)


def items(records: list[Record]) -> list[dict]:
    keys, _ = citekeys.assign(records, {})
    return json.loads(csljson.render(records, keys))


def problems(data: list[dict]) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{list(e.absolute_path)}: {e.message}"[:200] for e in validator.iter_errors(data)]


def test_edge_cases_are_valid_csl_json():
    assert problems(items(list(EDGES))) == []


@pytest.mark.shared
@pytest.mark.skipif(not BBT_DIR.is_dir(), reason=SKIP_REASON)
def test_every_bbt_fixture_item_is_valid_csl_json():
    assert problems(items(load_records()))[:20] == []


@pytest.mark.shared
@pytest.mark.skipif(not BBT_DIR.is_dir(), reason=SKIP_REASON)
def test_citeproc_formats_every_item():
    citeproc = pytest.importorskip("citeproc", reason="citeproc-py comes with the test extra: pip install -e '.[test]'")
    from citeproc.source.json import CiteProcJSON

    data = items(load_records() + list(EDGES))
    style = citeproc.CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = citeproc.CitationStylesBibliography(style, CiteProcJSON(data), citeproc.formatter.plain)
    for item in data:
        bibliography.register(citeproc.Citation([citeproc.CitationItem(item["id"])]))
    entries = [str(entry) for entry in bibliography.bibliography()]
    assert len(entries) == len(data) and all(e.strip() for e in entries)
