"""The members a bulletin goes to, read from a CSV file."""

# placeholder until i13-members lands: the lead keeps the other branch's file

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    email: str                 # as written, surrounding spaces stripped
    name: str                  # "" when none
    organisation: str          # "" when none
    fields: Mapping[str, str]  # every column of the row, header → value (read-only), for templates
    line: int                  # its line in the file (1-based, the header is line 1)

    @property
    def key(self) -> str:
        return self.email.casefold()
