"""URL converters: ids in addresses are database ids, so out-of-range numbers are simply not found."""
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds


class IdConverter(IntegerConverter):
    """A positive database id; anything larger than the column can hold is a 404, never a database error."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def id_schema(converter):
    """How an id appears in the OpenAPI document."""
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def init_app(app):
    app.url_map.converters["id"] = IdConverter
