"""Bounded quoting of user text in error messages.

An error message quotes what it refuses, so that the user sees what was wrong, but the text
comes from outside (a model file, a command line) and can be a megabyte long. `quote` and
`shorten` keep every quotation to about ``limit`` characters and say how long the original
was, so a message stays one readable line however big the input.
"""

from __future__ import annotations

import reprlib

__all__ = ["quote", "shorten", "count", "QUOTE_LIMIT"]

QUOTE_LIMIT = 60  # characters of user text in one quotation: enough to recognise it


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (ending in "…"), with its full length after a cut."""
    if len(text) <= limit:
        return text
    return f"{text[: max(limit - 1, 1)]}… ({len(text):,} characters)"


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` kept to about ``limit`` characters, for a message that quotes it.

    Strings are cut (their full length is said), long lists and dicts show their first items,
    and nested ones their first levels, so that no part of a huge value is ever formatted in
    full. An int too long for Python to print in decimal is described by its size instead.
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[: max(limit - 1, 1)]!r}… ({len(value):,} characters)"
    if isinstance(value, int) and not isinstance(value, bool):
        digits = _digits(value)
        if digits > limit:
            return f"an int of {digits:,} digits"
    text = _LIMITED.repr(value)
    return shorten(text, limit)


def count(n: int) -> str:
    """A whole number for a message: ``1,234,567`` up to 15 digits, then ``9.99e+3999``
    (its first three digits), so that no message prints thousands of digits."""
    digits = _digits(n)
    if digits <= 15:
        return f"{n:,}"
    lead = abs(n) // 10 ** (digits - 3)  # the first three digits, exactly
    sign = "-" if n < 0 else ""
    return f"{sign}{lead // 100}.{lead % 100:02d}e+{digits - 1}"


def _digits(n: int) -> int:
    """How many decimal digits |n| has (exact, without printing it: Python refuses to print
    ints of more than 4,300 digits)."""
    n = abs(n)
    if n < 10:
        return 1
    digits = int((n.bit_length() - 1) * 0.30102999566398120) + 1  # log10(2)
    while 10**digits <= n:
        digits += 1
    while digits > 1 and 10 ** (digits - 1) > n:
        digits -= 1
    return digits


def _limited_repr() -> reprlib.Repr:
    r = reprlib.Repr()
    r.maxlevel = 3
    r.maxlist = r.maxtuple = r.maxset = r.maxfrozenset = r.maxdeque = r.maxarray = 6
    r.maxdict = 4
    r.maxstring = r.maxother = r.maxlong = QUOTE_LIMIT
    return r


_LIMITED = _limited_repr()
