"""All of Better BibTeX's export fixtures in ../shared through the .bib, CSV and CSL-JSON writers.

They are real user reports (CJK and Arabic, HTML in titles, LaTeX and Markdown specials, empty titles,
institutional authors, odd dates): every item must come out of all three files, the .bib must compile
with every title in the PDF, the CSV must read back into the same values.
"""
from __future__ import annotations

import io
import json
import shutil

import bibtexparser
import pandas as pd
import pytest
from bibtexparser.bparser import BibTexParser

from pipeline.render import biblatex, bibtex, citekeys, csljson, latex, table
from pipeline.render.richtext import without_unknown_tags
from pipeline.validate import bibtex as validate_bib
from pipeline.validate import table as validate_table

from tests.bbt_fixtures import BBT_DIR, SKIP_REASON, load_records

pytestmark = [pytest.mark.shared, pytest.mark.skipif(not BBT_DIR.is_dir(), reason=SKIP_REASON)]


@pytest.fixture(scope="module")
def built():
    records = load_records()
    keys, keymap = citekeys.assign(records, {})
    return {
        "records": records, "keys": keys, "keymap": keymap,
        "bib": bibtex.render(records, keys, aliases=citekeys.aliases(keymap)),
        "csv": table.render_csv(records, keys),
        "json": csljson.render(records, keys),
    }


def test_every_item_is_in_every_file(built):
    records, keys = built["records"], built["keys"]
    assert len(records) > 500 and len({r.key for r in records}) == len(records)
    assert len(set(keys.values())) == len(records)
    entries = bibtexparser.loads(built["bib"], parser=BibTexParser(common_strings=True,
                                                                   ignore_nonstandard_types=False)).entries
    assert sorted(e["ID"] for e in entries) == sorted(keys.values())
    assert all(latex.balanced(e.get("title", "")) for e in entries)
    csl = json.loads(built["json"])
    assert sorted(i["id"] for i in csl) == sorted(keys.values())
    titles = {i["id"]: i.get("title", "") for i in csl}
    assert all(titles[keys[r.key]] == without_unknown_tags(r.title) for r in records)


def test_pinned_keys_are_kept_where_they_can_be(built):
    pinned = [r for r in built["records"] if r.citation_key]
    kept = [r for r in pinned if built["keys"][r.key] == r.citation_key]
    # Only invalid or duplicate pins (several fixtures reuse one key) are changed, and each is reported.
    assert len(kept) + len(citekeys.check(built["records"], built["keys"])) == len(pinned)


def test_csv_round_trips(built):
    records = built["records"]
    df = pd.read_csv(io.StringIO(built["csv"]), **{k: v for k, v in table.PANDAS.items() if k != "encoding"})
    assert len(df) == len(records)
    by_key = {r.key: r for r in records}
    for row in df.to_dict("records"):
        r = by_key[row["key"]]
        assert row["title"] == r.title and row["venue"] == r.venue and row["date"] == r.date
        assert (None if pd.isna(row["year"]) else int(row["year"])) == r.year
        assert table.split(row["tags"]) == list(r.tags)
        assert row["authors"] + row["editors"] != "" or not r.creators


def test_frictionless_validates_the_csv(built, tmp_path):
    pytest.importorskip("frictionless", reason="frictionless is a test dependency: pip install -e '.[test]'")
    import types
    (tmp_path / "papers.csv").write_bytes(built["csv"].encode("utf-8"))
    (tmp_path / "datapackage.json").write_text(json.dumps(table.datapackage("papers.csv")))
    settings = types.SimpleNamespace(paths=types.SimpleNamespace(csv=tmp_path / "papers.csv",
                                                                 datapackage=tmp_path / "datapackage.json"))
    assert validate_table.run(settings) == []


@pytest.mark.tools
@pytest.mark.skipif(any(shutil.which(t) is None for t in ("pdflatex", "bibtex", "pdftotext")),
                    reason=f"pdflatex, bibtex or pdftotext missing; install with `{validate_bib.INSTALL}`")
@pytest.mark.parametrize("style", validate_bib.STYLES)
def test_bib_compiles_under_the_plain_preamble_and_every_title_is_in_the_pdf(built, style):
    # The author's own preamble, nothing declared: 0 LaTeX errors, every ASCII word of every title.
    keys = built["keys"]
    titles = {keys[r.key]: latex.plain_text(r.title) for r in built["records"] if r.title}
    problems = validate_bib.compile_check(built["bib"], titles, style=style)
    assert [str(p) for p in problems] == []


def test_scripts_without_latex_form_are_transliterated_and_named(built):
    assert built["bib"].isascii()
    warned = {p.where for p in bibtex.transliterations(built["records"], built["keys"])}
    cjk = [r for r in built["records"] if any("\u4e00" <= c <= "\u9fff" for c in r.title)]
    assert cjk and {r.key for r in cjk} <= warned


@pytest.mark.tools
@pytest.mark.skipif(shutil.which("biber") is None,
                    reason=f"biber missing; install with `{validate_bib.INSTALL}`")
def test_biber_validates_the_biblatex_file(built):
    text = biblatex.render(built["records"], built["keys"], aliases=citekeys.aliases(built["keymap"]))
    assert validate_bib.biber_check(text) == []
    # UTF-8 kept for biber: the CJK titles are there as Zotero has them.
    assert any(ord(c) > 0x4e00 for c in text)
