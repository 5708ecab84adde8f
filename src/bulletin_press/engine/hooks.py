"""One helper for every hook into WeasyPrint's (or pydyf's) internals: replace, remember, put back, and the version policy."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

switched_off: list[str] = []  # time-saving hooks off in this process (for diagnostics and tests)
_NAMES = {"weasyprint": "WeasyPrint"}
_warned = False  # one warning per process, however many time-saving hooks switch off


class UnsupportedWeasyPrint(RuntimeError):
    """A hook the output depends on meets a WeasyPrint (or pydyf) version it was not written for."""


class HookOff(RuntimeWarning):
    """A time-saving hook meets a version it was not written for and steps aside (a warning, not a
    log record: the command line keeps the project's loggers quiet, and this must be seen)."""


def version(package: str = "weasyprint") -> str:
    """The installed version of `package`: its module's own `__version__` once imported (what a test
    fakes), else the distribution's metadata (so startup can ask before importing WeasyPrint)."""
    module = sys.modules.get(package)
    found = getattr(module, "__version__", None)
    if found:
        return str(found)
    # Before the import (start-up): the dist-info folder beside the package, found without
    # importing it; importlib.metadata's scan of every distribution takes ~40 ms.
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin:
        for info in Path(spec.origin).parent.parent.glob(f"{package}-*.dist-info"):
            return info.name[len(package) + 1:-len(".dist-info")]
    import importlib.metadata

    return importlib.metadata.version(package)


class Hook:
    """Replacements of callables of WeasyPrint (or pydyf, ctypes) installed and put back together.

    `saves_time`: the output is the same without the hook, so on a version it does not know it
    switches itself off (one warning per process) and the render goes on without it; otherwise it
    refuses (UnsupportedWeasyPrint) with a message naming the versions it supports and `where` to
    re-read. Install is idempotent; `original[name]` is the callable a replacement stands in for."""

    def __init__(self, name: str, supported: dict[str, tuple[str, ...]], where: str, *, saves_time: bool) -> None:
        self.name, self.supported, self.where, self.saves_time = name, supported, where, saves_time
        self.original: dict[str, Any] = {}
        self._targets: list[tuple[str, Any, str, Callable[..., Any]]] = []
        self.off = False

    def replace(self, owner: Any, attribute: str, replacement: Callable[..., Any], name: str | None = None) -> None:
        """Declare that `owner.attribute` (a module's function, a class's method) is to be `replacement`."""
        self._targets.append((name or attribute, owner, attribute, replacement))

    def unsupported(self) -> str | None:
        """Why this hook cannot apply here (a message), or None when every version is one it knows."""
        for package, prefixes in self.supported.items():
            found = version(package)
            if not found.startswith(prefixes):
                known = ", ".join(p.rstrip(".") + ".x" if p.endswith(".") else p for p in prefixes)
                return (f"{self.name} was written for {_NAMES.get(package, package)} {known}, not {found}: "
                        f"check {self.where}, then update its supported versions")
        return None

    def usable(self) -> bool:
        """True when the hook may apply; a time-saving hook on an unknown version switches off
        (warning once per process), an output hook raises UnsupportedWeasyPrint."""
        if self.off:
            return False
        if self.original:
            return True
        problem = self.unsupported()
        if problem is None:
            return True
        if not self.saves_time:
            raise UnsupportedWeasyPrint(problem)
        global _warned
        self.off = True
        switched_off.append(self.name)
        if not _warned:
            _warned = True
            warnings.warn(f"{problem}; it only saves time, so it is off and renders go on without it (slower, "
                          "the same PDF); other time-saving hooks switch off silently", HookOff, stacklevel=2)
        return False

    @property
    def installed(self) -> bool:
        return bool(self.original)

    def install(self) -> bool:
        """Put the replacements in place (once); False when a time-saving hook is off."""
        if self.original:
            return True
        if not self.usable():
            return False
        for name, owner, attribute, replacement in self._targets:
            self.original[name] = getattr(owner, attribute)
            setattr(owner, attribute, replacement)
        return True

    def uninstall(self) -> None:
        """Put WeasyPrint's own callables back (nothing when not installed)."""
        for name, owner, attribute, _ in reversed(self._targets):
            if name in self.original:
                setattr(owner, attribute, self.original.pop(name))

