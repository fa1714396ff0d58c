"""Safe Markdown: raw HTML in the source is escaped, unsafe links are dropped."""
from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(text):
    """HTML for Markdown text written by process owners or users."""
    return _MD.render(text)
