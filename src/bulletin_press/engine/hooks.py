"""The check every hook into WeasyPrint's internals makes first: the installed version is one it was written for."""

from __future__ import annotations

import weasyprint


def require(module: str, supported: tuple[str, ...], where: str) -> None:
    """Raise, naming what to re-read (`where`), when WeasyPrint is not one of the `supported` versions."""
    if not weasyprint.__version__.startswith(supported):
        raise RuntimeError(f"{module} was written for WeasyPrint {', '.join(supported)}x, not "
                           f"{weasyprint.__version__}: check {where}, then update SUPPORTED")
