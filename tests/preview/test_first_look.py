"""The preview's first look: the first page an edit changed, drawn alone, as the whole rendering draws it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PIL import Image

from bulletin_press.layout import no_holes as holes
from bulletin_press.preview import first_look as quicklook
from bulletin_press.build import Options, build
from bulletin_press.project import Project

from ..conftest import HEADER, make_project
from .test_fresh import BODY as FRESH_BODY, PARA, page_texts as texts

# The preview test's issue, its second article three long paragraphs and a last line longer: three pages.
BODY = FRESH_BODY.rstrip("\n") + """
          - {long}
          - {long}
          - {long}
          - 最后一段：志愿者在冬季完成了全部样线的调查。
"""


def whole(project: Project) -> tuple[quicklook.Memory, list[str], tuple[str, ...]]:
    result = build(project, "x", Options(profile="screen", preview=True))
    memory = quicklook.Memory.of(result)
    assert memory is not None
    return memory, texts(result.pdf.read_bytes()), result.signatures


def test_the_first_look_is_the_page_the_edit_changed(tmp_path: Path) -> None:
    project = make_project(tmp_path, HEADER + BODY.replace("{para}", PARA).replace("{long}", PARA * 3))
    (project.root / "issues" / "x" / "photos").mkdir()
    Image.new("RGB", (1600, 1000), (40, 120, 80)).save(project.root / "issues" / "x" / "photos" / "a.jpg")
    memory, before, _ = whole(project)
    assert len(before) >= 3
    assert quicklook.first_look(project, "x", memory) is None  # nothing saved: nothing to look at

    path = project.root / "issues" / "x" / "issue.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("全部样线", "全部十条样线"), encoding="utf-8")
    look = quicklook.first_look(project, "x", memory)
    _, after, signatures = whole(project)
    assert look is not None
    page = next(n for n, text in enumerate(after, 1) if "十条样线" in text)
    assert page > 1 and look.number == page  # the pages before it were laid out, not shown
    assert texts(look.pdf) == [after[page - 1]]
    assert look.signature == signatures[page - 1]  # drawn as the whole rendering draws it


def test_a_photo_keeps_its_place_when_a_line_above_it_gives_it_another_id(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """Block ids are places in the YAML: the last render's photo settings follow the photo itself."""
    project = make_project(tmp_path, HEADER + BODY.replace("{para}", PARA).replace("{long}", PARA))
    (project.root / "issues" / "x" / "photos").mkdir()
    Image.new("RGB", (1600, 1000), (40, 120, 80)).save(project.root / "issues" / "x" / "photos" / "a.jpg")
    memory, _, _ = whole(project)
    seen: list[tuple[dict[str, str], dict]] = []
    begin = quicklook.Replay.begin

    def spy(self, root_box):  # noqa: ANN001
        begin(self, root_box)
        seen.append(({e.get("data-block"): holes.anchor_key(e) for e in self.bodies}, dict(self.moves)))

    monkeypatch.setattr(quicklook.Replay, "begin", spy)
    quicklook.first_look(project, "x", memory)
    (old, key), = seen[0][0].items()
    path = project.root / "issues" / "x" / "issue.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("          - type: photo", "          - 新加的一句。\n          - type: photo", 1), encoding="utf-8")
    moved = dataclasses.replace(memory, moves={old: {"scale": 0.9}}, keys={old: key})
    quicklook.first_look(project, "x", moved)
    (new, new_key), = seen[1][0].items()
    assert new != old and new_key == key
    assert seen[1][1] == {new: {"scale": 0.9}}
