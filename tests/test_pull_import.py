"""The first real pull after `import-readme`: review files follow their papers to the pulled keys."""
from __future__ import annotations

import io
from datetime import date

import pytest

from pipeline import config
from pipeline.report import Reporter
from pipeline.stages import Options, StageError, import_readme, merge, pull
from tests.servers.zotero_api import Library, ZoteroServer

LIST = """\
# A List

Intro.

## Papers

- [Found By DOI](https://dl.acm.org/doi/10.1145/3132747.3132785), *SOSP 2017* (Best paper award) - By DOI.
- [Found By URL](https://example.org/paper.pdf) - By URL.
- [Found: by title!](https://old.example.org/x) - By title.
- [Gone From Zotero](https://example.org/gone) - Nowhere.
"""
KEY = "Zk7QwErTy8UiOp3AsDfGh2Jk"


def test_reviews_move_to_the_pulled_items_and_nothing_is_lost(project):
    src = project / "list.md"
    src.write_text(LIST, encoding="utf-8")
    import_readme.run(config.load(project, environ={}), Options(), Reporter(0), src, date(2026, 1, 1))
    library = Library()
    top = library.add_collection("A List")
    papers = library.add_collection("Papers", parent=top)
    by_doi = library.add_item({"title": "Found by DOI", "DOI": "10.1145/3132747.3132785", "url": ""}, [papers])
    by_url = library.add_item({"title": "Renamed in Zotero", "url": "http://example.org/paper.pdf/"}, [papers])
    by_title = library.add_item({"title": "Found by title", "url": "https://new.example.org/y"}, [papers])
    with ZoteroServer(library, api_key=KEY) as server:
        settings = config.load(project, environ={"ZOTERO_API_URL": server.url, "ZOTERO_LIBRARY_ID": "1",
                                                 "ZOTERO_COLLECTION": top, "ZOTERO_API_KEY": KEY})
        # One imported paper is not in the collection: refused, unless the curator says so.
        with pytest.raises(StageError, match=r"holds 3 of the 4 papers imported from list.md \(first missing: "
                                             r"list.md:10 'Gone From Zotero'\)"):
            pull.run(settings, Options(), Reporter(1, io.StringIO()))
        out = io.StringIO()
        pull.run(settings, Options(allow_missing=True), Reporter(1, out))
    assert "3 review file keys moved" in out.getvalue() and "1 imported items matched nothing" in out.getvalue()
    catalog = merge.build(settings)
    summaries = {r.key: (r.summary, r.note) for r in catalog.records}
    assert summaries == {by_doi: ("By DOI.", "Best paper award"), by_url: ("By URL.", ""), by_title: ("By title.", "")}
    orphans = [p for p in catalog.problems if "names no item" in p.message]
    assert [p.where.split(":")[0] for p in orphans] == ["reviews/Gone-From-Zotero.md"]
    # The rest of each review file is untouched.
    text = (project / "reviews/Found-By-DOI.md").read_text()
    assert text == f"---\nkey: {by_doi}\ndoi: 10.1145/3132747.3132785\nsummary: By DOI.\nnote: Best paper award\n---\n"
