"""Publishes a curated paper list kept in Zotero: README.md, a .bib and a CSV."""

__version__ = "0.1.0"
