"""Workflow data as it crosses the pipe to a sandbox worker: JSON, with tags for the few Python types diagrams
keep in their data (dates, times, durations, decimals, UUIDs, tuples, sets, dicts with non-text keys).

JSON rather than pickle because the worker runs untrusted code: whatever it sends back is data, never
something that runs when read.
"""
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

TAG = "__sandbox__"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # one message either way; larger values are refused with a message


class NotTransferable(TypeError):
    """A value that workflow data cannot hold (a function, a generator, a file...)."""


_SIMPLE = {
    datetime: ("datetime", datetime.isoformat, datetime.fromisoformat),
    date: ("date", date.isoformat, date.fromisoformat),
    time: ("time", time.isoformat, time.fromisoformat),
    timedelta: ("timedelta", lambda v: [v.days, v.seconds, v.microseconds], lambda v: timedelta(*v)),
    Decimal: ("decimal", str, Decimal),
    UUID: ("uuid", str, UUID),
}
_DECODERS = {name: decode for name, _encode, decode in _SIMPLE.values()}


def to_plain(value):
    """`value` as JSON-compatible data, tagging the types JSON does not have; NotTransferable otherwise."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is list:
        return [to_plain(item) for item in value]
    if kind is dict:
        if all(type(key) is str for key in value) and TAG not in value:
            return {key: to_plain(item) for key, item in value.items()}
        return {TAG: "dict", "items": [[to_plain(key), to_plain(item)] for key, item in value.items()]}
    if kind is tuple:
        return {TAG: "tuple", "items": [to_plain(item) for item in value]}
    if kind in (set, frozenset):
        return {TAG: kind.__name__, "items": [to_plain(item) for item in value]}
    simple = _SIMPLE.get(kind)
    if simple is not None:
        return {TAG: simple[0], "value": simple[1](value)}
    if isinstance(value, (str, int, float, dict, list)):  # a subclass (an enum of str, say): its plain value
        return to_plain((str if isinstance(value, str) else float if isinstance(value, float) else
                         dict if isinstance(value, dict) else list if isinstance(value, list) else int)(value))
    raise NotTransferable(f"a value of type {kind.__name__} cannot be kept in workflow data")


def from_plain(value):
    """The Python value `to_plain` made `value` from."""
    if isinstance(value, list):
        return [from_plain(item) for item in value]
    if isinstance(value, dict):
        tag = value.get(TAG)
        if tag is None:
            return {key: from_plain(item) for key, item in value.items()}
        if tag == "dict":
            return {from_plain(key): from_plain(item) for key, item in value["items"]}
        if tag in ("tuple", "set", "frozenset"):
            items = (from_plain(item) for item in value["items"])
            return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
        return _DECODERS[tag](value["value"])
    return value


def encode(message):
    """A message (a dict whose values may hold workflow data) as bytes for the pipe."""
    payload = json.dumps(to_plain(message), separators=(",", ":"), allow_nan=True).encode()
    if len(payload) > MAX_MESSAGE_BYTES:
        raise NotTransferable(f"the data is larger than {MAX_MESSAGE_BYTES // (1024 * 1024)} MB")
    return payload


def decode(payload):
    """The message `encode` made `payload` from."""
    return from_plain(json.loads(payload))
