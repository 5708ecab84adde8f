"""Editor and designer workflow: new, list, layouts, schema, render --all — on temporary copies."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from bulletin_press.commands.cli import main
from bulletin_press.content.load import load_issue
from bulletin_press.content.schema import schema_json

from ..conftest import ROOT, read_pdf


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real issues (without photos: they are not needed here), layouts and fonts."""
    for name in ("layouts", "fonts", "schema"):
        shutil.copytree(ROOT / name, tmp_path / name)
    for issue in ("2023-11", "2020-09"):
        (tmp_path / "issues" / issue).mkdir(parents=True)
        shutil.copy(ROOT / "issues" / issue / "issue.yaml", tmp_path / "issues" / issue)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BULLETIN_PRESS_ROOT", raising=False)
    return tmp_path


def test_new_moves_the_numbers_on_and_keeps_recurring_sections(copy: Path, capsys) -> None:
    assert main(["new", "2023-12"]) == 0
    december = load_issue(copy / "issues" / "2023-12")
    assert (december.year, december.number, december.cumulative) == (2023, 12, 29)
    assert december.date.isoformat() == "2023-12-31"
    assert [s.type_name for s in december.sections] == ["about"]  # the colophon carried over
    text = (copy / "issues" / "2023-12" / "issue.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schema/issue.schema.json")
    assert "  # - type: editors_note" in text and "  #   title: \"CEGA共创环境美好未来\"" in text  # examples
    assert main(["new", "2024-01", "--from", "2023-12"]) == 0
    january = load_issue(copy / "issues" / "2024-01")
    assert (january.year, january.number, january.cumulative) == (2024, 1, 30)  # a new year restarts


def test_new_starts_from_a_previous_issue_saved_as_utf16(copy: Path, capsys) -> None:
    """An issue Notepad saved as 'Unicode' loads (with a warning); the next one is written in UTF-8."""
    old = copy / "issues" / "2023-11" / "issue.yaml"
    old.write_bytes(old.read_text(encoding="utf-8").encode("utf-16"))
    assert main(["new", "2023-12"]) == 0
    text = (copy / "issues" / "2023-12" / "issue.yaml").read_text(encoding="utf-8")
    assert "环境资助者网络" in text and load_issue(copy / "issues" / "2023-12").number == 12


def uncommented(text: str) -> str:
    """What an editor's uncomment does to the examples: drop the '# ' after their indentation."""
    return "\n".join(re.sub(r"^  # ?", "  ", line) for line in text.splitlines()) + "\n"


@pytest.mark.parametrize("previous, new", [("2023-11", "2023-12"), ("2020-09", "2020-10")])
def test_new_examples_load_once_uncommented(copy: Path, previous: str, new: str) -> None:
    assert main(["new", new, "--from", previous]) == 0
    text = (copy / "issues" / new / "issue.yaml").read_text(encoding="utf-8")
    back = copy / "issues" / "back"
    back.mkdir()
    (back / "issue.yaml").write_text(uncommented(text), encoding="utf-8")
    assert load_issue(back).sections == load_issue(copy / "issues" / previous).sections  # every block, as it was
    # The editor's YAML checker agrees, before and after: an empty `sections:` is allowed too.
    for version in (text, uncommented(text)):
        data = _numbers(yaml.load(version, Loader=yaml.BaseLoader))
        data["sections"] = data["sections"] or None  # an empty value: null to a YAML 1.2 editor
        jsonschema.validate(data, json.loads(schema_json()))


def test_new_carries_the_kept_blocks_images_over(copy: Path, capsys) -> None:
    logos = ROOT / "issues" / "2023-11" / "logos"
    shutil.copytree(logos, copy / "issues" / "2023-11" / "logos")
    assert main(["new", "2023-12"]) == 0
    december = load_issue(copy / "issues" / "2023-12")
    partners = december.sections[-1].partners
    assert len(partners) == 4 and all(p.standin for p in partners)  # generated stand-ins are copied too
    for image in partners:
        assert (copy / "issues" / "2023-12" / image.src).read_bytes() == (logos.parent / image.src).read_bytes()
    assert not (copy / "issues" / "2023-12" / "photos").exists()  # the commented examples' photos stay behind
    capsys.readouterr()
    assert main(["render", "2023-12", "--strict"]) == 0, capsys.readouterr().err  # no missing image
    [pdf] = (copy / "build" / "2023-12").glob("*.pdf")
    text = "".join(page.text() for page in read_pdf(pdf))
    assert "简报合作机构" in text and "图片缺失" not in text  # no placeholder where the logos stand


def test_new_copies_no_link_out_of_the_issue(copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.svg"
    outside.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    (copy / "issues" / "2023-11" / "logos").mkdir()
    (copy / "issues" / "2023-11" / "logos" / "partner-1.svg").symlink_to(outside)
    assert main(["new", "2023-12"]) == 0
    assert not (copy / "issues" / "2023-12" / "logos" / "partner-1.svg").exists()


def test_new_never_overwrites(copy: Path, capsys) -> None:
    before = (copy / "issues" / "2023-11" / "issue.yaml").read_bytes()
    assert main(["new", "2023-11"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert (copy / "issues" / "2023-11" / "issue.yaml").read_bytes() == before


def test_list_shows_numbers_dates_and_state(copy: Path, capsys) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["issue", "edition", "date", "layout", "last", "render", "state"]
    assert out[1].split()[:4] == ["2020-09", "2020年9月6日", "2020-09-06", "member-brief"]
    assert "2023年第十一期（总第二十八期）" in out[2] and out[2].rstrip().endswith("not rendered")


def test_layouts_lists_chain_templates_and_properties(copy: Path, capsys) -> None:
    assert main(["layouts"]) == 0
    out = capsys.readouterr().out
    assert "member-brief (extends base)\n  templates: masthead.html\n" in out
    assert "--photo-max-height" in out and "blocks/schedule.html" in out


def test_schema_validates_the_real_issues_and_is_committed(capsys) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert (ROOT / "schema" / "issue.schema.json").read_text(encoding="utf-8") == schema_json(), \
        "schema/issue.schema.json is stale: bulletin-press schema > schema/issue.schema.json"
    for issue in ("2023-11", "2020-09"):
        text = (ROOT / "issues" / issue / "issue.yaml").read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=../../schema/issue.schema.json")
        data = yaml.load(text, Loader=yaml.BaseLoader)  # every scalar a string, as YAML 1.2 editors read times
        data = _numbers(data)
        jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**_numbers(yaml.load((ROOT / "issues" / "2020-09" / "issue.yaml").read_text(), Loader=yaml.BaseLoader)),
                             "sections": [{"type": "tabel"}]}, schema)


def _numbers(data):
    """Scalars the schema types as numbers, as a YAML editor would read them."""
    if isinstance(data, dict):
        return {k: (int(v) if k in ("year", "number", "cumulative") else float(v) if k == "value" else
                    v.lower() == "true" if k == "standin" else _numbers(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [_numbers(v) for v in data]
    return data


@pytest.mark.slow
def test_render_all_in_parallel_skips_unchanged_issues(copy: Path, capsys) -> None:
    assert main(["render", "--all"]) == 0
    captured = capsys.readouterr()
    assert "2 rendered, 0 unchanged, 0 failed" in captured.out
    assert "[####################] 2/2" in captured.err
    assert main(["render", "--all"]) == 0
    assert "0 rendered, 2 unchanged, 0 failed" in capsys.readouterr().out
    issue = copy / "issues" / "2020-09" / "issue.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("收支信息", "收支情况"), encoding="utf-8")
    assert main(["render", "--all"]) == 0
    out = capsys.readouterr()
    assert "1 rendered, 1 unchanged, 0 failed" in out.out and "2023-11: unchanged, skipped" in out.err
    assert main(["list"]) == 0
    assert all(line.rstrip().endswith("up to date") for line in capsys.readouterr().out.splitlines()[1:])


@pytest.mark.slow
def test_a_save_made_while_rendering_leaves_the_issue_out_of_date(copy: Path, capsys, monkeypatch) -> None:
    """The stamp holds the inputs the render read, not those on disk when it ended."""
    from bulletin_press.engine import render

    issue = copy / "issues" / "2020-09" / "issue.yaml"
    write_pdf = render.write_pdf

    def saved_meanwhile(*args, **kwargs):
        issue.write_text(issue.read_text(encoding="utf-8").replace("收支信息", "收支情况"), encoding="utf-8")
        return write_pdf(*args, **kwargs)

    monkeypatch.setattr(render, "write_pdf", saved_meanwhile)
    assert main(["render", "2020-09"]) == 0
    monkeypatch.setattr(render, "write_pdf", write_pdf)
    capsys.readouterr()
    assert main(["list"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("2020-09"))
    assert row.rstrip().endswith("changed since last render")
    assert main(["render", "--all"]) == 0
    assert "2020-09: unchanged" not in capsys.readouterr().err
    assert main(["list"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("2020-09"))
    assert row.rstrip().endswith("up to date")
