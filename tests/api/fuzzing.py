"""Hypothesis strategies shared by the parsers' fuzz tests: any JSON value, and mutations of a
real-shaped payload (fields dropped, nulled, retyped; keys and list items reordered)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# 10**400 is an integer no float holds: a number the parsers must refuse, not crash on.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.just(10**400)
    | st.floats()
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=24,
)


def mutate(payload: Any, draw: st.DrawFn) -> Any:
    """Drop, null, retype or recurse into each field; reorder keys and list items."""
    if isinstance(payload, dict):
        result = {}
        for key, value in payload.items():
            action = draw(st.sampled_from(["keep", "keep", "drop", "null", "retype", "recurse"]))
            if action == "drop":
                continue
            if action == "null":
                result[key] = None
            elif action == "retype":
                result[key] = draw(json_values)
            else:
                result[key] = mutate(value, draw)
        return dict(draw(st.permutations(list(result.items()))))
    if isinstance(payload, list):
        items = [mutate(item, draw) for item in payload]
        return draw(st.permutations(items)) if items else items
    return payload
