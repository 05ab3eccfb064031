"""The source seam (machinery/seam.py, machinery/registry.py): every lookup source is handled alike by enrich, the
shared reader, merge and sync's fingerprint."""
from __future__ import annotations

import dataclasses
import inspect

import pytest

from pipeline import config
from pipeline.machinery import inputs as inputs_
from pipeline.machinery.registry import SOURCES
from pipeline.machinery.seam import Source
from pipeline.sources import crossref, dblp, http, openalex
from pipeline.stages import sync

MEMBERS = [name for name, _ in inspect.getmembers(Source) if not name.startswith("_")] + list(Source.__annotations__)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_every_source_implements_the_whole_seam(source, tmp_path):
    missing = [name for name in MEMBERS if not hasattr(source, name)]
    assert not missing
    settings = config.load(tmp_path, environ={})
    assert source.folder(settings) == tmp_path / "data/raw" / source.name
    assert all(hasattr(settings, name) for name in source.settings)


def test_the_shared_reader_holds_one_cache_per_source(tmp_path):
    given = inputs_.read(config.load(tmp_path, environ={}), sections=False)
    assert list(given.lookups.caches) == [s.name for s in SOURCES]
    assert len(given.lookups.rules) == len(SOURCES)


def test_one_outcome_type_for_every_client():
    assert crossref.Outcome is dblp.Outcome is openalex.Outcome is http.Outcome


@pytest.mark.parametrize("name", sorted({n for s in SOURCES for n in s.settings}))
def test_every_source_setting_changes_the_fingerprint(tmp_path, name):
    settings = config.load(tmp_path, environ={})
    changed = dataclasses.replace(settings, **{name: getattr(settings, name) + "x"})
    assert sync.fingerprint(changed) != sync.fingerprint(settings)


def test_the_api_key_is_not_in_the_fingerprint(tmp_path):
    settings = config.load(tmp_path, environ={})
    keyed = config.load(tmp_path, environ={"ZOTERO_API_KEY": "Secret0000000000000000"})
    assert sync.shaping_settings(keyed) == sync.shaping_settings(settings)
    assert "Secret0000" not in sync.shaping_settings(keyed)


def test_a_cache_file_of_any_source_changes_the_fingerprint(tmp_path):
    settings = config.load(tmp_path, environ={})
    seen = {sync.fingerprint(settings)}
    for source in SOURCES:
        folder = source.folder(settings) / "queries"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "x.json").write_text("{}")
        seen.add(sync.fingerprint(settings))
    assert len(seen) == len(SOURCES) + 1
