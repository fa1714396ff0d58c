"""How deep JSON may nest: deeper documents are refused with a message instead of exhausting the stack."""
import json

MAX_JSON_DEPTH = 64


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than allowed; the message says how deep is allowed."""

    def __init__(self, limit):
        super().__init__(f"The JSON is nested more than {limit} levels deep; send flatter data.")
        self.limit = limit


def depth_exceeds(value, limit=MAX_JSON_DEPTH):
    """True when lists and objects in `value` nest more than `limit` levels (checked without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads_limited(text, limit=MAX_JSON_DEPTH, **kwargs):
    """json.loads, raising JSONTooDeep (a ValueError) for documents nested more than `limit` levels."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONTooDeep(limit) from None
    if depth_exceeds(value, limit):
        raise JSONTooDeep(limit)
    return value
