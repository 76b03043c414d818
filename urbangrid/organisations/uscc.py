"""The unified social credit code (统一社会信用代码, USCC, GB 32100-2015).

Eighteen characters: registration authority (1), organisation type (1), administrative
division (6), organisation code (9, GB 11714, with its own check character) and a final
check character computed over the first seventeen with weights 3^i mod 31.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def check_character(first17: str) -> str:
    """The 18th character for the given first seventeen."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check(first8: str) -> str:
    """The GB 11714 check character of an eight-character organisation code body."""
    total = sum(_ORG_ALPHABET.index(ch) * w for ch, w in zip(first8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_error(code: str) -> str | None:
    """Why ``code`` is not a valid USCC, or ``None`` when it is."""
    if len(code) != 18:
        return f"must be 18 characters, got {len(code)}"
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        return f"contains characters outside the USCC alphabet: {''.join(bad)}"
    if not code[2:8].isdigit():
        return "characters 3–8 must be an administrative division code"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]}, expected {expected}"
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_error(code) is None


def make_uscc(admin_code: str, serial: int, *, authority: str = "1", kind: str = "1") -> str:
    """A valid USCC for a government body (``11``) in ``admin_code`` — for demo data."""
    body = f"{serial:08d}"[-8:]
    org = body + organisation_check(body)
    first17 = f"{authority}{kind}{admin_code}{org}"
    return first17 + check_character(first17)
