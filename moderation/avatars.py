"""Identicons: a small symmetric picture drawn from a commenter's avatar key, with no third party."""

from __future__ import annotations

import re

AVATAR_KEY = re.compile(r"^[0-9a-f]{32}$")
GRID = 5


def identicon(key: str) -> str:
    """An SVG, 5x5 cells mirrored left to right, its colour and pattern taken from the key."""
    digest = bytes.fromhex(key)
    hue = int.from_bytes(digest[:2], "big") % 360
    bits = int.from_bytes(digest[2:6], "big")
    cells = []
    for row in range(GRID):
        for column in range((GRID + 1) // 2):
            if bits >> (row * 3 + column) & 1:
                for x in {column, GRID - 1 - column}:
                    cells.append(f'<rect x="{x + 1}" y="{row + 1}" width="1" height="1"/>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" width="48" height="48">'
        f'<rect width="7" height="7" fill="hsl({hue} 45% 92%)"/>'
        f'<g fill="hsl({hue} 55% 45%)">{"".join(cells)}</g></svg>'
    )
