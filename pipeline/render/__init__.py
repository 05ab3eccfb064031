"""Pure renderers: records in, text out. No file or network I/O here."""
