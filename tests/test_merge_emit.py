"""The file contract between stages: snapshot + reviews -> build/records.json -> outputs."""
from __future__ import annotations

import json

import pytest

from pipeline import config
from pipeline.machinery import files
from pipeline.model import Catalog, catalog_from_dict
from pipeline.report import Reporter
from pipeline.stages import Options, StageError, emit, merge

TOP, A, A1, B = "TOPC2345", "AAAA2345", "AAA12345", "BBBB2345"


def collection(key, name, parent=False):
    return {"key": key, "version": 1, "library": {"type": "user", "id": 1}, "links": {}, "meta": {"numCollections": 0},
            "data": {"key": key, "version": 1, "name": name, "parentCollection": parent, "relations": {}}}


def item(key, title, collections, year="2020", **data):
    body = {"key": key, "version": 1, "itemType": "journalArticle", "title": title, "creators": [
        {"creatorType": "author", "firstName": "Ada", "lastName": "Lovelace"}], "date": year,
        "publicationTitle": "Journal of Tests", "url": f"https://example.org/{key}", "DOI": "", "extra": "",
        "tags": [], "collections": collections, "relations": {}, "dateAdded": f"2024-01-01T00:00:{key[-2:]}Z",
        "dateModified": "2024-01-01T00:00:00Z"}
    body.update(data)
    return {"key": key, "version": 1, "library": {"type": "user", "id": 1}, "links": {}, "meta": {}, "data": body}


@pytest.fixture
def snapshot(project):
    z = project / "data/raw/zotero"
    for c in (collection(TOP, "Top"), collection(A, "02 Alpha", TOP), collection(A1, "Nested", A),
              collection(B, "01 Beta", TOP), collection("ELSE2345", "Elsewhere")):
        files.write_json(z / "collections" / f"{c['key']}.json", c)
    items = [
        item("ITEM0001", "In two sections", [A1, B]),
        item("ITEM0002", "Only alpha", [A], year="2019"),
        item("ITEM0003", "Only in top", [TOP]),
        item("ITEM0004", "Elsewhere in the library", ["ELSE2345"]),
        item("ITEM0005", "A note", [A], itemType="note"),
        item("ITEM0006", "Trashed", [A], deleted=1),
        item("ITEM0007", "Child attachment", [A], itemType="attachment", parentItem="ITEM0001"),
    ]
    for i in items:
        files.write_json(z / "items" / f"{i['key']}.json", i)
    files.write_json(z / "state.json", {"source": "zotero-api", "collection": TOP, "version": 1})
    (project / "pipeline.toml").write_text('[entries]\nsort = ["-year", "title"]\n')
    return project


def test_merge_builds_sections_and_records(snapshot):
    (snapshot / "data/raw/zotero/items/BROKEN01.json").write_text("{not json", encoding="utf-8")
    reporter = Reporter(0)
    with pytest.raises(StageError, match="refusing to publish"):   # a damaged snapshot loses entries
        merge.run(config.load(snapshot, environ={}), Options(), reporter)
    reporter = Reporter(0)
    catalog = merge.run(config.load(snapshot, environ={}), Options(allow_missing=True), reporter)
    assert [s.path for s in catalog.sections] == [("Beta",), ("Alpha",), ("Alpha", "Nested")]
    assert [s.parent for s in catalog.sections] == [None, None, A]
    keys = [r.key for r in catalog.records]
    assert sorted(keys) == ["ITEM0001", "ITEM0002", "ITEM0003"]
    assert next(r for r in catalog.records if r.key == "ITEM0001").sections == (A1, B)
    messages = [str(p) for p in reporter.problems]
    assert any(m.startswith("data/raw/zotero/items/BROKEN01.json: unreadable item") for m in messages)
    assert any(m.startswith("ITEM0003: ") and "top collection" in m for m in messages)
    # the file contract: emit reads exactly this
    doc = json.loads((snapshot / "build/records.json").read_text())
    assert catalog_from_dict(doc).records == catalog.records


def test_reviews_override_and_bad_review_files_do_not_stop_the_run(snapshot):
    reviews = snapshot / "reviews"
    reviews.mkdir()
    (reviews / "one.md").write_text("---\nkey: ITEM0002\nsummary: Curated.\nyear: 2018\n---\nA long review.\n")
    (reviews / "broken.md").write_text("---\nkey: [\n---\n")
    (reviews / "orphan.md").write_text("---\nkey: NOPE2345\n---\n")
    reporter = Reporter(0)
    catalog = merge.run(config.load(snapshot, environ={}), Options(), reporter)
    record = next(r for r in catalog.records if r.key == "ITEM0002")
    assert (record.summary, record.year, record.review_path, record.review_text) == ("Curated.", 2018, "reviews/one.md", True)
    wheres = {p.where.split(":")[0] for p in reporter.problems}
    assert {"reviews/broken.md", "reviews/orphan.md"} <= wheres


def test_empty_sections_are_left_out(snapshot):
    (snapshot / "reviews").mkdir()
    (snapshot / "reviews/h.md").write_text("---\nkey: ITEM0002\nhidden: true\n---\n")
    catalog = merge.run(config.load(snapshot, environ={}), Options(), Reporter(0))
    # Alpha stays: its sub-section Nested still has an entry.
    assert [s.name for s in catalog.sections] == ["Beta", "Alpha", "Nested"]
    (snapshot / "reviews/h2.md").write_text("---\nkey: ITEM0001\nsections: [Beta]\n---\n")
    catalog = merge.run(config.load(snapshot, environ={}), Options(), Reporter(0))
    assert [s.name for s in catalog.sections] == ["Beta"]


def test_emit_needs_merge_first(project):
    with pytest.raises(StageError, match="run `python -m pipeline merge` first"):
        emit.run(config.load(project, environ={}), Options(), Reporter(0))


def test_emit_writes_every_output_and_dry_run_writes_nothing(snapshot, capsys):
    settings = config.load(snapshot, environ={})
    merge.run(settings, Options(), Reporter(0))
    emit.run(settings, Options(dry_run=True), Reporter(0))
    assert "+++ b/README.md" in capsys.readouterr().out
    assert not (snapshot / "README.md").exists()
    emit.run(settings, Options(), Reporter(0))
    for path in (settings.paths.readme, settings.paths.bib, settings.paths.csv, settings.paths.csljson,
                 settings.paths.datapackage, settings.paths.citekeys):
        assert path.is_file(), path
    before = {p: p.read_bytes() for p in settings.paths.root.rglob("*") if p.is_file()}
    merge.run(settings, Options(), Reporter(0))
    emit.run(settings, Options(), Reporter(0))
    after = {p: p.read_bytes() for p in settings.paths.root.rglob("*") if p.is_file()}
    assert before == after, "a second build changes no byte"


def crossref_work(doi, title, year, acronym="ICSE"):
    return {"DOI": doi, "type": "proceedings-article", "title": [title], "issued": {"date-parts": [[year]]},
            "container-title": ["Proceedings of the 43rd International Conference on Software Engineering"],
            "event": {"name": "ICSE", "acronym": f"{acronym} '{str(year)[2:]}"},
            "author": [{"family": "Lovelace", "given": "Ada", "sequence": "first"}],
            "is-referenced-by-count": 7, "publisher": "IEEE", "page": "1-10"}


def test_crossref_corrects_the_year_and_check_lists_the_disagreement(snapshot):
    from pipeline.machinery.crossref_cache import CrossrefCache

    settings = config.load(snapshot, environ={})
    z = settings.paths.zotero / "items" / "ITEM0002.json"
    obj = files.read_json(z)
    obj["data"]["DOI"] = "10.1109/icse.2021.1"
    obj["data"]["date"] = "2022"
    files.write_json(z, obj)
    CrossrefCache.for_settings(settings).write_work("10.1109/icse.2021.1", crossref_work("10.1109/icse.2021.1", "Only alpha", 2021))
    reporter = Reporter(0)
    catalog = merge.run(settings, Options(), reporter)
    record = next(r for r in catalog.records if r.key == "ITEM0002")
    assert (record.year, record.venue_label, record.citations, record.enrichment) == (2021, "ICSE", 7, "doi")
    assert record.source_of("year") == "crossref"
    assert any(p.code == "year-disagrees" and p.where == "ITEM0002" for p in reporter.problems)


def test_a_review_pins_a_doi_and_its_year_wins_but_is_still_listed(snapshot):
    from pipeline.machinery.crossref_cache import CrossrefCache

    settings = config.load(snapshot, environ={})
    CrossrefCache.for_settings(settings).write_work("10.1109/icse.2021.9", crossref_work("10.1109/icse.2021.9", "Only alpha", 2021))
    (snapshot / "reviews").mkdir()
    (snapshot / "reviews/a.md").write_text("---\nkey: ITEM0002\ndoi: 10.1109/ICSE.2021.9\nyear: 2020\n---\n")
    reporter = Reporter(0)
    catalog = merge.run(settings, Options(), reporter)
    record = next(r for r in catalog.records if r.key == "ITEM0002")
    # The curator's DOI is kept as typed (the registrant's case); it is looked up ignoring case.
    assert (record.doi, record.year, record.enrichment) == ("10.1109/ICSE.2021.9", 2020, "doi")
    assert record.source_of("doi") == "review" and record.source_of("year") == "review"
    assert any(p.code == "year-disagrees" and "review file" in p.message for p in reporter.problems)


def test_sync_dry_run_shows_the_whole_change_and_writes_nothing(snapshot, capsys):
    from pipeline import cli

    assert cli.main(["sync", "--root", str(snapshot), "-q"]) == 0
    before = {p: p.read_bytes() for p in snapshot.rglob("*") if p.is_file()}
    (snapshot / "reviews").mkdir()
    (snapshot / "reviews/a.md").write_text("---\nkey: ITEM0002\nsummary: Newly summarised.\n---\n")
    capsys.readouterr()
    assert cli.main(["sync", "--dry-run", "--root", str(snapshot), "-q"]) == 0
    out = capsys.readouterr().out
    assert "+- [Only alpha](https://example.org/ITEM0002), *Journal of Tests 2019* - Newly summarised." in out
    after = {p: p.read_bytes() for p in snapshot.rglob("*") if p.is_file() and p.name != "a.md"}
    assert after == before


def test_writing_a_review_text_adds_the_review_link(snapshot):
    from pipeline import cli

    (snapshot / "reviews").mkdir()
    review = snapshot / "reviews/My Review.md"
    review.write_text("---\nkey: ITEM0002\nstatus: draft\n---\n")
    assert cli.main(["sync", "--root", str(snapshot), "-q"]) == 0
    assert "Review" not in (snapshot / "README.md").read_text().split("Only alpha")[1].splitlines()[0]
    review.write_text("---\nkey: ITEM0002\nstatus: draft\n---\nWhat I think of it.\n")
    assert cli.main(["sync", "--root", str(snapshot), "-q"]) == 0
    line = next(l for l in (snapshot / "README.md").read_text().splitlines() if "[Only alpha]" in l)
    assert line.endswith("[Review (TBD)](reviews/My%20Review.md)")


def test_an_unknown_sort_field_is_reported_not_fatal(snapshot):
    (snapshot / "pipeline.toml").write_text('[entries]\nsort = ["-yaer", "title"]\n')
    reporter = Reporter(0)
    catalog = merge.run(config.load(snapshot, environ={}), Options(), reporter)
    assert len(catalog.records) == 3
    # An error (make check fails on it), naming the line and the field meant; the build still goes on.
    assert any(p.where == "pipeline.toml:2" and "'-yaer'" in p.message and "did you mean '-year'?" in p.message
               and p.level == "error" for p in reporter.problems)


def test_merge_builds_the_section_tree_once_and_it_travels_with_the_catalog(snapshot):
    settings = config.load(snapshot, environ={})
    catalog = merge.run(settings, Options(), Reporter(0))
    # (section, depth, parent, entries shown): "01 Beta" before "02 Alpha", Nested under Alpha and counted in it.
    assert [(b.section.key, b.depth, b.parent, b.count) for b in catalog.tree] == [
        (B, 1, None, 1), (A, 1, None, 2), (A1, 2, A, 1)]
    back = catalog_from_dict(json.loads(settings.paths.records.read_text(encoding="utf-8")))
    assert back.tree == catalog.tree                  # emit reads the tree merge built
    assert Catalog(sections=catalog.sections, records=catalog.records).tree == catalog.tree   # one rule
    hidden = tuple(r.evolve(hidden=True) if r.key == "ITEM0002" else r for r in catalog.records)
    assert [b.count for b in Catalog(sections=catalog.sections, records=hidden).tree] == [1, 1, 1]
