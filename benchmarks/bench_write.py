"""Time to write 10,000 records as .bib, CSV and CSL-JSON (issue #6's target: under two seconds).

Baselines in the same run, on the same records: bibtexparser 1.4's BibTexWriter on plain field dicts
(no LaTeX escaping, no case protection, no key derivation: what a naive exporter does), pandas'
DataFrame.to_csv on the same rows, and json.dumps of flat dicts. Ours includes citation-key
assignment. Best of three runs, wall clock.
"""
from __future__ import annotations

import json
import random
import time

N = 10_000
REPEAT = 3

_WORDS = ("deep learning robust neural network testing verification fuzzing adversarial coverage "
          "certified safety R&D 50% C# a_b x^2 Über naïve Straße Łódź 王小明 μm ISDN iOS").split()


def synthetic_records(n: int = N):
    from pipeline.model import Creator, Record

    rng = random.Random(6)
    types = ("journalArticle", "conferencePaper", "preprint", "bookSection", "webpage", "thesis", "report")
    out = []
    for i in range(n):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(4, 14))]
        if i % 7 == 0:
            words[1] = f"<i>{words[1]}</i>"
        if i % 11 == 0:
            words[0] = f'<span class="nocase">{words[0]}</span>'
        creators = tuple(Creator(rng.choice(("Smith", "Müller", "van der Berg", "Zhang")), f"A{j}")
                         for j in range(rng.randint(1, 8)))
        year = 1990 + i % 35
        out.append(Record(
            key=f"K{i:07d}", item_type=types[i % len(types)], title=" ".join(words).capitalize(),
            creators=creators, year=year, date=f"{year}-{1 + i % 12:02d}", venue="Proceedings of Things (POT)",
            venue_label="POT", doi=f"10.1234/pot.{i}", url=f"https://example.org/p/{i}", pages=f"{i % 90}-{i % 90 + 9}",
            volume=str(i % 40), arxiv="1904.03257" if i % 5 == 0 else "", tags=("testing", "fuzzing"),
            sections=("S1",), summary="A summary, with a comma.", date_added=f"2021-01-01T00:00:{i % 60:02d}Z",
            provenance=(("title", "zotero"),),
        ))
    return out


def _best(fn) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run() -> list[dict]:
    import bibtexparser
    import pandas as pd
    from bibtexparser.bibdatabase import BibDatabase
    from bibtexparser.bwriter import BibTexWriter

    from pipeline.render import bibtex, citekeys, csljson, table

    records = synthetic_records()
    keys, _ = citekeys.assign(records, {})

    def ours_bib():
        k, _ = citekeys.assign(records, {})
        bibtex.render(records, k)

    def ours_csv():
        table.render_csv(records, keys, section_names={"S1": "Testing"})

    def ours_json():
        csljson.render(records, keys)

    plain = [{"ENTRYTYPE": "article", "ID": r.key, "title": r.title,
              "author": " and ".join(c.display for c in r.creators), "journal": r.venue, "year": str(r.year),
              "pages": r.pages, "doi": r.doi, "url": r.url} for r in records]

    def base_bib():
        db = BibDatabase()
        db.entries = plain
        bibtexparser.dumps(db, BibTexWriter())

    rows_csv = [table.row(r, keys[r.key]) for r in records]

    def base_csv():
        pd.DataFrame(rows_csv, columns=table.NAMES).to_csv(index=False)

    def base_json():
        json.dumps([{"id": r.key, "title": r.title, "author": [c.display for c in r.creators],
                     "issued": r.year, "DOI": r.doi} for r in records], indent=2, ensure_ascii=False)

    cases = [
        (".bib", ours_bib, base_bib, "ours: key assignment + LaTeX escaping + case protection; "
                                     "baseline: bibtexparser 1.4 BibTexWriter, no escaping"),
        ("CSV", ours_csv, base_csv, "baseline: pandas.DataFrame.to_csv of the same rows (row building excluded)"),
        ("CSL-JSON", ours_json, base_json, "baseline: json.dumps of 5 flat fields per item"),
    ]
    rows, total_ours, total_base = [], 0.0, 0.0
    for name, ours, base, note in cases:
        t_ours, t_base = _best(ours), _best(base)
        total_ours += t_ours
        total_base += t_base
        rows.append({"benchmark": "write", "case": f"{name}, {N:,} records", "ours": f"{t_ours:.2f} s",
                     "baseline": f"{t_base:.2f} s", "ratio": f"{t_ours / t_base:.1f}x the time", "notes": note})
    rows.append({"benchmark": "write", "case": f"all three, {N:,} records", "ours": f"{total_ours:.2f} s",
                 "baseline": f"{total_base:.2f} s", "ratio": f"{total_ours / total_base:.1f}x the time",
                 "notes": "issue #6 target: under 2 s"})
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row.values()))
