"""Parse untrusted XML without ever expanding an entity, reading a DTD or touching the network.

Notices come from a public API that re-publishes what thousands of buyers typed; a hostile
document (billion laughs, external entity pointing at ``file:///etc/passwd`` or an intranet URL)
must be refused with a clear error, never expanded. Two locks: any ``<!DOCTYPE`` carrying an
``<!ENTITY`` declaration is refused before parsing, and the parser itself is built with entity
resolution, DTD loading and network access off and ``huge_tree`` off (lxml's own size limits).
"""

from __future__ import annotations

import re

from lxml import etree

from vocabulary.errors import VeilleurError

__all__ = ["HostileXMLError", "MalformedXMLError", "XMLError", "parse_xml"]

#: how far into a document a DOCTYPE may appear (after the XML declaration and comments)
_PROLOGUE_BYTES = 4096
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


class XMLError(VeilleurError, ValueError):
    """Raised when a document cannot be turned into a tree; ``kind`` names the failure."""

    kind = "xml_error"


class HostileXMLError(XMLError):
    """Raised for a document declaring entities (entity bombs, external entities)."""

    kind = "hostile_xml"


class MalformedXMLError(XMLError):
    """Raised for a document that is not well-formed XML (truncated, not XML at all)."""

    kind = "malformed_xml"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes) -> etree._Element:
    """The root element of ``data``; raises :class:`XMLError` subclasses, never expands entities."""
    if not data or not data.strip():
        raise MalformedXMLError("empty document")
    doctype = _DOCTYPE.search(data[:_PROLOGUE_BYTES])
    if doctype is not None and _ENTITY_DECL.search(data, doctype.start()):
        raise HostileXMLError("document declares entities in its DOCTYPE (refused)")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedXMLError(f"not well-formed XML: {exc}") from exc
    if root is None:
        raise MalformedXMLError("no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None and any(
        isinstance(node, etree._Entity) or getattr(node, "type", "") == "entity"
        for node in docinfo.internalDTD.iterentities()
    ):
        raise HostileXMLError("document declares entities in its internal DTD (refused)")
    return root
