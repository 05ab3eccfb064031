"""add: a paper named by DOI, arXiv id, DBLP key or link becomes an item of the collection, once.

Against four loopback servers: Zotero (the collection, written to), Crossref (DOIs), arXiv (preprints)
and DBLP (record keys).
"""
from __future__ import annotations

import io
from contextlib import ExitStack
from pathlib import Path

import pytest

from pipeline import cli, config, identifiers
from pipeline.report import Reporter
from pipeline.sources import http
from pipeline.stages import Options, StageError, add, build
from tests.servers.arxiv_api import ArxivServer
from tests.servers.crossref_api import CrossrefServer
from tests.servers.dblp_api import DblpServer
from tests.servers.zotero_api import Library, ZoteroServer

KEY = "Ak7QwErTy8UiOp3AsDfGh2Jk"

WORK = {
    "DOI": "10.1109/ICSE43902.2021.00043", "type": "proceedings-article",
    "title": ["AutoTrainer: An Automatic DNN Training Problem Detection and Repair System"],
    "author": [{"given": "Xiaoyu", "family": "Zhang", "sequence": "first"},
               {"given": "Juan", "family": "Zhai", "sequence": "additional"}],
    "container-title": ["2021 IEEE/ACM 43rd International Conference on Software Engineering (ICSE)"],
    "event": {"name": "ICSE 2021", "acronym": "ICSE"},
    "issued": {"date-parts": [[2021, 5, 22]]}, "page": "359-371", "publisher": "IEEE",
    "is-referenced-by-count": 50,
}
PREPRINT = {"1807.10875": {"title": "TensorFuzz: Debugging Neural Networks with\n  Coverage-Guided Fuzzing",
                           "summary": "Fuzzing for neural networks.", "authors": ["Augustus Odena", "Ian Goodfellow"],
                           "published": "2018-07-28T00:00:00Z", "primary_category": "cs.LG"}}
DBLP_RECORD = {"key": "conf/sosp/PeiCYJ17", "type": "Conference and Workshop Papers", "year": "2017",
               "title": "DeepXplore: Automated Whitebox Testing of Deep Learning Systems.", "venue": "SOSP",
               "pages": "1-18", "ee": "https://doi.org/10.1145/3132747.3132785",
               "authors": {"author": [{"@pid": "1", "text": "Kexin Pei"}, {"@pid": "2", "text": "Yinzhi Cao"}]}}


def fast() -> http.RetryPolicy:
    return http.RetryPolicy(attempts=2, base=0.0, cap=0.0, sleep=lambda s: None, timeout=5.0)


class World:
    def __init__(self, project: Path, stack: ExitStack, *, writable: bool = True):
        self.library = Library()
        self.top = self.library.add_collection("A List")
        self.section = self.library.add_collection("Testing", parent=self.top)
        self.library.add_collection("Fuzzing", parent=self.section)
        self.listed = self.library.add_item({"title": "Listed Already", "DOI": "10.1000/listed"}, [self.section])
        self.zotero = stack.enter_context(ZoteroServer(self.library, api_key=KEY, writable=writable))
        self.crossref = stack.enter_context(CrossrefServer([WORK]))
        self.arxiv = stack.enter_context(ArxivServer(PREPRINT))
        self.dblp = stack.enter_context(DblpServer([DBLP_RECORD]))
        self.env = {"ZOTERO_API_URL": self.zotero.url, "ZOTERO_LIBRARY_ID": "1", "ZOTERO_COLLECTION": self.top,
                    "ZOTERO_API_KEY": KEY, "CROSSREF_API_URL": self.crossref.url, "DBLP_API_URL": self.dblp.url,
                    "ARXIV_API_URL": self.arxiv.url + "/api"}
        self.settings = config.load(project, environ=self.env)

    def add(self, *ids: str, out: io.StringIO | None = None, **kw) -> list[str]:
        kw.setdefault("section", "Testing")
        return add.run(self.settings, Options(), Reporter(1, out or io.StringIO()), list(ids), policy=fast(), **kw)

    def items(self) -> dict[str, dict]:
        return {k: d for k, d in self.library.items.items() if d["itemType"] != "note"}


@pytest.fixture
def world(project):
    with ExitStack() as stack:
        yield World(project, stack)


def test_a_doi_becomes_a_whole_item_in_its_section_with_its_summary(world, project):
    made = world.add("https://doi.org/10.1109/ICSE43902.2021.00043", summary="Finds **training** problems.",
                     tags=["Training"])
    assert len(made) == 1
    item = world.library.items[made[0]]
    assert item["itemType"] == "conferencePaper"
    assert item["title"].startswith("AutoTrainer") and item["DOI"] == "10.1109/ICSE43902.2021.00043"
    assert item["creators"][0] == {"creatorType": "author", "firstName": "Xiaoyu", "lastName": "Zhang"}
    assert item["date"] == "2021-05-22" and item["pages"] == "359-371"
    assert item["collections"] == [world.section] and item["tags"] == [{"tag": "Training"}]
    note = next(d for d in world.library.items.values() if d.get("parentItem") == made[0])
    assert note["tags"] == [{"tag": "summary"}] and "<strong>training</strong>" in note["note"]
    # Pulled, so the next build shows it with its label and summary.
    build.run(world.settings, Options(), Reporter(0))
    text = (project / "README.md").read_text()
    assert "*ICSE 2021*" in text and "Finds **training** problems." in text


def test_an_arxiv_id_becomes_a_preprint(world):
    made = world.add("arXiv:1807.10875v2", section="Testing > Fuzzing")
    item = world.library.items[made[0]]
    assert item["itemType"] == "preprint" and item["archiveID"] == "arXiv:1807.10875"
    assert item["title"] == "TensorFuzz: Debugging Neural Networks with Coverage-Guided Fuzzing"
    assert item["date"] == "2018-07-28" and item["collections"] == [
        next(k for k, c in world.library.collections.items() if c["name"] == "Fuzzing")]


def test_a_dblp_key_becomes_an_item_with_crossref_filling_in(world):
    made = world.add("https://dblp.org/rec/conf/sosp/PeiCYJ17.html")
    item = world.library.items[made[0]]
    assert item["title"] == "DeepXplore: Automated Whitebox Testing of Deep Learning Systems"
    assert item["DOI"] == "10.1145/3132747.3132785" and item["itemType"] == "conferencePaper"
    assert [c["lastName"] for c in item["creators"]] == ["Pei", "Cao"]


def test_a_link_becomes_a_web_page_with_the_title_given(world):
    made = world.add("https://example.org/guide", title="A Guide")
    assert world.library.items[made[0]]["itemType"] == "webpage"
    assert world.library.items[made[0]]["title"] == "A Guide"
    out = io.StringIO()
    assert world.add("https://example.org/other", out=out) == []
    assert "needs its title" in out.getvalue()


def test_a_paper_already_listed_is_refused_naming_the_entry(world):
    out = io.StringIO()
    count = len(world.library.items)
    assert world.add("10.1000/LISTED", out=out) == []
    assert f"already in the list as {world.listed} 'Listed Already' (the same DOI)" in out.getvalue()
    assert len(world.library.items) == count
    world.add("10.1109/ICSE43902.2021.00043")
    assert world.add("10.1109/icse43902.2021.00043", out=out) == []


def test_an_unknown_doi_or_arxiv_id_is_named_and_nothing_is_written(world):
    version = world.library.version
    out = io.StringIO()
    assert world.add("10.9999/nope", "2401.99999", "not an id", out=out) == []
    said = out.getvalue()
    assert "Crossref does not know DOI 10.9999/nope" in said
    assert "arXiv has no paper 2401.99999" in said and "'not an id' is not a DOI" in said
    assert world.library.version == version


def test_a_section_the_list_lacks_is_refused_with_the_nearest(world):
    with pytest.raises(StageError, match="no section 'Testin' \\(did you mean 'Testing'\\?\\)"):
        world.add("10.1109/ICSE43902.2021.00043", section="Testin")


def test_offline_and_read_only_change_nothing(project):
    with ExitStack() as stack:
        world = World(project, stack, writable=False)
        version = world.library.version
        with pytest.raises(StageError, match="cannot write"):
            world.add("10.1109/ICSE43902.2021.00043")
        with pytest.raises(StageError, match="--offline"):
            add.run(world.settings, Options(offline=True), Reporter(0), ["10.1109/ICSE43902.2021.00043"],
                    section="Testing")
        assert world.library.version == version


def test_crossref_unreachable_says_so_and_writes_nothing(world):
    world.settings = config.load(world.settings.paths.root, environ={**world.env, "CROSSREF_API_URL": "http://127.0.0.1:9"})
    version = world.library.version
    with pytest.raises(StageError, match="nothing was added"):
        world.add("10.1109/ICSE43902.2021.00043")
    assert world.library.version == version


def test_dblp_unreachable_stops_through_the_one_converter_and_writes_nothing(world):
    world.settings = config.load(world.settings.paths.root, environ={**world.env, "DBLP_API_URL": "http://127.0.0.1:9"})
    version = world.library.version
    with pytest.raises(StageError, match=r"^add: .*DBLP.*; nothing was added$"):
        world.add("conf/sosp/PeiCYJ17")
    assert world.library.version == version


def test_the_cli_adds_and_exits_3_when_one_id_was_refused(world, monkeypatch):
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    root = str(world.settings.paths.root)
    assert cli.main(["add", "10.1109/ICSE43902.2021.00043", "10.9999/nope", "--section", "Testing",
                     "--root", root, "-q"]) == 3
    assert any(d.get("DOI") == "10.1109/ICSE43902.2021.00043" for d in world.items().values())


@pytest.mark.parametrize("given, kind, value", [
    ("10.1145/3132747.3132785", "doi", "10.1145/3132747.3132785"),
    ("https://dx.doi.org/10.1145/3132747.3132785", "doi", "10.1145/3132747.3132785"),
    ("doi:10.48550/arXiv.1904.03257", "arxiv", "1904.03257"),
    ("https://arxiv.org/pdf/1904.03257v3.pdf", "arxiv", "1904.03257"),
    ("hep-th/9901001", "arxiv", "hep-th/9901001"),
    ("journals/tse/ZhangHML22", "dblp", "journals/tse/ZhangHML22"),
    ("https://dblp.org/rec/journals/tse/ZhangHML22.bib", "dblp", "journals/tse/ZhangHML22"),
    ("https://example.org/page?x=1", "url", "https://example.org/page?x=1"),
])
def test_identifiers(given, kind, value):
    ident = identifiers.parse(given)
    assert (ident.kind, ident.value) == (kind, value)


@pytest.mark.parametrize("given", ["", "hello", "javascript:alert(1)", "ftp://x.org/a", "10.1/"])
def test_not_identifiers(given):
    with pytest.raises(identifiers.NotAnIdentifier):
        identifiers.parse(given)
