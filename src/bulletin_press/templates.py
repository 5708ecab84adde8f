"""The Jinja environment: a layout and the layouts it extends as a search path, and the filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import jinja2
import yaml
from markupsafe import Markup

from .layout import no_holes as holes, passes as relayout, tables
from .images import frames as shapes
from .cjk import numerals
from .diagnostics import BuildError, Finding, Pos, relpath
from .cjk.filters import Typography, filter_text
from .typeset import inline_html


@dataclass(frozen=True)
class Layout:
    """A layout folder and the chain it extends, most specific first."""

    name: str
    chain: tuple[Path, ...]
    stylesheets: tuple[Path, ...]  # least specific first, so that a child's rules win
    typography: Typography = Typography()
    email_budget_mb: float = 5.0  # over it, a warning names the largest photos and fonts
    profiles: dict = field(default_factory=dict)  # name → settings (profiles.py), merged down the chain
    default_profile: str = "screen"


def find_layout(layouts: Path, name: str, pos: Pos) -> Layout:
    chain: list[Path] = []
    sheets: list[list[Path]] = []
    typography: list[dict] = []
    profiles: list[dict] = []
    default_profile: str | None = None
    budget: float | None = None
    current: str | None = name
    while current:
        folder = layouts / current
        if folder in chain:
            raise BuildError([Finding(pos, f"layout '{name}' extends itself through '{current}'; expected a chain ending at base")])
        spec_file = folder / "layout.yaml"
        if not spec_file.is_file():
            known = sorted(p.parent.name for p in layouts.glob("*/layout.yaml"))
            raise BuildError([Finding(pos, f"unknown layout '{current}'; expected one of: {', '.join(known)}")])
        try:
            spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise BuildError([Finding(Pos(relpath(spec_file)), f"cannot read layout: {e}")]) from None
        chain.append(folder)
        sheets.append([folder / s for s in spec.get("stylesheets", [])])
        typography.append(spec.get("typography") or {})
        profiles.append(spec.get("profiles") or {})
        default_profile = default_profile or spec.get("default_profile")
        if budget is None and "email_budget_mb" in spec:  # the most specific layout that says wins
            budget = float(spec["email_budget_mb"])
        current = spec.get("extends")
    settings: dict = {}
    for layer in reversed(typography):  # base first, the layout itself last
        settings.update(layer)
    try:
        chosen = Typography(**settings)
    except TypeError:
        known = ", ".join(Typography.__dataclass_fields__)
        raise BuildError([Finding(pos, f"layout '{name}': unknown typography setting in {sorted(settings)}; expected: {known}")]) from None
    declared: dict[str, dict] = {}
    for layer in reversed(profiles):  # a layout changes single settings of a profile it inherits
        for profile, values in layer.items():
            declared[profile] = {**declared.get(profile, {}), **(values or {})}
    sheets_in_order = tuple(s for group in reversed(sheets) for s in group)
    return Layout(name, tuple(chain), sheets_in_order, chosen, budget if budget is not None else 5.0,
                  declared, default_profile or "screen")


def environment(layout: Layout, cache: Path | None = None) -> jinja2.Environment:
    """Templates found in the layout first, then in what it extends; `base/x.html` names one explicitly.

    Compiled templates are kept in `cache`/jinja (Jinja checks each template's mtime itself).
    """
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader([str(p) for p in layout.chain]),
        jinja2.PrefixLoader({p.name: jinja2.FileSystemLoader(str(p)) for p in layout.chain}),
    ])
    bytecode = None
    if cache is not None:
        (cache / "jinja").mkdir(parents=True, exist_ok=True)
        bytecode = jinja2.FileSystemBytecodeCache(str(cache / "jinja"))
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, bytecode_cache=bytecode)
    settings = layout.typography
    # Text the engine writes (issue lines, dates, times) goes through the same CJK filters.
    made = {"cn_number": numerals.cn_number, "issue_line": numerals.issue_line,
            "cumulative_line": numerals.cumulative_line, "cn_date": numerals.cn_date,
            "cn_date_range": numerals.cn_date_range, "clock": numerals.clock,
            "timespan": numerals.cn_timespan, "money": numerals.money, "wan": numerals.wan,
            "count": numerals.count}
    env.filters.update({name: _filtered(fn, settings) for name, fn in made.items()})
    env.filters.update(
        inline=lambda text, autolink=True: inline_html(text, settings, autolink=autolink),
        paragraph=lambda text: inline_html(text, settings, paragraph=True),
        css_string=css_string,
    )
    env.globals["render_blocks"] = render_blocks
    env.globals["block_id"] = relayout.block_id
    env.globals["hint"] = hint
    env.globals["photo_shape"] = photo_shape
    env.globals["row_shapes"] = row_shapes
    env.globals["table_plan"] = lambda block, *hints: tables.plan(block, *hints, settings=settings)
    return env


def _filtered(fn: Callable[..., str], settings: Typography) -> Callable[..., str]:
    return lambda *args: filter_text([fn(*args)], settings)[0]


@jinja2.pass_context
def render_blocks(ctx: jinja2.runtime.Context, blocks: Any) -> Markup:
    """Each block through its own partial (blocks/<type>.html), in the YAML's order, each photo in its
    anchor frame (the no-holes pass moves or shrinks it in the box tree, holes.py)."""
    env = ctx.environment
    parts = []
    for block in blocks:
        html = env.get_template(block.template).render({**ctx.get_all(), "block": block})
        parts.append(holes.anchor(block, html) if block.type_name in holes.ANCHORED else html)
    return Markup("\n".join(parts))


@jinja2.pass_context
def hint(ctx: jinja2.runtime.Context, block: Any, name: str, default: Any = None) -> Any:
    """What a layout pass asked of this block (relayout.py): e.g. hint(block, "continued_at", [])."""
    return (ctx.get("hints") or {}).get(relayout.block_id(block), {}).get(name, default)


@jinja2.pass_context
def photo_shape(ctx: jinja2.runtime.Context, photo: Any) -> shapes.Shape:
    """How a photo alone is framed (shapes.py), from its file's pixel size."""
    return shapes.single(photo, ctx["assets"].get(photo.src))


@jinja2.pass_context
def row_shapes(ctx: jinja2.runtime.Context, photos: Any) -> list[shapes.Shape]:
    """How the photos of a row are framed: one height, the width filled."""
    return shapes.row(photos, ctx["assets"])


def css_string(value: str) -> Markup:
    """A CSS string literal, safe inside <style>: quotes, backslashes and '<' escaped."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>\n' else c for c in str(value))
    return Markup(f'"{escaped}"')
