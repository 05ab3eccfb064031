

def test_merge_on_a_damaged_snapshot_exits_non_zero_in_one_line_unless_allowed(proj, capsys):
    from pipeline import cli
    project, _ = proj
    project.pull()
    project.build()
    published = project.outputs()
    damage_item(project)
    capsys.readouterr()
    assert cli.main(["merge", "--root", str(project.root), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: merge: 1 damaged file(s)") and "--allow-missing" in err[0]
    assert project.outputs() == published
    assert cli.main(["merge", "--allow-missing", "--root", str(project.root), "-q"]) == 0
    assert cli.main(["emit", "--allow-missing", "--root", str(project.root), "-q"]) == 0
    assert b"Paper number 1" not in project.outputs()["README.md"]


@pytest.mark.xfail(reason="pipeline/render/bibtex.py belongs to the TeX engineer: its url line is to become "
                          "`out['url'] = raw(safe_url(record.url))` (pipeline/render/urls.py); drop this mark then",
                   strict=False)
def test_no_hostile_url_reaches_the_bib():
    from pipeline.model import Record
    from pipeline.render import bibtex
    records = [Record(key=f"ABCD{i + 2}AAA", title=f"t{i}", url=url) for i, url in enumerate(HOSTILE_URLS)]
    bib = bibtex.render(records, {r.key: f"k{i}" for i, r in enumerate(records)}).casefold()
    for bad in ("javascript:", "data:text", "file:///", "vbscript:", "//evil.example"):
        assert bad not in bib
