"""Preconditioning programs in the status: parsed defensively, never raising."""

from __future__ import annotations

import logging
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.psa_connected_car.api.parsers import parse_status
from custom_components.psa_connected_car.api.remote import PreconditioningProgram


def status_with(programs: Any, key: str = "preconditionning") -> dict[str, Any]:
    return {key: {"airConditioning": {"status": "Disabled", "programs": programs}}}


def programs_of(payload: Any) -> tuple[PreconditioningProgram, ...]:
    preconditioning = parse_status(payload).preconditioning
    assert preconditioning is not None
    return preconditioning.programs


def test_programs_are_read_in_slot_order():
    programs = programs_of(
        status_with(
            [
                {
                    "slot": 3,
                    "enabled": False,
                    "start": "PT22H5M",
                    "occurence": {"day": ["Sun"]},
                },
                {
                    "slot": 1,
                    "enabled": True,
                    "start": "PT5H40M",
                    "occurence": {"day": ["Mon", "Tue", "Wed", "Thu", "Fri"]},
                },
            ]
        )
    )
    assert programs == (
        PreconditioningProgram(
            slot=1, enabled=True, hour=5, minute=40, days=(True,) * 5 + (False,) * 2
        ),
        PreconditioningProgram(
            slot=3, enabled=False, hour=22, minute=5, days=(False,) * 6 + (True,)
        ),
    )


def test_the_new_spelling_too():
    payload = status_with([{"slot": 2, "enabled": "true", "start": "PT0S"}], "preconditioning")
    assert programs_of(payload) == (
        PreconditioningProgram(slot=2, enabled=True, hour=0, minute=0, days=(False,) * 7),
    )


def test_no_programs_is_an_empty_tuple():
    assert programs_of({"preconditionning": {"airConditioning": {"status": "Enabled"}}}) == ()


@pytest.mark.parametrize(
    "item",
    [
        {"slot": 0, "enabled": True, "start": "PT5H"},  # slots are 1..4
        {"slot": 5, "enabled": True, "start": "PT5H"},
        {"slot": "x", "enabled": True, "start": "PT5H"},
        {"slot": 1, "enabled": True},  # no start
        {"slot": 1, "enabled": True, "start": "PT34H7M"},  # the unset-slot placeholder hour
        {"slot": 1, "enabled": True, "start": "5:40"},
        {"slot": 1, "enabled": True, "start": 540},
        "program1",
        None,
    ],
)
def test_unusable_items_are_left_out_and_logged(item, caplog):
    caplog.set_level(logging.DEBUG)
    good = {"slot": 4, "enabled": False, "start": "PT1H1M", "occurence": {"day": ["Sat"]}}
    assert [program.slot for program in programs_of(status_with([item, good]))] == [4]
    if item is not None:
        assert any("programs" in record.getMessage() for record in caplog.records)


def test_odd_days_and_enabled():
    (program,) = programs_of(
        status_with(
            [
                {
                    "slot": 1,
                    "enabled": "maybe",  # unknown: not enabled, never turned on by us
                    "start": "PT7H",
                    "occurence": {"day": ["Mon", "Funday", 3, "Mon"]},
                }
            ]
        )
    )
    assert program.enabled is False
    assert program.days == (True,) + (False,) * 6


def test_a_repeated_slot_keeps_the_first():
    programs = programs_of(
        status_with(
            [
                {"slot": 2, "enabled": True, "start": "PT6H"},
                {"slot": 2, "enabled": False, "start": "PT9H"},
            ]
        )
    )
    assert [(program.slot, program.hour) for program in programs] == [(2, 6)]


@pytest.mark.parametrize("programs", [{}, "x", 3, [[]], [{"occurence": "Mon"}]])
def test_odd_shapes(programs):
    assert programs_of(status_with(programs)) == ()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["slot", "enabled", "start", "occurence", "day", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_never_raises(programs):
    for program in programs_of(status_with(programs)):
        assert program.slot in range(1, 5)
        assert 0 <= program.hour <= 23
        assert 0 <= program.minute <= 59
        assert len(program.days) == 7
