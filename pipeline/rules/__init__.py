"""The rules that decide a record's fields, in one place: `venues` (the venue table and its normaliser,
the one answer to "how is a venue label decided"), `match` (is a looked-up work this item), `enrichment`
(which source wins which field) and `curate` (what the curator's review file overrides). Pure.
"""
