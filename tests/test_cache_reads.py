"""A cache file's read (files.read_bytes, four system calls) keeps the path guard's promises: a plain
file is read whole, a symlink leading out of the repository or a FIFO is refused (reported as an
unreadable cache file), never read or waited on. And sync's fingerprint of a cache (`cache.stamp`, a
folder at a time) moves with every answer the cache's writer changes, and with nothing else."""
from __future__ import annotations

import os

import pytest

import hashlib

from pipeline.machinery import cache as cache_
from pipeline.machinery import files
from pipeline.machinery.crossref_cache import work_filename
from pipeline.machinery.openalex_cache import OpenAlexCache
from pipeline.model import CorruptCacheEntry


@pytest.fixture
def cache(tmp_path):
    root = tmp_path / "repo"
    (root / "data/raw/openalex/works").mkdir(parents=True)
    files.confine(root)
    return OpenAlexCache(root / "data/raw/openalex")


def test_a_plain_file_is_read_whole(cache):
    big = {"asked": "2026-12-01", "work": {"id": "W1", "title": "x" * 200_000}}
    files.write_json(cache.work_path("10.1/a"), big)
    assert cache.work("10.1/a") == big


def test_a_symlink_out_of_the_repository_is_refused(cache, tmp_path):
    outside = tmp_path / "secret.json"
    outside.write_text('{"asked": "2026-12-01", "work": {"id": "W9"}}', encoding="utf-8")
    os.symlink(outside, cache.folder / "works" / work_filename("10.1/b"))
    with pytest.raises(CorruptCacheEntry, match="outside"):
        cache.work("10.1/b")


def test_a_fifo_is_refused_not_waited_on(cache):
    os.mkfifo(cache.folder / "works" / work_filename("10.1/c"))
    with pytest.raises(CorruptCacheEntry, match="not a regular file"):
        cache.work("10.1/c")


def stamp(folder) -> str:
    digest = hashlib.blake2b(digest_size=20)
    cache_.stamp(folder, digest)
    return digest.hexdigest()


def test_the_stamp_moves_with_each_changed_answer_only(cache):
    works = cache.folder / "works"
    before = stamp(cache.folder)
    cache.write_work("10.1/d", None, "2026-12-01")                 # a new answer
    added = stamp(cache.folder)
    cache.write_work("10.1/d", None, "2026-12-01")                 # the same bytes: not written again
    assert stamp(cache.folder) == added != before
    os.utime(works, ns=(1, 1))                                     # so the rewrite cannot share a clock tick
    pinned = stamp(cache.folder)
    cache.write_work("10.1/d", {"id": "W4", "title": "Found"}, "2026-12-02")   # the answer changed
    assert stamp(cache.folder) not in (pinned, added)
    os.utime(works, ns=(1, 1))
    (works / ".x.json.1.2.tmp").write_text("{}")                   # a killed run's leftover: not counted
    os.utime(works, ns=(1, 1))
    assert stamp(cache.folder) == pinned
