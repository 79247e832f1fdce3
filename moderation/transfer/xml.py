"""Streaming, defused XML: elements at one depth, handed over whole and then cleared.

defusedxml refuses entity declarations (so no expansion bomb) and external references; the
elements already handed over are cleared, so memory stays flat for a file of any size.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import iterparse


def local(tag: str) -> str:
    """A tag without its namespace: WXR 1.0, 1.1 and 1.2 differ only there."""
    return tag.rsplit("}", 1)[-1]


def elements(path: Path, depth: int) -> Iterator[Element]:
    """Each element `depth` levels below the root (the root is 0), complete, in file order."""
    level = -1
    parents: list[Element] = []
    for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=False):
        if event == "start":
            level += 1
            if level < depth:
                parents.append(element)
            continue
        if level == depth:
            yield element
            parents[-1].remove(element)  # done with it: the tree keeps nothing that was read
        elif level < depth:
            parents.pop()
        level -= 1


def text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def child(element: Element, name: str) -> Element | None:
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def child_text(element: Element, name: str) -> str:
    return text(child(element, name))
