"""push: an imported list moves into an empty Zotero collection on the loopback server, exactly once.

Each test imports a list into a scratch project, pushes it into a collection of a loopback library,
and looks at both sides: what the library holds (collections, items, notes) and what the project
publishes afterwards (the README's generated block, byte for byte against the imported list's).
"""
from __future__ import annotations

import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from pipeline import cli, config, suggest
from pipeline.render import readme
from pipeline.report import Reporter
from pipeline.sources import http
from pipeline.stages import Options, StageError, build, import_readme, merge, pull, push
from tests.servers.zotero_api import Library, ZoteroServer

KEY = "Pk7QwErTy8UiOp3AsDfGh2Jk"

LIST = """\
# Awesome Things

Intro text.

## Testing

- [DeepXplore: Automated Whitebox Testing of Deep Learning Systems](https://dl.acm.org/doi/10.1145/3132747.3132785), *SOSP 2017* (Best paper award) \\[Inference\\] - Introduces **Neuron Coverage** to guide input generation. [Review](reviews/deepxplore.md)
- [Oracle Issues in Machine Learning and Where to Find Them](https://dl.acm.org/doi/10.1145/3387940.3391490), *ICSEW 2020* - Oracles, with *Shannon Entropy*.

### Fuzzing

- [TensorFuzz: Debugging Neural Networks with Coverage-Guided Fuzzing](https://arxiv.org/abs/1807.10875), *arXiv 2018* - Fuzzing.
- [DeepXplore: Automated Whitebox Testing of Deep Learning Systems](https://dl.acm.org/doi/10.1145/3132747.3132785), *SOSP 2017* - Listed twice.

## Resources

- [AI Engineering Quick Start](https://ai-engineering.club/docs/quick_start) - A web page.

Closing text.
"""

REVIEW = """\
# Review of DeepXplore

- What problem is this work addressing?

  Testing deep learning systems.

A second paragraph with `code` and a [link](https://example.org/x).
"""


def fast_policy() -> http.RetryPolicy:
    return http.RetryPolicy(attempts=4, base=0.0, cap=0.0, sleep=lambda s: None, timeout=5.0)


@pytest.fixture
def imported(project: Path, tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    (src / "reviews").mkdir()
    (src / "list.md").write_text(LIST, encoding="utf-8")
    (src / "reviews" / "deepxplore.md").write_text(REVIEW, encoding="utf-8")
    import_readme.run(config.load(project, environ={}), Options(), Reporter(0), src / "list.md", date(2026, 1, 1))
    build.run(config.load(project, environ={}), Options(), Reporter(0))
    return project


def settings_for(project: Path, server: ZoteroServer, collection: str):
    return config.load(project, environ={"ZOTERO_API_URL": server.url, "ZOTERO_LIBRARY_ID": "1",
                                         "ZOTERO_COLLECTION": collection, "ZOTERO_API_KEY": KEY})


def generated(project: Path) -> str:
    text = (project / "README.md").read_text(encoding="utf-8")
    return text[text.index(readme.BEGIN):text.index(readme.END)]


def library_with_top() -> tuple[Library, str]:
    library = Library()
    return library, library.add_collection("Awesome Things")


def entries(library: Library) -> dict[str, dict]:
    return {k: d for k, d in library.items.items() if d["itemType"] != "note"}


def notes(library: Library) -> list[dict]:
    return [d for d in library.items.values() if d["itemType"] == "note"]


def run_push(settings, out: io.StringIO | None = None, **kw) -> push.Tally:
    return push.run(settings, Options(), Reporter(1, out or io.StringIO()), policy=fast_policy(), **kw)


def test_push_makes_the_collection_the_list_and_the_next_build_is_the_same_list(imported):
    before = generated(imported)
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        settings = settings_for(imported, server, top)
        tally = run_push(settings)
        # Sections as nested sub-collections, once each.
        names = {(d["name"], library.collections.get(d["parentCollection"] or "", {}).get("name"))
                 for k, d in library.collections.items() if k != top}
        assert names == {("Testing", "Awesome Things"), ("Fuzzing", "Testing"), ("Resources", "Awesome Things")}
        # One item per paper; the paper listed twice is one item in two collections.
        items = entries(library)
        assert len(items) == 4 and tally.items == 4
        deep = next(d for d in items.values() if d["title"].startswith("DeepXplore"))
        assert {library.collections[c]["name"] for c in deep["collections"]} == {"Testing", "Fuzzing"}
        assert deep["itemType"] == "conferencePaper" and deep["DOI"] == "10.1145/3132747.3132785"
        assert deep["tags"] == [{"tag": "Inference"}]
        assert "Venue: SOSP" in deep.get("extra", "")          # no source gives a label here: the curator's is kept
        web = next(d for d in items.values() if d["title"] == "AI Engineering Quick Start")
        assert web["itemType"] == "webpage"
        # Summaries and the review as tagged child notes. DeepXplore has a summary per section, which
        # one note cannot hold: those stay in its review file.
        kinds = sorted((n["tags"][0]["tag"], library.items[n["parentItem"]]["title"][:10]) for n in notes(library))
        assert kinds == [("review", "DeepXplore"), ("summary", "AI Enginee"), ("summary", "Oracle Iss"),
                         ("summary", "TensorFuzz")]
        # The snapshot is now the collection's, the review files name the Zotero items.
        state = (imported / "data/raw/zotero/state.json").read_text()
        assert '"import-readme"' not in state
        review = (imported / "reviews/deepxplore.md").read_text() if (imported / "reviews/deepxplore.md").exists() \
            else next(p.read_text() for p in (imported / "reviews").glob("DeepXplore*.md"))
        deep_key = next(k for k, d in items.items() if d["title"].startswith("DeepXplore"))
        assert f"key: {deep_key}" in review
    build.run(settings, Options(), Reporter(0))
    assert generated(imported) == before
    # The contributors' form offers the list's sections, as the collection now has them.
    form = (imported / ".github/ISSUE_TEMPLATE/suggest-paper.yml").read_text()
    assert suggest.form_sections(form) == ["Testing", "Testing > Fuzzing", "Resources"]


def test_a_second_push_makes_nothing(imported):
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        settings = settings_for(imported, server, top)
        run_push(settings)
        version = library.version
        out = io.StringIO()
        tally = run_push(settings, out)
    assert library.version == version and tally.items == tally.notes == tally.collections == 0
    assert "nothing to push" in out.getvalue()


def test_a_push_killed_halfway_resumes_and_never_makes_twice(imported):
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        settings = settings_for(imported, server, top)
        # The note batch never gets through: the push stops with collections and items made.
        original = push.Pusher.push_notes
        push.Pusher.push_notes = lambda self, remote: (_ for _ in ()).throw(StageError("killed"))
        try:
            with pytest.raises(StageError):
                run_push(settings)
        finally:
            push.Pusher.push_notes = original
        assert len(entries(library)) == 4 and not notes(library)
        run_push(settings)
    assert len(entries(library)) == 4 and len(notes(library)) == 4
    assert len(library.collections) == 4


@pytest.mark.parametrize("fault", ["lost", "reset", "503", "429", "bump"])
def test_every_write_whose_answer_is_lost_is_made_once(imported, fault):
    """A fault at each request of a push in turn (its reads, writes and the pull after it); then a
    second push. Never a duplicate."""
    clean = imported.parent / f"{imported.name}-clean"
    shutil.copytree(imported, clean)
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        run_push(settings_for(clean, server, top))
        count = server.requests
    assert count >= 12
    for n in range(1, count + 1):
        project = imported.parent / f"{imported.name}-copy-{n}"
        shutil.copytree(imported, project)
        library, top = library_with_top()
        with ZoteroServer(library, api_key=KEY, retry_after=0) as server:
            settings = settings_for(project, server, top)
            server.schedule = {n: fault}     # the n-th request of the push, read or write
            try:
                run_push(settings)
            except StageError:
                pass
            run_push(settings)
        assert len(entries(library)) == 4, (fault, n)
        assert len(notes(library)) == 4, (fault, n)
        assert len(library.collections) == 4, (fault, n)
        shutil.rmtree(project)


def test_sync_before_push_refuses_and_leaves_the_list_whole(imported):
    before = (imported / "README.md").read_text()
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        settings = settings_for(imported, server, top)
        out = io.StringIO()
        with pytest.raises(StageError) as err:
            pull.run(settings, Options(), Reporter(1, out))
    assert "holds none of the 4 papers imported from list.md" in str(err.value)
    assert "python -m pipeline push" in str(err.value)
    assert (imported / "README.md").read_text() == before
    assert '"import-readme"' in (imported / "data/raw/zotero/state.json").read_text()


def test_the_cli_refuses_a_sync_before_push_with_exit_1(imported, monkeypatch, capsys):
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        for name, value in {"ZOTERO_API_URL": server.url, "ZOTERO_LIBRARY_ID": "1", "ZOTERO_COLLECTION": top,
                            "ZOTERO_API_KEY": KEY}.items():
            monkeypatch.setenv(name, value)
        code = cli.main(["sync", "--root", str(imported)])
    assert code == 1
    assert "push" in capsys.readouterr().err


def test_dry_run_says_what_it_would_make_and_makes_nothing(imported, capsys):
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        settings = settings_for(imported, server, top)
        push.run(settings, Options(dry_run=True), Reporter(0), policy=fast_policy())
    printed = capsys.readouterr().out
    assert "would create collection 'Fuzzing' in 'Testing'" in printed
    assert "would create conferencePaper 'DeepXplore" in printed
    assert printed.count("would create a summary note") == 3
    assert len(library.collections) == 1 and not library.items


def test_limit_pushes_the_first_entries_and_keeps_the_imported_list(imported):
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        settings = settings_for(imported, server, top)
        run_push(settings, limit=1)
        assert [d["title"][:10] for d in entries(library).values()] == ["DeepXplore"]
        assert {d["name"] for d in library.collections.values()} == {"Awesome Things", "Testing", "Fuzzing"}
        assert '"import-readme"' in (imported / "data/raw/zotero/state.json").read_text()
        run_push(settings)
    assert len(entries(library)) == 4


def test_an_item_already_in_the_collection_is_filed_not_made_again(imported):
    library, top = library_with_top()
    mine = library.add_item({"title": "Some other title", "DOI": "10.1145/3132747.3132785"}, [top])
    with ZoteroServer(library, api_key=KEY) as server:
        out = io.StringIO()
        run_push(settings_for(imported, server, top), out)
    assert len(entries(library)) == 4 and mine in entries(library)
    assert {library.collections[c]["name"] for c in library.items[mine]["collections"]} == {
        "Awesome Things", "Testing", "Fuzzing"}
    assert "1 already there" in out.getvalue()


@pytest.mark.parametrize("case, expected", [
    ("readonly", "cannot write to user library 1"),
    ("nocollection", "has no collection"),
    ("local", "read-only"),
    ("nokey", "ZOTERO_API_KEY"),
])
def test_no_write_access_or_no_collection_changes_nothing(imported, case, expected):
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY, writable=case != "readonly") as server:
        env = {"ZOTERO_API_URL": server.url, "ZOTERO_LIBRARY_ID": "1", "ZOTERO_COLLECTION": top,
               "ZOTERO_API_KEY": KEY}
        if case == "nocollection":
            env["ZOTERO_COLLECTION"] = "ABCD2345"
        if case == "local":
            env["ZOTERO_API_URL"] = server.url + "/api"
        if case == "nokey":
            env["ZOTERO_API_KEY"] = ""
        version = library.version
        with pytest.raises(StageError) as err:
            push.run(config.load(imported, environ=env), Options(), Reporter(0), policy=fast_policy())
    assert expected in str(err.value) and KEY not in str(err.value)
    assert library.version == version and len(library.collections) == 1


def test_a_refused_item_is_named_by_its_line_and_the_rest_go_in(imported, monkeypatch):
    original = push.to_zotero.item_data

    def with_a_bad_field(record, base, collections, **kw):
        data = original(record, base, collections, **kw)
        if data["title"].startswith("Oracle"):
            data["notAField"] = "x"
        return data

    monkeypatch.setattr(push.to_zotero, "item_data", with_a_bad_field)
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        out = io.StringIO()
        with pytest.raises(StageError) as err:
            run_push(settings_for(imported, server, top), out)
    assert "1 object(s) were refused" in str(err.value)
    assert "list.md:8: Zotero refused the item 'Oracle Issues" in out.getvalue()
    assert len(entries(library)) == 3


@pytest.mark.shared
def test_the_curators_list_moves_into_zotero_whole(project, shared_dir):
    """The curator's own list: imported, pushed into an empty collection, synced back: the same list."""
    source = shared_dir / "fixtures/lists/orderlab-head/README.md"
    import_readme.run(config.load(project, environ={}), Options(), Reporter(0), source, date(2026, 1, 1))
    build.run(config.load(project, environ={}), Options(), Reporter(0))
    before = generated(project)
    summaries = sum(1 for p in (project / "reviews").glob("*.md") if "\nsummary: " in p.read_text())
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        settings = settings_for(project, server, top)
        run_push(settings)
        assert len(entries(library)) == 40
        assert len(library.collections) == 1 + 13
        kinds = [n["tags"][0]["tag"] for n in notes(library)]
        assert kinds.count("review") == 4 and kinds.count("summary") == summaries
        version = library.version
        tally = run_push(settings)
        assert library.version == version and tally.items == 0
        out = io.StringIO()
        assert cli.main(["sync", "--root", str(project), "--offline", "-q"]) in (0, 3)
        pull.run(settings, Options(), Reporter(1, out))
    build.run(settings, Options(), Reporter(0))
    assert generated(project) == before
    # Zotero holds the summaries and reviews now: no review file disagrees with its note.
    problems = merge.build(settings).problems
    assert [p for p in problems if p.code.startswith("review")] == []


def test_a_trashed_collection_of_the_same_name_is_not_taken_for_the_section(imported):
    library, top = library_with_top()
    trashed = library.add_collection("Testing", parent=top)
    library.collections[trashed]["deleted"] = True      # in Zotero 7's trash
    with ZoteroServer(library, api_key=KEY) as server:
        run_push(settings_for(imported, server, top))
    deep = next(d for d in entries(library).values() if d["title"].startswith("DeepXplore"))
    assert trashed not in deep["collections"]
    assert {library.collections[c]["name"] for c in deep["collections"]} == {"Testing", "Fuzzing"}


def test_every_paper_keeps_its_published_citation_key_and_entry_through_push(imported):
    # A document already citing the imported list's papers.bib must still compile after the move:
    # each key follows its paper to the Zotero item push made (it was `...2017a` after the move before).
    def bib_keys() -> list[str]:
        return sorted(re.findall(r"^@\w+\{([^,]+),", (imported / "data/curated/papers.bib").read_text(), re.M))

    before = bib_keys()
    citations = {name: (imported / "data/curated" / name).read_text() for name in ("papers.bib", "papers.biblatex.bib")}
    library, top = library_with_top()
    with ZoteroServer(library, api_key=KEY) as server:
        settings = settings_for(imported, server, top)
        run_push(settings)
    build.run(settings, Options(), Reporter(0))
    assert bib_keys() == before and before
    # The conference the list names stays the conference's name (eventtitle), not a proceedings title.
    assert {name: (imported / "data/curated" / name).read_text() for name in citations} == citations
    stored = json.loads((imported / "data/curated/citekeys.json").read_text())
    assert set(stored["keys"]) >= set(entries(library))      # under the Zotero items' own keys now
