"""A command-line process's start and end: WeasyPrint's libraries loaded without a search, output kept at the quick exit."""

from __future__ import annotations

import json
import subprocess
import sys

# Counts ctypes' library searches (each runs ldconfig and gcc) while WeasyPrint is imported.
IMPORT = """
import ctypes.util, json, sys
searched = []
search = ctypes.util.find_library
def counted(name):
    searched.append(name)
    return search(name)
ctypes.util.find_library = counted
if sys.argv[1] == "startup":
    from bulletin_press.engine import startup
    startup.import_weasyprint()
else:
    import weasyprint
from weasyprint.text import ffi
print(json.dumps({"searched": len(searched), "subset": ffi.harfbuzz_subset is not None,
                  "pango": ffi.pango.pango_version()}))
"""

# The sonames WeasyPrint tries refused, as on a system where only the search finds a library.
REFUSED = """
import cffi.api
load = cffi.api._load_backend_lib
def refusing(backend, name, flags):
    if name.endswith(".so.0"):
        raise OSError(f"cannot load {name}")
    return load(backend, name, flags)
cffi.api._load_backend_lib = refusing
"""


def _imported(how: str, before: str = "") -> tuple[dict, str]:
    run = subprocess.run([sys.executable, "-c", before + IMPORT, how], capture_output=True, text=True, timeout=120, check=True)
    lines = run.stdout.splitlines()
    return json.loads(lines[-1]), "\n".join(lines[:-1])


def test_weasyprint_loads_its_libraries_without_a_search() -> None:
    plain, _ = _imported("plain")
    quick, printed = _imported("startup")
    assert plain["searched"] > 0, "WeasyPrint no longer searches for its libraries: startup.import_weasyprint can go"
    assert quick["searched"] == 0
    assert quick["subset"] and quick["pango"] == plain["pango"] and plain["subset"]
    assert printed == ""


def test_a_library_only_the_search_finds_is_still_loaded() -> None:
    quick, printed = _imported("startup", REFUSED)
    assert quick["searched"] > 0 and quick["subset"] and quick["pango"]
    assert printed == ""  # WeasyPrint's help text for a missing library is not shown
