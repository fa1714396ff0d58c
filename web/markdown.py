"""Markdown for text process owners wrote (form texts), and a smaller safe subset for comments.

Raw HTML in the source is escaped and unsafe links are dropped. Values people
typed (answers filled into a form text's `{{ placeholders }}`) are never read as
Markdown: they are put into the rendered text as plain text.
"""
from urllib.parse import quote

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
# Comments may be formatted (emphasis, lists, code) but neither link elsewhere nor look like the page's headings.
_COMMENT_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True}
                         ).disable(["link", "image", "autolink", "heading", "lheading", "reference"])

MARKER = "\ue000{}\ue001"  # stands for the n-th value inside Markdown (private-use characters)
_MARKER_CHARS = str.maketrans("", "", "\ue000\ue001")


def render_markdown(text):
    """HTML for Markdown text written by process owners."""
    return _MD.render(text)


def render_comment(text):
    """HTML for a comment: emphasis, lists, code and line breaks; no links, images or headings."""
    return _COMMENT_MD.render(text)


def render_markdown_with_values(text, values):
    """HTML for owner-written Markdown `text` in which MARKER.format(n) stands for `values[n]`: each value
    appears as plain text (escaped, never parsed as Markdown); inside a link address, percent-encoded."""
    plain = [str(value).translate(_MARKER_CHARS) for value in values]
    tokens = _MD.parse(text)
    _fill(tokens, plain)
    return _MD.renderer.render(tokens, _MD.options, {})


def _fill(tokens, values):
    for token in tokens:
        if token.content and "\ue000" in token.content:
            token.content = _substitute(token.content, values)
        for name, value in list((token.attrs or {}).items()):
            if isinstance(value, str) and ("%EE%80%80" in value or "\ue000" in value):
                token.attrs[name] = _substitute(value, values, address=True)
        if token.children:
            _fill(token.children, values)


def _substitute(text, values, address=False):
    for index, value in enumerate(values):
        marker = MARKER.format(index)
        replacement = quote(value, safe="") if address else value
        text = text.replace(marker, replacement)
        if address:
            text = text.replace(quote(marker, safe=""), replacement)
    return text
