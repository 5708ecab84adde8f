"""Block types: each registers itself with its YAML name, its schema (fields) and its template."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TypeVar
from collections.abc import Callable
from zoneinfo import ZoneInfo

from .model import Block, Image, Node, Text, TopBlock, Url, Value

REGISTRY: dict[str, type[Node]] = {}
N = TypeVar("N", bound=type[Node])


def block(name: str) -> Callable[[N], N]:
    """Register a block type under its YAML `type:` name; its partial is blocks/<name>.html."""

    def register(cls: N) -> N:
        cls = dataclass(frozen=True, kw_only=True)(cls)
        cls.type_name = name
        cls.template = f"blocks/{name}.html"
        REGISTRY[name] = cls
        return cls

    return register


def types_for(base: type[Node]) -> dict[str, type[Node]]:
    """The registered types that may stand where `base` is expected."""
    return {name: cls for name, cls in REGISTRY.items() if issubclass(cls, base)}


# ---- body blocks ---------------------------------------------------------------------------


@block("paragraph")
class Paragraph(Block):
    lead: Text | None = None  # a bold lead-in, e.g. the project a paragraph is about
    text: Text


FOCUS = ("centre", "center", "top", "bottom", "left", "right")
RATIO = re.compile(r"(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)")


@dataclass(frozen=True, kw_only=True)
class Photo(Image):
    caption: Text | None = None
    credit: Text | None = None
    crop: str | None = None  # `16:9` (that shape), or `fill` (whatever the layout's box needs); unset: shown whole
    focus: str | None = None  # what a crop keeps: centre, top, bottom, left, right

    def problems(self) -> list[str]:
        found = []
        if self.crop is not None and self.crop_ratio is None and self.crop.strip().lower() != "fill":
            found.append(f"crop '{self.crop}' is not a shape; expected width:height such as 16:9, 1:1 or 3:4, or 'fill'")
        if self.focus is not None and self.focus.strip().lower() not in FOCUS:
            found.append(f"focus '{self.focus}' is unknown; expected one of: centre, top, bottom, left, right")
        return found

    @property
    def crop_ratio(self) -> float | None:
        """Width over height of the shape `crop:` asks for; None when it names none."""
        m = RATIO.fullmatch((self.crop or "").strip())
        return float(m[1]) / float(m[2]) if m and float(m[1]) > 0 and float(m[2]) > 0 else None

    @property
    def crop_fill(self) -> bool:
        return (self.crop or "").strip().lower() == "fill"


@block("photo")
class PhotoBlock(Block, Photo):
    pass


@block("photo_row")
class PhotoRow(Block):
    photos: tuple[Photo, ...]


@dataclass(frozen=True, kw_only=True)
class Link(Value):
    title: Text
    url: Url


@block("links")
class Links(Block):
    title: Text = Text("更多信息详见：")
    items: tuple[Link, ...]


@dataclass(frozen=True, kw_only=True)
class RowGroup(Value):
    label: Text
    rows: tuple[tuple[Text, ...], ...]


@block("table")
class Table(Block):
    caption: Text | None = None
    header: tuple[Text, ...]
    rows: tuple[tuple[Text, ...], ...] = ()
    groups: tuple[RowGroup, ...] = ()

    def problems(self) -> list[str]:
        if bool(self.rows) == bool(self.groups):
            return ["a table needs either 'rows' or 'groups' (not both); expected one of them"]
        width = len(self.header) - (1 if self.groups else 0)
        rows = self.rows or [r for g in self.groups for r in g.rows]
        return [
            f"row {i + 1} has {len(r)} cells; expected {width} to match the header"
            for i, r in enumerate(rows)
            if len(r) != width
        ]


TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def parse_time(text: str) -> dt.time:
    m = TIME.fullmatch(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not a time")
    return dt.time(int(m[1]), int(m[2]))


@dataclass(frozen=True, kw_only=True)
class Event(Value):
    title: Text
    title_en: Text | None = None
    start: dt.time | None = None
    end: dt.time | None = None

    def problems(self) -> list[str]:
        if self.end and not self.start:
            return ["an event with an 'end' needs a 'start'"]
        return []


@dataclass(frozen=True, kw_only=True)
class Day(Value):
    date: dt.date
    until: dt.date | None = None
    venue: Text | None = None
    note: Text | None = None
    events: tuple[Event, ...]

    def problems(self) -> list[str]:
        if self.until and self.until < self.date:
            return [f"'until' ({self.until}) is before 'date' ({self.date}); expected a later day"]
        return []


@block("schedule")
class Schedule(Block):
    days: tuple[Day, ...]
    zone: str
    zone_label: Text  # shown before every local time (迪拜时间), so listed after the days
    home_zone: str = "Asia/Shanghai"
    home_label: Text = Text("北京时间")

    def problems(self) -> list[str]:
        return [p for z in (self.zone, self.home_zone) if (p := zone_problem(z))]

    def span(self, day: Day, event: Event, zone: str) -> tuple[dt.datetime, dt.datetime | None]:
        """The event's start and end as seen in `zone`, from its time in the schedule's zone."""
        assert event.start is not None
        src = ZoneInfo(self.zone)
        start = dt.datetime.combine(day.date, event.start, src)
        end = dt.datetime.combine(day.date, event.end, src) if event.end else None
        if end and end < start:  # runs past midnight
            end += dt.timedelta(days=1)
        to = ZoneInfo(zone)
        return start.astimezone(to), end.astimezone(to) if end else None


def zone_problem(zone: str) -> str | None:
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        return f"unknown time zone '{zone}'; expected an IANA name such as Asia/Dubai"
    return None


@block("notice")
class Notice(Block):
    title: Text | None = None
    lines: tuple[Text, ...]


@block("sidebar")
class Sidebar(Block):
    """A titled box of paragraphs set beside the article's text (the house layout floats it) or after it."""

    title: Text | None = None
    paragraphs: tuple[Text, ...]


@block("pullquote")
class Pullquote(Block):
    """A short quotation from the article, set large; `attribution`: who said it."""

    text: Text
    attribution: Text | None = None


# The languages an article may be set in, and the group whose fonts and rules set it (fonts.yaml
# `lang:`, base.css :lang()). An issue is in Simplified Chinese (zh-CN) unless an article says otherwise.
LANGUAGES = {
    "zh-Hans": "zh-Hans", "zh-CN": "zh-Hans", "zh-SG": "zh-Hans",
    "zh-Hant": "zh-Hant", "zh-TW": "zh-Hant",
    "zh-HK": "zh-HK",
    "en": "en", "en-GB": "en", "en-US": "en",
}


def language_group(tag: str | None) -> str:
    """The group of a language tag, matched without regard to case as BCP 47 asks; '' when unknown or unset."""
    return next((group for name, group in LANGUAGES.items() if tag and name.lower() == tag.lower()), "")


@block("article")
class Article(Block):
    title: Text
    meta: Text | None = None
    published: dt.datetime | None = None  # shown with `source` as the meta line
    source: Text | None = None
    lang: str | None = None  # the language of its text when not the (zh-Hant, zh-HK, en …)
    body: tuple[Block, ...]

    def problems(self) -> list[str]:
        if self.lang is not None and not language_group(self.lang):
            return [f"unknown language '{self.lang}'; expected one of: {', '.join(LANGUAGES)}"]
        return []


@dataclass(frozen=True, kw_only=True)
class Figure(Value):
    label: Text
    value: float  # as typed in the YAML; layouts format it
    format: str = "count"
    unit: Text | None = None

    def problems(self) -> list[str]:
        if self.format not in FIGURE_FORMATS:
            return [f"unknown format '{self.format}'; expected one of: {', '.join(FIGURE_FORMATS)}"]
        return []


FIGURE_FORMATS = ("money", "count")


@block("key_figures")
class KeyFigures(Block):
    title: Text | None = None
    figures: tuple[Figure, ...]


@block("note")
class Note(Block):
    text: Text


@block("list")
class ListBlock(Block):
    """Items one under another, each after a bullet, or numbered 1. 2. 3. (`ordered: true`)."""

    items: tuple[Text, ...]
    ordered: bool = False


@dataclass(frozen=True, kw_only=True)
class Credit(Value):
    role: Text
    name: Text


@block("credits")
class Credits(Block):
    items: tuple[Credit, ...]


# ---- top-level blocks ----------------------------------------------------------------------


@block("editors_note")
class EditorsNote(TopBlock):
    title: Text = Text("编者按")
    body: tuple[Block, ...]


@block("section")
class Section(TopBlock):
    title: Text
    body: tuple[Block, ...]


@block("featured_ngo")
class FeaturedNgo(TopBlock):
    title: Text
    name: Text
    short_name: Text | None = None
    name_en: Text | None = None
    logo: Image | None = None
    profile: tuple[Text, ...]
    motto: Text | None = None


@block("about")
class About(TopBlock):
    title: Text
    description: tuple[Text, ...]
    committee_title: Text | None = None
    committee: tuple[Text, ...] = ()
    chairs_title: Text | None = None
    chairs: tuple[Text, ...] = ()
    partners_title: Text | None = None
    partners: tuple[Image, ...] = ()
    editor: Text | None = None
    phone: Text | None = None
    email: Text | None = None

