"""Frozen content values: the issue, its publication, images, and the base block classes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar
from collections.abc import Iterator

from ..diagnostics import NOWHERE, Pos


class Text(str):
    """A text the reader sees, with inline markup (see inline.py)."""


class Url(str):
    """A link target: http(s), mailto: or tel:, or the placeholder '#'."""


class Path(str):
    """A file path relative to the issue folder."""


def pos_field() -> Pos:
    """The field every loaded value carries: where it stands in the YAML."""
    return field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class Value:
    """A mapping in the YAML: its fields come from the dataclass, its place from the loader."""

    pos: Pos = pos_field()

    def walk(self) -> Iterator[tuple[object, Value]]:
        """Every field value below this one, depth first in field order, with the value holding it."""
        stack: list[tuple[object, Value]] = [(getattr(self, name), self) for name in reversed(self.__dataclass_fields__)]
        while stack:
            value, owner = stack.pop()
            yield value, owner
            if isinstance(value, Value):
                stack.extend((getattr(value, name), value) for name in reversed(value.__dataclass_fields__))
            elif isinstance(value, tuple):
                stack.extend((item, owner) for item in reversed(value))

    def texts(self) -> Iterator[tuple[Text, Value]]:
        """Every reader-visible text, in field order (the layout's order), with its holder."""
        return ((v, owner) for v, owner in self.walk() if isinstance(v, Text))


@dataclass(frozen=True, kw_only=True)
class Image(Value):
    src: Path
    alt: str | None = None
    standin: bool = False  # the seed lost it; scripts/make_standins.py generates it


@dataclass(frozen=True, kw_only=True)
class Node(Value):
    """A registered block type; `type_name` and `template` are set by @block."""

    type_name: ClassVar[str] = ""
    template: ClassVar[str] = ""


@dataclass(frozen=True, kw_only=True)
class Block(Node):
    """A block inside a body: paragraph, photo, table, article …"""


@dataclass(frozen=True, kw_only=True)
class TopBlock(Node):
    """A block of the issue's top level: editor's note, section, featured NGO, about."""


@dataclass(frozen=True, kw_only=True)
class Publication(Value):
    # In the order the masthead shows them.
    publisher: Text
    publisher_en: Text | None = None
    short_name: Text | None = None
    name: str  # running head, PDF title, file name: not page text (a one-page issue has no head)
    author: str


@dataclass(frozen=True, kw_only=True)
class Issue(Value):
    publication: Publication
    layout: str
    topic: Text | None = None  # the page's subject, for layouts with a header band
    year: int
    number: int | None = None  # within the year; an unnumbered publication goes by its date
    cumulative: int | None = None
    date: dt.date
    sections: tuple[TopBlock, ...]
    # Set by the loader, not read from the YAML.
    id: str = field(default="", compare=False)
    folder: str = field(default="", compare=False)
