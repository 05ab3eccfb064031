"""CSL-JSON for Pandoc and Zotero: ids are citation keys, types and dates in CSL's vocabulary."""
from __future__ import annotations

import json

from pipeline.model import Creator, Record
from pipeline.render import csljson


def test_item_fields():
    record = Record(key="K1", item_type="conferencePaper", title='<i>Deep</i> <span class="nocase">iOS</span>',
                    creators=(Creator("Pei", "Kexin"), Creator(name="ACM Team"), Creator("Doe", "J", role="editor")),
                    year=2017, date="2017-10-28", venue="Proceedings of SOSP", venue_label="SOSP", pages="1-18",
                    doi="10.1145/3132747.3132785", url="https://x.org", publisher="ACM")
    [item] = json.loads(csljson.render([record], {"K1": "pei2017"}))
    assert item["id"] == item["citation-key"] == "pei2017"
    assert item["type"] == "paper-conference"
    # CSL's rich text is Zotero's: the markup passes through.
    assert item["title"] == record.title
    assert item["author"] == [{"family": "Pei", "given": "Kexin"}, {"literal": "ACM Team"}]
    assert item["editor"] == [{"family": "Doe", "given": "J"}]
    assert item["issued"] == {"date-parts": [[2017, 10, 28]]}
    assert item["container-title"] == "Proceedings of SOSP" and item["container-title-short"] == "SOSP"
    assert (item["page"], item["DOI"], item["URL"], item["publisher"]) == ("1-18", record.doi, record.url, "ACM")


def test_types_years_and_arxiv():
    records = [Record(key="A", item_type="preprint", title="P", year=2019, arxiv="1904.03257"),
               Record(key="B", item_type="journalArticle", title="J", year=2001),
               Record(key="C", item_type="somethingNew", title="X")]
    items = {i["id"]: i for i in json.loads(csljson.render(records, {"A": "a", "B": "b", "C": "c"}))}
    assert items["a"]["type"] == "article" and items["a"]["number"] == "arXiv:1904.03257"
    assert items["b"]["type"] == "article-journal" and items["b"]["issued"] == {"date-parts": [[2001]]}
    assert items["c"]["type"] == "document" and "issued" not in items["c"]


def test_sorted_by_key_one_item_per_record_deterministic():
    records = [Record(key="K2", title="B"), Record(key="K1", title="A"), Record(key="K1", title="A")]
    keys = {"K1": "zeta", "K2": "Alpha"}
    text = csljson.render(records, keys)
    assert [i["id"] for i in json.loads(text)] == ["Alpha", "zeta"]
    assert text == csljson.render(list(reversed(records)), keys) and text.endswith("\n")
