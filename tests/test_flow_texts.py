"""The flow's texts say what a person needs, in every language (pure file checks).

The code step is the hard part of the first ten minutes: its instructions must be complete and
in order, and must not send anyone to the address bar (Chromium never shows the app's address
there). E-mail addresses in dialog texts sit in backticks, or the frontend's Markdown turns them
into mailto links.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import pytest

TRANSLATIONS = (
    Path(__file__).resolve().parents[1] / "custom_components/psa_connected_car/translations"
)
LANGUAGES = ("en", "de", "es", "fr", "it", "nl")
CODE_STEPS = ("authorization_code", "authorization_code_password_refused")


def load(language: str) -> dict[str, Any]:
    return json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step", CODE_STEPS)
def test_the_code_step_says_what_to_do_in_order(language: str, step: str) -> None:
    text = load(language)["config"]["step"][step]["description"]
    # The order: the link (a new tab), the developer tools before signing in, the request, paste.
    marks = ["({authorize_url})", "F12", "oauth2redirect"]
    positions = [text.index(mark) for mark in marks]
    assert positions == sorted(positions), text
    numbered = re.findall(r"^(\d)\. ", text, flags=re.MULTILINE)
    assert numbered == ["1", "2", "3", "4", "5"]
    assert text.count("`{redirect_uri}`") == 2
    # Each browser's way of keeping the log.
    for browser, option in (
        ("Chrome, Edge", "**Preserve log**"),
        ("Firefox", "**Persist Logs**"),
        ("Safari", "**Preserve Log**"),
    ):
        line = next(line for line in text.splitlines() if f"**{browser}**" in line)
        assert option in line, line
    assert "address bar" not in load("en")["config"]["step"][step]["description"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_refused_variant_starts_with_why(language: str) -> None:
    steps = load(language)["config"]["step"]
    refused = steps["authorization_code_password_refused"]["description"]
    reason, rest = refused.split("\n\n", 1)
    assert rest == steps["authorization_code"]["description"]
    assert "{brand}" in reason
    assert reason.endswith(".")
    assert ". " not in reason  # one sentence
    assert (
        steps["authorization_code_password_refused"]["data"] == steps["authorization_code"]["data"]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_e_mail_is_never_a_mailto_link(language: str) -> None:
    config = load(language)["config"]
    texts = (
        [
            text
            for step in config["step"].values()
            for text in [step.get("description", ""), *step.get("data_description", {}).values()]
        ]
        + list(config["error"].values())
        + list(config["abort"].values())
    )
    for text in texts:
        assert "{username}" not in text.replace("`{username}`", ""), text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_options_name_their_ranges(language: str) -> None:
    options = load(language)["options"]
    hints = options["step"]["polling"]["data_description"]
    assert "{active_min}" in hints["active_interval"]
    assert "{active_max}" in hints["active_interval"]
    assert "{parked_min}" in hints["parked_interval"]
    assert "{parked_max}" in hints["parked_interval"]
    errors = options["error"]
    assert {"{active_min}", "{active_max}"} <= set(
        re.findall(r"\{\w+\}", errors["active_interval_out_of_range"])
    )
    assert {"{parked_min}", "{parked_max}"} <= set(
        re.findall(r"\{\w+\}", errors["parked_interval_out_of_range"])
    )
