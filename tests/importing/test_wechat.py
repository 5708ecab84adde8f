"""A saved WeChat article (.html with its folder, or .mhtml) imported into an issue, rendered, read back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from bulletin_press.build import build
from bulletin_press.commands.cli import main
from bulletin_press.content.load import load_issue

from ..conftest import make_project, missing_and_out_of_order, read_pdf
from . import make
from .test_docx import ISSUE

pytestmark = pytest.mark.slow  # renders


def imported_article(tmp: Path, saved: str) -> tuple[Path, dict, str]:
    project = make_project(tmp / "p", ISSUE)
    page = make.wechat_page(tmp)
    source = make.as_mhtml(page) if saved == "mhtml" else page
    cwd = os.getcwd()
    os.chdir(project.root)
    try:
        assert main(["import", str(source), "--into", "x", "--section", "会员来稿"]) == 0
    finally:
        os.chdir(cwd)
    data = yaml.safe_load((project.issue_folder("x") / "issue.yaml").read_text(encoding="utf-8"))
    section = next(s for s in data["sections"] if s["title"] == "会员来稿")
    return project.issue_folder("x"), section["body"][0], str(project.root)


@pytest.fixture(scope="module", params=["html", "mhtml"])
def saved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    folder, article, root = imported_article(tmp_path_factory.mktemp(request.param), request.param)
    from bulletin_press.project import Project

    result = build(Project(Path(root), build_dir=Path(root) / "build"), "x")
    assert not result.report.errors
    return folder, article, read_pdf(result.pdf)


def test_title_account_and_time_come_from_the_page(saved) -> None:
    _, article, _ = saved
    assert article["title"] == make.WX_TITLE and article["source"] == make.WX_ACCOUNT
    assert article["published"] == make.WX_TIME


def test_only_the_article_is_imported_without_its_furniture(saved) -> None:
    folder, article, pages = saved
    text = "".join(p.text() for p in pages).replace(" ", "")
    assert make.WX_PROMPT not in text and "微信扫一扫" not in text and "关注该公众号" not in text
    photos = [b for b in article["body"] if b["type"] == "photo"]
    assert len(photos) == 2  # the QR code is not among them
    assert not any("qrcode" in p["src"] for p in photos) and all((folder / p["src"]).is_file() for p in photos)
    assert "style" not in yaml.safe_dump(article)


def test_every_sentence_and_the_caption_and_credits_reach_the_pdf(saved) -> None:
    folder, article, pages = saved
    missing, out_of_order = missing_and_out_of_order(load_issue(folder), pages)
    assert missing == [] and out_of_order == []
    paragraphs = [b["text"] for b in article["body"] if b["type"] == "paragraph"]
    assert paragraphs[0] == make.WX_PARAS[0]  # the typed indent dropped
    assert f"**{make.WX_BOLD}**" in paragraphs[1]
    assert article["body"][1]["caption"] == make.WX_CAPTION
    credits = next(b for b in article["body"] if b["type"] == "credits")
    assert [(c["role"], c["name"]) for c in credits["items"]] == list(make.WX_CREDITS)
    text = "".join(p.text() for p in pages).replace(" ", "")
    assert all(name in text for _, name in make.WX_CREDITS)


def test_a_page_that_is_not_a_wechat_article_is_refused(tmp_path: Path, capsys) -> None:
    project = make_project(tmp_path / "p", ISSUE)
    page = tmp_path / "other.html"
    page.write_text("<html><body><p>别的网页</p></body></html>", encoding="utf-8")
    assert main(["import", str(page), "--into", str(project.issue_folder("x"))]) == 2
    assert "is a web page but not a WeChat article (no #js_content)" in capsys.readouterr().err


def test_a_picture_missing_from_the_saved_folder_is_named_and_the_rest_imported(tmp_path: Path, capsys) -> None:
    project = make_project(tmp_path / "p", ISSUE)
    page = make.wechat_page(tmp_path)
    (tmp_path / f"{page.stem}_files" / "641.jpeg").unlink()
    assert main(["import", str(page), "--into", str(project.issue_folder("x")), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "picture 2: not found beside the page (641.jpeg)" in err and make.WX_PARAS[1] in out
