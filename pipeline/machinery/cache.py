"""One cache layout for every source: small canonical JSON files under data/raw/<source>/, read with a
memo, written atomically, and a damaged file reported instead of trusted.

CrossrefCache and DblpCache are this with their own file names and checks. A file that cannot be read
raises `CorruptCacheEntry` (merge reports it and treats it as absent, enrich reports it and asks
again); a file that is not there is None. Which files exist is learnt from one directory listing, not a
failed open per lookup: an offline build of 10,000 items asks about every one of them.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

from pipeline.machinery import files
from pipeline.model import CorruptCacheEntry


def stamp(folder: Path | str, digest) -> None:
    """Add a cache folder's state to `digest` (sync's fingerprint): the names in each of its folders and
    the folder's modification time, not each file's. Every write of a cache file is a rename into its
    folder (files.write_bytes), as is git's checkout of one, and either moves that folder's time; so
    10,000 files cost a listing instead of 10,000 `stat` calls, and three sources' caches are
    fingerprinted faster than two were file by file (issue 19). A file edited in place by hand is not
    seen: `make` rebuilds anyway."""
    def walk(path: str) -> None:
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda e: e.name)
            mtime = os.stat(path).st_mtime_ns
        except (FileNotFoundError, NotADirectoryError):
            digest.update(f"{path}\0-\n".encode("utf-8", "surrogateescape"))
            return
        names = [e.name for e in entries if not (e.name.startswith(".") and e.name.endswith(".tmp"))]
        digest.update(f"{path}\0{mtime}\0{len(names)}\0".encode("utf-8", "surrogateescape"))
        digest.update("\0".join(names).encode("utf-8", "surrogateescape") + b"\n")
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path)

    walk(os.fspath(folder))


class JsonCache:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._root = os.fspath(self.folder)
        # Keyed by the file's path as a string: a build looks up ~15,000 files, and hashing and
        # joining Path objects for each cost more than reading them.
        self._memo: dict[str, object] = {}
        self._listed: dict[str, set[str]] = {}   # folder -> the file names in it, listed once
        # enrich's sources run in threads, and one source's planner reads another's cache while that
        # source writes it: a listing taken before a write must not be stored after it (the file would
        # look absent for the rest of the run).
        self._listing = threading.Lock()

    def file(self, kind: str, name: str) -> str:
        """The path of the cache file `name` in the folder `kind`, as a string."""
        return f"{self._root}{os.sep}{kind}{os.sep}{name}"

    def relative(self, path: Path | str) -> str:
        """The path as messages name it: from the project root (data/raw/<source>/...)."""
        path = Path(path)
        try:
            return str(path.relative_to(self.folder.parent.parent.parent))
        except ValueError:
            return str(path)

    def _exists(self, path: str) -> bool:
        folder, name = os.path.split(path)
        names = self._listed.get(folder)
        if names is None:
            with self._listing:
                names = self._listed.get(folder)
                if names is None:
                    try:
                        names = set(os.listdir(files.guard_folder(folder)))
                    except (FileNotFoundError, NotADirectoryError, files.Refused):   # a refused folder: each read names it
                        names = set()
                    self._listed[folder] = names
        return name in names

    def _read(self, path: Path | str, check: Callable[[object], str]):
        """The file's JSON, None when absent; raises CorruptCacheEntry when `check` finds it wrong."""
        path = os.fspath(path)
        if path in self._memo:
            value = self._memo[path]
            if isinstance(value, CorruptCacheEntry):
                raise value
            return value
        if not self._exists(path):
            return None
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

    def _write(self, path: Path, doc: dict, durable: bool = False) -> bool:
        """Write one answer; True when the file's bytes changed. Not durable by default: enrich writes
        thousands and calls `files.flush()` once after its rounds (files.write_bytes); a file's fsync
        each would hold a source's answers up by more than its pace allows between two requests."""
        key = os.fspath(path)
        self._memo.pop(key, None)
        changed = files.write_json(Path(path), doc, durable=durable)
        folder, name = os.path.split(key)
        with self._listing:
            if folder in self._listed:
                self._listed[folder].add(name)
        return changed

