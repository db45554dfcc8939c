"""Values as a scientist passes them and as a person reads them (internal).

Every public entry point takes NumPy scalars and 0-d arrays wherever it takes Python numbers
(:func:`plain`, :func:`integer`), and every message shows a number in the shortest form that
round-trips (:func:`show`): ``0.1``, not ``0.10000000000000001`` or ``np.float64(0.1)``.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from typing import Any

import numpy as np

__all__ = ["boolean", "integer", "plain", "show"]


def plain(value: Any) -> Any:
    """``value`` with NumPy scalars and 0-d arrays turned into Python bool, int, float or str.

    Anything else is returned unchanged. ``np.float32(0.1)`` becomes the float that prints as
    ``0.1`` (its shortest decimal form), not 0.10000000149011612.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.generic):
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            if isinstance(value, (np.float32, np.float16)):
                return float(np.format_float_positional(value, unique=True, trim="-")) \
                    if np.isfinite(value) else float(value)
            return float(value)
        if isinstance(value, (np.str_, np.bytes_)):
            return value.item() if isinstance(value, np.str_) else value.decode()
        return value.item()
    return value


def integer(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None,
            allow_none: bool = False) -> int | None:
    """``value`` as a Python int: accepts int, NumPy integers and 0-d integer arrays.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (a bool is not one), naming ``name`` and the type.
    ValueError
        If it lies outside ``[minimum, maximum]``.
    """
    if value is None and allow_none:
        return None
    v = plain(value)
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        allowed = "an int or None" if allow_none else "an int"
        raise TypeError(f"{name} must be {allowed}, got {type(value).__name__} {show(value)}")
    v = int(v)
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {v}")
    if maximum is not None and v > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {v}")
    return v


def boolean(value: Any, name: str) -> bool:
    """``value`` as a Python bool: accepts bool, NumPy bools and 0-d bool arrays.

    Raises
    ------
    TypeError
        For anything else (a string such as ``"no"`` is not taken as true), naming ``name``.
    """
    v = plain(value)
    if not isinstance(v, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {show(value)}")
    return v


def show(value: Any) -> str:
    """``value`` as a person reads it: shortest round-trip numbers, ISO dates, strings quoted as in
    TOML (``"high"``), lists element by element (``[0.1, 2]``)."""
    value = plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)  # Python's float repr is the shortest string that round-trips
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        # As in a TOML file (and the engine's messages): "high", with \ and " escaped.
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(show(v) for v in value.ravel()[:10]) + (", ...]" if value.size > 10 else "]")
    return repr(value)
