"""Pure conversions of outside JSON (Zotero items, Crossref works) into Record fields."""
