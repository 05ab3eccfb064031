"""papers.csv: RFC 4180, the documented schema, and a pandas round trip that gives back the records."""
from __future__ import annotations

import csv
import io
import json
import types

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from pipeline.model import Creator, Notice, Record
from pipeline.render import table
from pipeline.validate import table as validate

ODD = ["", "NA", "null", "=SUM(A1:A2)", 'say "hi", then\r\nleave', "  padded  ", "王小明", "a;b", "#N/A",
       "line\nbreak", "1e5", "True"]


def records() -> list[Record]:
    out = []
    for i, text in enumerate(ODD):
        out.append(Record(
            key=f"K{i:02d}", item_type="journalArticle", title=text or "untitled",
            creators=(Creator("Doe", "Jane"), Creator(name=f"Org {text}"), Creator("Ed", "E", role="editor")),
            year=None if i % 3 == 0 else 1990 + i, date="" if i % 3 == 0 else f"{1990 + i}-0{1 + i % 9}",
            venue=text, venue_label=text[:4], doi=f"10.1234/x{i}" if i % 2 else "", url=f"https://x.org/{i}",
            sections=("S1", "S2") if i % 2 else (), tags=(text, "tag") if text else (),
            summary=text, note=text, review_path=f"reviews/k{i}.md" if i % 2 else "",
            review_status="draft" if i % 4 == 1 else "", citations=None if i % 2 else i * 10,
            notices=(Notice("retraction", "10.1/r"),) if i == 5 else (), enrichment="doi",
            date_added="2021-01-02T03:04:05Z", date_modified="", provenance=(("title", "zotero"), ("year", "crossref")),
        ))
    return out


SECTIONS = {"S1": "Testing > Fuzzing", "S2": "Verification"}


def read(text: str, tmp_path=None) -> pd.DataFrame:
    """The CSV as an analyst loads it: through pipeline.analysis.load_papers."""
    import tempfile
    from pathlib import Path

    from pipeline.analysis import load_papers

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "papers.csv"
        path.write_bytes(text.encode("utf-8"))
        return load_papers(path)


def assert_round_trip(recs: list[Record], df: pd.DataFrame, keys: dict[str, str]) -> None:
    assert list(df.columns) == list(table.NAMES)
    assert list(df["key"]) == sorted(r.key for r in recs)
    by_key = {r.key: r for r in recs}
    for row in df.to_dict("records"):
        r = by_key[row["key"]]
        assert row["citekey"] == keys[r.key]
        assert row["title"] == r.title and row["venue"] == r.venue and row["summary"] == r.summary
        assert table.split(row["authors"]) == [c.display for c in r.creators if c.role != "editor"]
        assert table.split(row["tags"]) == list(r.tags)
        assert table.split(row["sections"]) == [SECTIONS.get(s, s) for s in r.sections]
        assert (None if pd.isna(row["year"]) else int(row["year"])) == r.year
        assert (None if pd.isna(row["citations"]) else int(row["citations"])) == r.citations
        assert bool(row["retracted"]) is r.retracted
        assert row["date_added"] == r.date_added and row["doi"] == r.doi
        assert row["sources"] == "; ".join(f"{f}={s}" for f, s in r.provenance)


def test_pandas_round_trip_with_the_documented_dtypes():
    recs = records()
    keys = {r.key: f"c{r.key}" for r in recs}
    df = read(table.render_csv(recs, keys, section_names=SECTIONS))
    assert str(df["year"].dtype) == "Int64" and str(df["retracted"].dtype) == "boolean"
    assert_round_trip(recs, df, keys)


@settings(max_examples=100, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
                      min_size=1, max_size=4))
def test_any_text_round_trips(texts):
    recs = [Record(key=f"K{i}", title=t, summary=t, venue=t, year=None) for i, t in enumerate(texts)]
    keys = {r.key: r.key.lower() for r in recs}
    df = read(table.render_csv(recs, keys))
    # Records reach the CSV cleaned at the edge; the CSV drops any control character left, nothing else.
    expected = [table.drop_controls(t) for t in texts]
    assert list(df["title"]) == expected and list(df["summary"]) == expected


def test_rfc4180_utf8_no_bom_fixed_header():
    text = table.render_csv(records(), {r.key: r.key for r in records()})
    data = text.encode("utf-8")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert text.startswith(",".join(table.NAMES) + "\r\n") and text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert all(len(r) == len(table.NAMES) for r in rows)
    assert rows[1][0] == "K00"
    # Quotes only where needed: a plain cell is not quoted.
    assert "\r\nK01,K01,journalArticle,NA," in text


def test_one_row_per_paper_even_when_filed_twice():
    r = Record(key="K1", title="T")
    assert table.render_csv([r, r], {"K1": "k"}).count("\r\nK1,") == 1


def test_schema_documents_every_column():
    package = table.datapackage("papers.csv")
    fields = package["resources"][0]["schema"]["fields"]
    assert [f["name"] for f in fields] == list(table.NAMES)
    assert all(f["description"] and f["type"] for f in fields)
    assert package["resources"][0]["schema"]["primaryKey"] == ["key"]
    for f in fields:
        assert f"pandas dtype: {table.PANDAS['dtype'][f['name']]}." in f["description"]


def write(tmp_path, text: str):
    (tmp_path / "papers.csv").write_bytes(text.encode("utf-8"))
    (tmp_path / "datapackage.json").write_text(json.dumps(table.datapackage("papers.csv")))
    return types.SimpleNamespace(paths=types.SimpleNamespace(csv=tmp_path / "papers.csv",
                                                             datapackage=tmp_path / "datapackage.json"))


def test_frictionless_validates_the_written_files(tmp_path):
    pytest.importorskip("frictionless", reason="frictionless is a test dependency: pip install -e '.[test]'")
    settings_ = write(tmp_path, table.render_csv(records(), {r.key: f"c{r.key}" for r in records()},
                                                 section_names=SECTIONS))
    assert validate.run(settings_) == []


def test_frictionless_catches_bad_rows(tmp_path):
    pytest.importorskip("frictionless", reason="frictionless is a test dependency: pip install -e '.[test]'")
    recs = [Record(key="K1", doi="not-a-doi"), Record(key="K2", date_added="yesterday")]
    settings_ = write(tmp_path, table.render_csv(recs, {"K1": "same", "K2": "same"}))
    problems = validate.run(settings_)
    text = " ".join(p.message for p in problems)
    assert all(p.code == "csv-schema" for p in problems)
    assert "unique" in text and "pattern" in text


def test_format_problems_are_reported(tmp_path):
    settings_ = write(tmp_path, "\ufeff" + table.render_csv([], {}).replace("\r\n", "\n"))
    codes = [p.message for p in validate.run(settings_) if p.code == "csv-format"]
    assert any("byte-order mark" in c for c in codes) and any("CRLF" in c for c in codes)


# --- safe for a spreadsheet, exact for pandas -------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR",
            "'quoted", "''twice", "plain"]


def test_formula_like_cells_are_defused_and_control_characters_dropped():
    recs = [Record(key=f"F{i:02d}", title=t, summary=t, venue="Bell\x07 and Esc\x1b and Nul\x00")
            for i, t in enumerate(FORMULAS)]
    text = table.render_csv(recs, {r.key: f"k{i}" for i, r in enumerate(recs)})
    cells = [row for row in csv.reader(io.StringIO(text))][1:]
    title = table.NAMES.index("title")
    for row in cells:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
            assert not any(ord(c) < 32 and c not in "\r\n\t" for c in cell), repr(cell)
    assert [row[title] for row in cells] == ["'" + t if t[0] in "=+-@\t\r'" else t for t in FORMULAS]
    frame = read(text)
    assert list(frame["title"]) == FORMULAS, "load_papers gives back the exact text"
    assert set(frame["venue"]) == {"Bell and Esc and Nul"}


def test_a_plain_read_csv_mangles_arxiv_ids_and_load_papers_does_not():
    rec = Record(key="ARX12345", title="T", arxiv="2206.07690", year=2022)
    text = table.render_csv([rec], {rec.key: "k"})
    naive = pd.read_csv(io.StringIO(text))
    assert str(naive["arxiv"][0]) != "2206.07690"       # the trap the issue names
    frame = read(text)
    assert frame["arxiv"][0] == "2206.07690" and frame["year"][0] == 2022
    assert str(frame["year"].dtype) == "Int64"
