"""The machinery the stages share: atomic files and the snapshot layout, the run lock, forked jobs, the
one reader of the inputs, the Zotero notes on disk, and the lookup sources' seam, registry and caches.

None of it is a stage (`python -m pipeline` runs only `pipeline.stages.<name>`); it reads and writes
files for the stages that call it and holds no rule of its own about a record's fields (those are in
`pipeline/rules/`).
"""
