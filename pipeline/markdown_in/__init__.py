"""Markdown in: an awesome-list file read back into items. `importer` parses the list, `listentry`
reads one entry line, `listwords` is their vocabulary. Pure: `stages/import_readme.py` does the I/O.
"""
