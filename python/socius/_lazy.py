"""Heavy libraries imported when first used, so that ``import socius`` stays light (internal).

``import socius`` runs for every command, including ``socius run``, which needs only NumPy and
the extension; xarray (with pandas) and SciPy alone take about 100 MiB of the process's resident
memory, a tenth of a million-resident run's peak. A module that uses one of them throughout
binds a stand-in at the top::

    xr = lazy("xarray")          # instead of: import xarray as xr

and uses ``xr.Dataset`` as before: the first attribute read imports the library. Type hints
naming ``xr.Dataset`` still resolve (``typing.get_type_hints`` reads the attribute). The
stand-in is not put in ``sys.modules``: until used, the library is not imported at all
(tests/python/test_imports.py checks that ``import socius`` loads none of them).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["lazy"]


class _Lazy:
    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not yet imported"
        return f"<module {self._name!r}, imported when first used ({state})>"


def lazy(name: str) -> Any:
    """A stand-in for module ``name`` that imports it on the first attribute read."""
    return _Lazy(name)
