"""Streaming, defused XML: elements at one depth, handed over whole, each text bounded.

defusedxml refuses entity declarations (so no expansion bomb) and external references, and a
document type that names an external file is refused too. Elements are built here, one at a
time: a text over MAX_FIELD characters is dropped as it arrives (the element is marked), so
memory stays flat for a file of any size and any comment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser

from ..errors import InvalidRecord
from .records import MAX_FIELD

TOO_LONG = "{moderation}too-long"  # the attribute that marks an element whose text was dropped
CHUNK = 1 << 16


class _Parser(DefusedXMLParser):  # type: ignore[misc]
    """Takes an internal document type (without entities), refuses one that names a file."""

    def __init__(self, target: _Elements):
        super().__init__(target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        self.parser.StartDoctypeDeclHandler = self.external_doctype

    def external_doctype(self, name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
        if sysid or pubid:
            raise DTDForbidden(name, sysid, pubid)


@dataclass
class _Open:
    element: Element
    parts: list[str] = field(default_factory=list)
    size: int = 0


class _Elements:
    """A parser target that builds the elements at `depth` below the root, and only those."""

    def __init__(self, depth: int):
        self.depth = depth
        self.level = -1
        self.open: list[_Open] = []  # the element being built, and its open children
        self.done: list[Element] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.level += 1
        if self.level >= self.depth:
            element = Element(tag, attrib)
            if self.open:
                self.open[-1].element.append(element)
            self.open.append(_Open(element))

    def data(self, text: str) -> None:
        if not self.open or TOO_LONG in self.open[-1].element.attrib:
            return
        current = self.open[-1]
        current.size += len(text)
        if current.size > MAX_FIELD:
            current.parts.clear()
            current.element.set(TOO_LONG, "1")
        else:
            current.parts.append(text)

    def end(self, tag: str) -> None:
        if self.level >= self.depth:
            current = self.open.pop()
            current.element.text = "".join(current.parts)
            if self.level == self.depth:
                self.done.append(current.element)
        self.level -= 1

    def close(self) -> None:
        pass


def local(tag: str) -> str:
    """A tag without its namespace: WXR 1.0, 1.1 and 1.2 differ only there."""
    return tag.rsplit("}", 1)[-1]


def elements(path: Path, depth: int) -> Iterator[Element]:
    """Each element `depth` levels below the root (the root is 0), complete, in file order."""
    target = _Elements(depth)
    parser = _Parser(target)
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            parser.feed(chunk)
            yield from target.done
            target.done.clear()
    parser.close()
    yield from target.done


def text(element: Element | None) -> str:
    if element is None:
        return ""
    if TOO_LONG in element.attrib:
        raise InvalidRecord(f"{local(element.tag)}: over {MAX_FIELD:,} characters")
    return (element.text or "").strip()


def child(element: Element, name: str) -> Element | None:
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def child_text(element: Element, name: str) -> str:
    return text(child(element, name))
