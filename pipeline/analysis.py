"""For analysts: the list's CSV as a pandas DataFrame with the right types and the exact text.

    from pipeline.analysis import load_papers
    papers = load_papers()            # data/curated/papers.csv of the project you are in

pandas is not a dependency of the pipeline (it is in the `analysis` extra: `pip install -e '.[analysis]'`).
A plain `read_csv` guesses types: it turns the arXiv id `2206.07690` into the float 2206.0769, a year
column with gaps into floats, and the title "NA" into a missing value. `load_papers` reads with the
types the Table Schema states (`pipeline.render.table.PANDAS`): years and citation counts as nullable
integers, identifiers as text, "" as the only missing value; and it takes off the `'` the CSV puts
before cells a spreadsheet would run as formulas, so every cell is the record's exact text.
"""
from __future__ import annotations

from pathlib import Path

from pipeline.render import table

DEFAULT = Path("data/curated/papers.csv")


def load_papers(path: str | Path = DEFAULT):
    """papers.csv as a pandas DataFrame, typed by its schema, text exactly as the records hold it."""
    import pandas as pd

    frame = pd.read_csv(path, **table.PANDAS)
    for name in frame.columns:
        if table.PANDAS["dtype"].get(name) == "str":
            frame[name] = frame[name].map(table.unguard)
    return frame
