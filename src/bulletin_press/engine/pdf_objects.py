"""Reads of pydyf's and pypdf's objects that their public API does not offer: serialised bytes, stored stream sizes."""

from __future__ import annotations

from typing import Any

import pydyf


def pdf_bytes(item: Any) -> bytes:
    """An item of a pydyf object as pydyf writes it (`pydyf._to_bytes`, pydyf 0.11–0.13): numbers,
    names, strings and nested objects. If pydyf changes its serialisation, page signatures change
    (a preview redraws every page once) and the parallel deflate differs from pydyf's own bytes."""
    return pydyf._to_bytes(item)


def stream_bytes(stream: pydyf.Stream) -> bytes:
    """A pydyf stream's content, before compression, as pydyf would write it."""
    return b"\n".join(pydyf._to_bytes(item) for item in stream.stream)


def stored_size(stream: Any) -> int:
    """The bytes a pypdf stream object takes in the file, filters applied (`_data`, pypdf 4–7)."""
    return len(stream._data)
