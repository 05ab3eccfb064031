"""One cache layout for every source: small canonical JSON files under data/raw/<source>/, read with a
memo, written atomically, and a damaged file reported instead of trusted.

CrossrefCache and DblpCache are this with their own file names and checks. A file that cannot be read
raises `CorruptCacheEntry` (merge reports it and treats it as absent, enrich reports it and asks
again); a file that is not there is None. Which files exist is learnt from one directory listing, not a
failed open per lookup: an offline build of 10,000 items asks about every one of them.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from pipeline.enrichment import CorruptCacheEntry
from pipeline.stages import files


class JsonCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._memo: dict[Path, object] = {}
        self._listed: dict[Path, set[str]] = {}   # folder -> the file names in it, listed once

    def relative(self, path: Path) -> str:
        """The path as messages name it: from the project root (data/raw/<source>/...)."""
        try:
            return str(path.relative_to(self.folder.parent.parent.parent))
        except ValueError:
            return str(path)

    def _exists(self, path: Path) -> bool:
        names = self._listed.get(path.parent)
        if names is None:
            try:
                names = self._listed[path.parent] = set(os.listdir(path.parent))
            except FileNotFoundError:
                names = self._listed[path.parent] = set()
        return path.name in names

    def _read(self, path: Path, check: Callable[[object], str]):
        """The file's JSON, None when absent; raises CorruptCacheEntry when `check` finds it wrong."""
        if not self._exists(path):
            return None
        if path in self._memo:
            value = self._memo[path]
            if isinstance(value, CorruptCacheEntry):
                raise value
            return value
        try:
            doc = files.read_json(path)
            reason = check(doc)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:   # invalid UTF-8 or JSON (orjson's error is a ValueError)
            reason = f"not JSON: {exc}".splitlines()[0]
        if reason:
            error = CorruptCacheEntry(self.relative(path), reason)
            self._memo[path] = error
            raise error
        self._memo[path] = doc
        return doc

    def _write(self, path: Path, doc: dict) -> bool:
        """Write one answer; True when the file's bytes changed."""
        self._memo.pop(path, None)
        changed = files.write_json(path, doc)
        if path.parent in self._listed:
            self._listed[path.parent].add(path.name)
        return changed
