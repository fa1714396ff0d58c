"""Templated text in forms, as form-js text components write it.

Supports the part of form-js templating that forms here use: `{{ name.path }}`,
`{{#if name}}...{{/if}}` and `{{#loop list}}...{{/loop}}` (inside a loop, the
item's fields are names). The text around the placeholders is the process owner's Markdown; the values
are what people typed, so `fill_placeholders` keeps them apart for web.markdown to insert as plain text.
"""
import re

_TAG = re.compile(r"\{\{\s*(#if|#loop|/if|/loop)?\s*([^{}]*?)\s*\}\}")


def _lookup(context, path):
    current = context
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def _display(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_display(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_display(item)}" for key, item in value.items())
    return str(value)


def _parse(text):
    """Tokens to a tree: list of str | ('var', path) | ('if'|'loop', path, children)."""
    root, stack, position = [], [], 0
    current = root
    for match in _TAG.finditer(text):
        current.append(text[position:match.start()])
        position = match.end()
        kind, path = match.group(1), match.group(2)
        if kind in ("#if", "#loop"):
            node = (kind[1:], path, [])
            current.append(node)
            stack.append(current)
            current = node[2]
        elif kind in ("/if", "/loop"):
            current = stack.pop() if stack else root
        else:
            current.append(("var", path))
    current.append(text[position:])
    return root


def _render(nodes, context, show):
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node[0] == "var":
            out.append(show(_display(_lookup(context, node[1]))))
        elif node[0] == "if":
            if _lookup(context, node[1]):
                out.append(_render(node[2], context, show))
        elif node[0] == "loop":
            for item in _lookup(context, node[1]) or []:
                scope = {**context, **item} if isinstance(item, dict) else {**context, "this": item}
                out.append(_render(node[2], scope, show))
    return "".join(out)


def render_template_text(text, context):
    """Fill a form text's placeholders from task data (as one plain string)."""
    return _render(_parse(text or ""), context or {}, lambda value: value)


def fill_placeholders(text, context, marker):
    """The form text with each placeholder replaced by `marker.format(n)`, and the list of values (what people
    typed) the markers stand for."""
    values = []

    def keep(value):
        values.append(value)
        return marker.format(len(values) - 1)

    return _render(_parse(text or ""), context or {}, keep), values
