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


# --- .env by python-dotenv's rules ------------------------------------------------------------------

def test_dotenv_quotes_inline_comments_export_and_a_bom(project):
    (project / ".env").write_bytes(
        "\ufeffZOTERO_LIBRARY_ID=123 # my user id\n"
        "export ZOTERO_COLLECTION=\"ABCD2345\"  # the top collection\n"
        "CROSSREF_MAILTO='me@example.org'\n"
        "ZOTERO_API_KEY=\"k3y with # inside\"\n".encode("utf-8"))
    values = config.read_dotenv(project / ".env")
    assert values == {"ZOTERO_LIBRARY_ID": "123", "ZOTERO_COLLECTION": "ABCD2345",
                      "CROSSREF_MAILTO": "me@example.org", "ZOTERO_API_KEY": "k3y with # inside"}


def test_a_malformed_dotenv_line_is_named_by_file_line_and_variable_never_value(project):
    (project / ".env").write_text("ZOTERO_LIBRARY_ID=123\n\nZOTERO_API_KEY 's3cretKEY\n")
    with pytest.raises(config.ConfigError) as caught:
        config.read_dotenv(project / ".env")
    message = str(caught.value)
    assert message.startswith(".env:3: ") and "ZOTERO_API_KEY" in message
    assert "s3cret" not in message and "\n" not in message


@pytest.mark.parametrize("data, expected", [
    ("ZOTERO_LIBRARY_ID=123\n".encode("utf-16"), ".env: saved as UTF-16"),
    ("ZOTERO_LIBRARY_ID=123\n".encode("utf-16-le"), ".env: saved as UTF-16"),
    (b"A=1\nZOTERO_LIBRARY_ID=12\xff3\n", ".env:2: not UTF-8"),
])
def test_a_dotenv_in_another_encoding_is_one_line(project, data, expected):
    (project / ".env").write_bytes(data)
    with pytest.raises(config.ConfigError, match=f"^{expected}"):
        config.load(project)


# --- the project root -------------------------------------------------------------------------------

def test_the_root_is_found_from_any_subdirectory(project):
    (project / "reviews" / "deeper").mkdir(parents=True)
    assert config.find_root(project / "reviews" / "deeper") == project.resolve()
    assert config.find_root(project) == project.resolve()
    bare = project / "reviews" / "deeper"
    (project / "pipeline.toml").unlink()
    assert config.find_root(bare) == bare.resolve()   # no pipeline.toml anywhere: where we stand


# --- pipeline.toml: types, tables, output paths ----------------------------------------------------

def set_toml(project, table: str, line: str) -> None:
    """pipeline.toml with `line` as the only value of its key in [table]."""
    import re
    text = (project / "pipeline.toml").read_text()
    key = line.split("=")[0].strip()
    text = re.sub(rf"(?ms)^{key} = \[.*?^\]\n", "", text)        # a multi-line array
    text = re.sub(rf"(?m)^{key} = .*\n", "", text)
    text = text.replace(f"[{table}]\n", f"[{table}]\n{line}\n", 1) if f"[{table}]\n" in text \
        else text + f"\n[{table}]\n{line}\n"
    (project / "pipeline.toml").write_text(text)


@pytest.mark.parametrize("table, line, expected", [
    ("entries", "sort = 5", "pipeline.toml: [entries] sort must be a string or a list of strings, not 5 (a number)"),
    ("entries", "tags = 5", "pipeline.toml: [entries] tags must be a string or a list of strings, not 5 (a number)"),
    ("entries", "tags = \"some\"", "pipeline.toml: [entries] tags must be 'manual', 'all', 'none' or a list"),
    ("sections", "order = \"Background\"", "pipeline.toml: [sections] order must be a list of strings, "
                                           "not 'Background' (a string)"),
    ("sections", "order = [\"A\", 2]", "pipeline.toml: [sections] order must be a list of strings"),
    ("outputs", "readme = 5", "pipeline.toml: [outputs] readme must be a string, not 5 (a number)"),
    ("list", "title = [\"x\"]", "pipeline.toml: [list] title must be a string, not ['x'] (a list)"),
    ("zotero", "library_id = true", "pipeline.toml: [zotero] library_id must be a string or a number"),
    ("crossref", "mailto = {a = 1}", "pipeline.toml: [crossref] mailto must be a string, not {'a': 1} (a table)"),
])
def test_a_setting_of_the_wrong_type_is_one_line_naming_file_and_key(project, table, line, expected):
    set_toml(project, table, line)
    with pytest.raises(config.ConfigError) as caught:
        config.load(project, environ={})
    assert str(caught.value).startswith(expected) and "\n" not in str(caught.value)


def test_a_value_where_a_table_belongs_is_refused(project):
    (project / "pipeline.toml").write_text('zotero = "x"\n')
    with pytest.raises(config.ConfigError, match=r"^pipeline.toml: zotero must be a table \(\[zotero\]"):
        config.load(project, environ={})


def test_forgiving_forms_still_read(project):
    set_toml(project, "entries", 'sort = "title"')
    set_toml(project, "zotero", "library_id = 12345")
    settings = config.load(project, environ={})
    assert settings.sort == ("title",) and settings.library_id == "12345"


@pytest.mark.parametrize("line, expected", [
    ('readme = "../outside/README.md"', "lies outside the repository"),
    ('readme = "/tmp/README.md"', "lies outside the repository"),
    ('bib = "README.md"', "pipeline.toml: [outputs] bib = 'README.md' is also [outputs] readme"),
    ('csv = "data/curated/papers.json"', "is also [outputs] csljson"),
    ('citekeys = "data/curated/venues.csv"', "is also [outputs] venues"),
    ('readme = "pipeline.toml"', "would overwrite pipeline.toml"),
    ('csv = "reviews/papers.csv"', "is inside reviews/"),
    ('bib = "data/raw/zotero/papers.bib"', "is inside data/raw/"),
    ('readme = "."', "lies outside the repository"),
    ('readme = "data"', "is a folder"),
])
def test_output_paths_stay_inside_the_repository_and_apart(project, line, expected):
    (project / "data").mkdir()
    set_toml(project, "outputs", line)
    with pytest.raises(config.ConfigError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        config.load(project, environ={})


def test_an_output_through_a_symlink_out_of_the_repository_is_refused(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (project / "docs").symlink_to(outside, target_is_directory=True)
    set_toml(project, "outputs", 'readme = "docs/README.md"')
    with pytest.raises(config.ConfigError, match="lies outside the repository"):
        config.load(project, environ={})


def test_an_output_path_is_normalised_but_kept_where_the_curator_named_it(project):
    set_toml(project, "outputs", 'readme = "docs/../LIST.md"')
    assert config.load(project, environ={}).paths.readme == project.resolve() / "LIST.md"


# --- Zotero credentials: all, none, or a line naming what is missing -------------------------------

@pytest.mark.parametrize("environ, missing", [
    ({"ZOTERO_API_KEY": "s3cretKEY", "ZOTERO_COLLECTION": "ABCD2345"}, "ZOTERO_LIBRARY_ID not set, but ZOTERO_API_KEY is"),
    ({"ZOTERO_API_KEY": "s3cretKEY", "ZOTERO_LIBRARY_ID": "1"}, "ZOTERO_COLLECTION not set, but ZOTERO_API_KEY is"),
    ({"ZOTERO_API_KEY": "s3cretKEY"}, "ZOTERO_LIBRARY_ID and ZOTERO_COLLECTION not set"),
    ({"ZOTERO_LIBRARY_ID": "1", "ZOTERO_COLLECTION": "ABCD2345"}, "ZOTERO_API_KEY not set, but ZOTERO_LIBRARY_ID and ZOTERO_COLLECTION are"),
    ({"ZOTERO_API_URL": "http://127.0.0.1:23119/api"}, "ZOTERO_COLLECTION not set, but ZOTERO_API_URL=http://127.0.0.1:23119/api is"),
])
def test_partial_credentials_are_named(project, environ, missing):
    settings = config.load(project, environ=environ)
    assert settings.credentials_problem.startswith(missing)
    assert "s3cret" not in settings.credentials_problem and not settings.has_zotero_credentials


def test_complete_or_absent_credentials_are_no_problem(project):
    assert config.load(project, environ={}).credentials_problem == ""
    complete = {"ZOTERO_API_KEY": "k", "ZOTERO_LIBRARY_ID": "1", "ZOTERO_COLLECTION": "ABCD2345"}
    assert config.load(project, environ=complete).credentials_problem == ""
    set_toml(project, "zotero", 'collection = "ABCD2345"')   # committed settings, a contributor with no key
    assert config.load(project, environ={}).credentials_problem == ""


def test_the_example_dotenv_reads_as_no_credentials():
    from tests.conftest import ROOT
    values = config.read_dotenv(ROOT / ".env.example")
    assert values["ZOTERO_LIBRARY_TYPE"] == "user" and values["ZOTERO_LIBRARY_ID"] == ""
