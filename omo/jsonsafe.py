"""JSON from outside with bounded nesting: a 5,000-deep body is a 400, never a RecursionError 500."""

import json

MAX_DEPTH = 32


class JSONTooDeep(ValueError):
    pass


def depth_check(value, max_depth: int = MAX_DEPTH) -> None:
    """Raise JSONTooDeep when `value` nests lists/objects deeper than `max_depth` (iteratively)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def loads(text, max_depth: int = MAX_DEPTH, **kwargs):
    """json.loads that refuses over-deep documents with ValueError (JSONTooDeep)."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError as exc:
        raise JSONTooDeep(f"JSON nested deeper than {max_depth} levels") from exc
    depth_check(value, max_depth)
    return value


class BoundedDecoder(json.JSONDecoder):
    """For JSONField(decoder=...): a form's over-deep JSON is a form error, not a 500."""

    def decode(self, s, *args, **kwargs):
        try:
            value = super().decode(s, *args, **kwargs)
            depth_check(value)
        except (RecursionError, JSONTooDeep) as exc:
            raise json.JSONDecodeError(f"nested deeper than {MAX_DEPTH} levels", s, 0) from exc
        return value
