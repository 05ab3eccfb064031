"""One view of a record's people (`Record.people`): the .bib, the biblatex .bib, the CSV and the page list
the same authors and editors, whatever mix of Zotero roles an item has (issue 19)."""
from __future__ import annotations

import pytest

from pipeline.model import Creator, Record
from pipeline.render import biblatex, bibtex, page, table

A = Creator("Pei", "Kexin", role="author")
E = Creator("Cao", "Yinzhi", role="editor")
S = Creator("Yang", "Junfeng", role="seriesEditor")
T = Creator("Jana", "Suman", role="translator")


@pytest.mark.parametrize("creators, authors, editors", [
    ((A, E, S), (A,), (E,)),
    ((E, S), (), (E,)),
    ((S, T), (), (S,)),            # series editors are the editors when no other is named
    ((T,), (T,), ()),              # with neither, every creator is listed as an author
    ((), (), ()),
])
def test_every_writer_lists_the_people_the_record_names(creators, authors, editors):
    record = Record(key="K", item_type="book", title="T", year=2017, creators=creators)
    assert record.people == (authors, editors)
    fields = bibtex.fields(record)
    assert fields.get("author", "") == bibtex.names(authors) and fields.get("editor", "") == bibtex.names(editors)
    cells = dict(zip(table.names(), table.row(record, "k")))
    assert cells["authors"] == table.join(c.display for c in authors)
    assert cells["editors"] == table.join(c.display for c in editors)
    expected = [f"{c.given} {c.family}" for c in (authors or creators)]
    assert page.paper(record, set()).get("authors", []) == expected
    assert ("editor = {" in biblatex.entry(record, "k")) == bool(editors)
