"""Settings: pipeline.toml, environment and .env; the API key never shows."""
from __future__ import annotations

import pytest

from pipeline import config


def test_environment_overrides_toml_and_dotenv_is_read(project):
    (project / ".env").write_text("export ZOTERO_LIBRARY_ID=42\nZOTERO_API_KEY='s3cretKEY'\n# comment\n")
    settings = config.load(project, environ=None)
    assert settings.library_id == "42"
    assert settings.api_key.reveal() == "s3cretKEY"
    settings = config.load(project, environ={"ZOTERO_LIBRARY_ID": "7", "ZOTERO_COLLECTION": "ABCD2345",
                                             "ZOTERO_API_KEY": "k"})
    assert (settings.library_id, settings.collection, settings.has_zotero_credentials) == ("7", "ABCD2345", True)


def test_the_key_never_prints(project):
    settings = config.load(project, environ={"ZOTERO_API_KEY": "s3cretKEY"})
    assert "s3cretKEY" not in repr(settings) and "s3cretKEY" not in str(settings.api_key)
    assert "s3cretKEY" not in f"{settings}"


def test_local_api_needs_no_key(project):
    settings = config.load(project, environ={"ZOTERO_API_URL": "http://127.0.0.1:23119/api/",
                                             "ZOTERO_COLLECTION": "ABCD2345"})
    assert settings.library_id == "0"
    assert settings.is_local_api and settings.has_zotero_credentials
    assert settings.zotero_api_url == "http://127.0.0.1:23119/api"


def test_no_credentials(project):
    assert not config.load(project, environ={}).has_zotero_credentials


def test_bad_values_are_one_clear_error(project):
    with pytest.raises(config.ConfigError, match="ZOTERO_LIBRARY_TYPE"):
        config.load(project, environ={"ZOTERO_LIBRARY_TYPE": "team"})
    (project / "pipeline.toml").write_text("[list\n")
    with pytest.raises(config.ConfigError, match="pipeline.toml"):
        config.load(project, environ={})
