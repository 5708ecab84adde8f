"""JSON Schema of issue.yaml, derived from the block types, for editors' YAML editors."""

from __future__ import annotations

import datetime as dt
import json
import types
from typing import Any, Union, get_args, get_origin

from . import blocks
from .load import MAY_BE_EMPTY, _fields, _required
from .model import Issue, Node, Path, Text, Url, Value

SCHEMA_ID = "https://bulletin-press.invalid/issue.schema.json"


def issue_schema() -> dict[str, Any]:
    """The schema of a whole issue.yaml: every registered block type, with its required fields."""
    defs: dict[str, Any] = {}
    root = _object(Issue, defs)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "bulletin-press issue", **root, "$defs": dict(sorted(defs.items()))}


def schema_json() -> str:
    return json.dumps(issue_schema(), ensure_ascii=False, indent=2) + "\n"


def _object(cls: type[Value], defs: dict[str, Any], type_name: str | None = None) -> dict[str, Any]:
    props = {name: _type(tp, defs) for name, tp in _fields(cls).items()}
    for name in props:
        if (cls, name) in MAY_BE_EMPTY:  # `sections:` with only commented examples under it (`new`)
            props[name] = {"anyOf": [props[name], {"type": "null"}]}
    if type_name:
        props = {"type": {"const": type_name}, **props}
    doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False,
                           "required": (["type"] if type_name else []) + list(_required(cls))}
    if doc and not doc.startswith(cls.__name__ + "("):
        out["description"] = doc
    return out


def _type(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        inner = next(a for a in get_args(tp) if a is not type(None))
        return {"anyOf": [_type(inner, defs), {"type": "null"}]}
    if origin is tuple:
        return {"type": "array", "items": _type(get_args(tp)[0], defs)}
    if isinstance(tp, type) and issubclass(tp, Node) and tp not in blocks.REGISTRY.values():
        choices = blocks.types_for(tp)
        for name, cls in choices.items():
            if name not in defs:  # blocks nest (an article's body holds blocks): define each once
                defs[name] = None
                defs[name] = _object(cls, defs, name)
        refs = [{"$ref": f"#/$defs/{name}"} for name in sorted(choices)]
        if "paragraph" in choices:
            refs.insert(0, {"type": "string", "description": "a paragraph (shorthand)"})
        return {"anyOf": refs}
    if isinstance(tp, type) and issubclass(tp, Value):
        name = tp.__name__
        if name not in defs:
            defs[name] = None
            defs[name] = _object(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    simple = {int: {"type": "integer"}, float: {"type": "number"}, bool: {"type": "boolean"},
              dt.date: {"type": "string", "format": "date"},
              dt.datetime: {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"},
              dt.time: {"type": "string", "pattern": r"^\d{1,2}:\d{2}$"},
              Url: {"type": "string", "pattern": r"^(https?://|mailto:|tel:|#$)"},
              Path: {"type": "string", "not": {"pattern": r"^/|\.\.|:"}},
              Text: {"type": "string"}, str: {"type": "string"}}
    return dict(simple[tp])


