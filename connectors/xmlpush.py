"""Reading a pushed XML body (WeChat's format, which Weibo's XML mode copies). The body is
untrusted: defusedxml with DTDs forbidden, so neither external entities nor entity bombs
get anywhere."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET


class NotXml(ValueError):
    """The body is not a push's `<xml>` document; the message says why."""


def xml_root(body: bytes | str) -> Element:
    """Return the `<xml>` root of a pushed body; raise NotXml otherwise."""
    try:
        root: Element = SafeET.fromstring(body, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise NotXml(f"XML refused: {type(exc).__name__}") from exc
    except ParseError as exc:
        raise NotXml(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise NotXml(f"XML root is <{root.tag}>, expected <xml>")
    return root
