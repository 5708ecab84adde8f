"""What a command-line process does once: import WeasyPrint without ctypes' library search, tune the collector, leave."""

from __future__ import annotations

import contextlib
import ctypes.util
import io
import logging
import os
import sys

from .hooks import Hook

# The version is read from the distribution's metadata: WeasyPrint is not imported yet.
SEARCH = Hook("bulletin_press.engine.startup", {"weasyprint": ("70.",)},
              "text/ffi.py (the library names dlopen'ed per platform)", saves_time=True)
SEARCH.replace(ctypes.util, "find_library", lambda name: None)


def import_weasyprint() -> None:
    """Import WeasyPrint with its C libraries loaded by their sonames alone.

    WeasyPrint tries several names per library (Windows, macOS, Linux spellings) and cffi asks
    `ctypes.util.find_library` about each name that does not load, which on Linux runs ldconfig and
    gcc: some 20 subprocesses, 0.15–0.3 s of every start. The Linux sonames in its lists
    (libpango-1.0.so.0 …) are loaded by the dynamic loader without that search, so during the
    import the search answers "not found" at once. Should a library then be missing (it was only
    found by the search), WeasyPrint is imported again the usual way.

    Replaces `ctypes.util.find_library` during the import of `weasyprint.text.ffi`. If WeasyPrint's
    lists lose the Linux sonames, every library is missed and the import happens twice (slower,
    the same result); it only saves time, so on a WeasyPrint it does not know it is off (one warning)."""
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        return
    if not SEARCH.install():
        import weasyprint  # noqa: F401
        return
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # WeasyPrint prints its help before failing
            from weasyprint.text import ffi
        quick = ffi.harfbuzz_subset is not None  # optional, so a miss would pass silently (and slowly)
    except OSError:
        quick = False
    finally:
        SEARCH.uninstall()
    if not quick:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
    import weasyprint  # noqa: F401


def one_build_collector() -> None:
    """A process that builds once keeps its modules for good: the collector leaves the objects
    imported so far alone and runs less often (render 2023-11: ~0.1 s less, the same peak memory)."""
    import gc

    gc.freeze()
    gc.set_threshold(20000, 50, 1000)


def leave(code: int) -> None:
    """End the process once the command is done: its output flushed and its logs closed, without
    freeing the layout object by object (~0.07 s after a render)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`) is no reason to fail
            stream.flush()
    os._exit(code)
