"""Reading uploaded and on-disk files as text, whatever encoding their XML declares.

BPMN and DMN files may be UTF-8, UTF-16 (with or without a byte order mark) or
any encoding named in their XML declaration (`<?xml … encoding="ISO-8859-1"?>`).
We decode them as an XML parser would (BOM first, then the declaration, UTF-8
otherwise) and keep them as `str` with the declaration rewritten to UTF-8, so
everything downstream encodes them as UTF-8 and parses them alike. Forms are
JSON: UTF-8, or UTF-16/32 with a byte order mark.
"""
import codecs
import re

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# The first bytes of "<?" without a byte order mark (XML 1.0, appendix F).
_UNMARKED = ((b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00?\x00", "utf-16-le"),
             (b"\x00<\x00?", "utf-16-be"), (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"))
_DECLARATION = re.compile(r"""^(\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])([A-Za-z0-9._:-]+)\2""")


class UnreadableText(ValueError):
    """A file that is not text in any encoding we can tell; the message says what to do."""


def decode_text(raw, is_xml=True):
    """The text of a file's bytes (see the module doc); UnreadableText when it cannot be decoded."""
    encoding, skip = _sniff(raw)
    if encoding is None and is_xml:
        head = raw[:200].decode("ascii", errors="replace")
        match = _DECLARATION.match(head)
        if match:
            encoding = match.group(3)
    encoding = encoding or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UnreadableText(f'the XML declaration names the encoding "{encoding}", which is not known: '
                             f"save the file as UTF-8") from None
    try:
        text = raw[skip:].decode(encoding)
    except UnicodeDecodeError:
        said = "UTF-8" if encoding == "utf-8" else encoding
        raise UnreadableText(f"the file is not {said} text: save it as UTF-8, or declare its encoding in the XML "
                             f"declaration") from None
    if is_xml:
        text = _DECLARATION.sub(lambda m: f"{m.group(1)}{m.group(2)}UTF-8{m.group(2)}", text, count=1)
    return text


def _sniff(raw):
    """(encoding, bytes to skip) from a byte order mark or the first bytes of an XML declaration."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding, len(bom)
    for start, encoding in _UNMARKED:
        if raw.startswith(start):
            return encoding, 0
    return None, 0
