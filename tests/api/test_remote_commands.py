"""RemoteCommander against a fake connection: envelopes, every reply path, budgets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import datetime
import re
from typing import Any

import pytest

from custom_components.psa_connected_car.api.exceptions import (
    PSACommandError,
    PSARateLimitError,
)
from custom_components.psa_connected_car.api.remote.commands import (
    UNSET_PROGRAM,
    RemoteCommander,
    correlation_id,
    failure_detail,
)
from custom_components.psa_connected_car.api.remote.models import (
    CommandProgress,
    PreconditioningProgram,
)

CID = "AP-ACNT200000000042"
VIN = "VR3TESTVIN0000001"
OTHER = "VR3TESTVIN0000002"
NOW = 1_764_633_600.25  # 2025-12-02T00:00:00.250Z
TOPIC = f"psa/RemoteServices/to/cid/{CID}"

Reply = dict[str, Any]
Script = Callable[[str, Mapping[str, Any]], list[Reply]]


class FakeConnection:
    """Records what is published; a script answers each publish with replies."""

    def __init__(self) -> None:
        """No script: nothing answers."""
        self.published: list[tuple[str, Mapping[str, Any]]] = []
        self.script: Script | None = None
        self.commander: RemoteCommander | None = None
        self.connected = True

    async def publish(self, service: str, payload: Mapping[str, Any]) -> None:
        """Record, then deliver the scripted replies from the event loop (as MQTT would)."""
        if not self.connected:
            raise PSACommandError("not_connected")
        self.published.append((service, payload))
        if self.script is not None and self.commander is not None:
            loop = asyncio.get_running_loop()
            for reply in self.script(service, payload):
                topic = TOPIC + service + ("" if "return_code" in reply else "/ProcessManagement")
                loop.call_soon(self.commander.handle_message, topic, reply)


class FakeTokens:
    """Hands out token-1, then token-2 after a forced refresh."""

    def __init__(self) -> None:
        """Counts calls."""
        self.current = "token-1"
        self.refreshes = 0

    async def async_get_access_token(self) -> str:
        """The current token."""
        return self.current

    async def async_force_refresh(self) -> str:
        """A new token."""
        self.refreshes += 1
        self.current = f"token-{self.refreshes + 1}"
        return self.current


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        """Starts at NOW."""
        self.now = NOW

    def __call__(self) -> float:
        """The time."""
        return self.now


def progress(code: str) -> Callable[[Mapping[str, Any]], Reply]:
    """A progress reply to the given envelope."""
    return lambda env: {
        "process_date": "2025-12-02T00:00:01Z",
        "vin": env["vin"],
        "correlation_id": env["correlation_id"],
        "process_code": code,
        "process_message": f"[process.{code}.key]",
    }


def final(code: str, **extra: Any) -> Callable[[Mapping[str, Any]], Reply]:
    """A final reply to the given envelope."""
    return lambda env: {
        "resp_date": "2025-12-02T00:00:02Z",
        "vin": env["vin"],
        "correlation_id": env["correlation_id"],
        "return_code": code,
        **extra,
    }


def answers(*makers: Callable[[Mapping[str, Any]], Reply]) -> Script:
    """Every publish gets the same sequence."""
    return lambda service, env: [make(env) for make in makers]


class Harness:
    """Commander + fakes + the progress it reported."""

    def __init__(self, timeout: float = 5.0) -> None:
        """A commander on a fake connection with a fake clock."""
        self.connection = FakeConnection()
        self.tokens = FakeTokens()
        self.clock = Clock()
        self.progress: list[CommandProgress] = []
        self.commander = RemoteCommander(
            self.connection,
            self.tokens,
            CID,
            on_progress=self.progress.append,
            clock=self.clock,
            timeout=timeout,
        )
        self.connection.commander = self.commander

    def envelope(self, index: int = -1) -> Mapping[str, Any]:
        """A published envelope."""
        return self.connection.published[index][1]


@pytest.fixture
def harness() -> Harness:
    """The default harness (timeouts never reached)."""
    return Harness()


async def test_envelope_format_and_success(harness: Harness) -> None:
    """Envelope keys and formats (§7); 900 -> 903 -> 0 ends in a CommandResult."""
    harness.connection.script = answers(progress("900"), progress("903"), final("0"))
    result = await harness.commander.lock(VIN, True)
    service, env = harness.connection.published[0]
    assert service == "/Doors"
    assert set(env) == {
        "access_token", "customer_id", "correlation_id", "req_date", "vin", "req_parameters"
    }  # fmt: skip
    assert env["access_token"] == "token-1"
    assert env["customer_id"] == CID
    assert env["vin"] == VIN
    assert env["req_date"] == "2025-12-02T00:00:00Z"
    assert re.fullmatch(r"[0-9a-f]{32}20251202000000250", env["correlation_id"])
    assert env["req_parameters"] == {"action": "lock"}
    assert result.vin == VIN
    assert result.service == "/Doors"
    assert result.code == "0"
    assert result.progress == ("900", "903")
    assert [(p.code, p.final) for p in harness.progress] == [
        ("900", False), ("903", False), ("0", True)
    ]  # fmt: skip
    assert {p.correlation_id for p in harness.progress} == {env["correlation_id"]}
    assert not harness.commander.busy(VIN)


async def test_code_1_is_success_with_data(harness: Harness) -> None:
    """1 is a success too; resp_data is handed over."""
    harness.connection.script = answers(final("1", resp_data={"lock_resp_state": 0}))
    result = await harness.commander.lock(VIN, False)
    assert harness.envelope()["req_parameters"] == {"action": "unlock"}
    assert result.code == "1"
    assert result.data == {"lock_resp_state": 0}


def test_correlation_ids_are_unique_and_utc() -> None:
    """uuid4 hex + UTC milliseconds, whatever the zone of the given time."""
    paris = datetime.timezone(datetime.timedelta(hours=2))
    moment = datetime.datetime(2026, 9, 10, 14, 13, 5, 775000, tzinfo=paris)
    first, second = correlation_id(moment), correlation_id(moment)
    assert first != second
    assert first.endswith("20260910121305775")
    assert len(first) == 49


@pytest.mark.parametrize(
    ("code", "extra", "reason", "detail"),
    [
        ("300", {}, "asleep", None),
        ("113", {}, "vin_error", None),
        ("422", {}, "privacy", None),
        ("502", {}, "duplicate", None),
        ("500", {"resp_data": {"error": 0}}, "failed", "not_stopped"),
        ("500", {"resp_data": {"lock_resp_state": 2}}, "failed", "door_open"),
        ("500", {"resp_data": {"error": 9}}, "failed", None),
        ("999", {}, "failed", None),
        (
            "400",
            {"reason": "[authorization.denied.cvs.response.no.matching.service.key]"},
            "not_supported",
            None,
        ),
    ],
)
async def test_final_failures(
    harness: Harness, code: str, extra: dict[str, Any], reason: str, detail: str | None
) -> None:
    """Each final code other than 0/1 becomes its PSACommandError."""
    harness.connection.script = answers(progress("900"), final(code, **extra))
    with pytest.raises(PSACommandError) as caught:
        await harness.commander.lock(VIN, True)
    assert (caught.value.reason, caught.value.code, caught.value.detail) == (reason, code, detail)
    assert len(harness.connection.published) == 1  # no resend
    assert harness.tokens.refreshes == 0
    assert not harness.commander.busy(VIN)


async def test_asleep_sequence(harness: Harness) -> None:
    """900 -> 901 -> 300: asleep, with the progress reported first."""
    harness.connection.script = answers(progress("900"), progress("901"), final("300"))
    with pytest.raises(PSACommandError) as caught:
        await harness.commander.wake_up(VIN)
    assert caught.value.reason == "asleep"
    assert [p.code for p in harness.progress] == ["900", "901", "300"]


async def test_plain_400_refreshes_and_resends_once(harness: Harness) -> None:
    """A 400 -> force refresh -> resend with the new token and a new correlation id."""
    calls = 0

    def script(service: str, env: Mapping[str, Any]) -> list[Reply]:
        nonlocal calls
        calls += 1
        return [final("400" if calls == 1 else "0")(env)]

    harness.connection.script = script
    result = await harness.commander.horn(VIN)
    assert result.code == "0"
    assert harness.tokens.refreshes == 1
    first, second = harness.envelope(0), harness.envelope(1)
    assert (first["access_token"], second["access_token"]) == ("token-1", "token-2")
    assert first["correlation_id"] != second["correlation_id"]
    assert first["req_parameters"] == second["req_parameters"]


async def test_second_400_is_token_error(harness: Harness) -> None:
    """A 400 again after the refresh: reason token, no third publish."""
    harness.connection.script = answers(final("400", reason="[whatever]"))
    with pytest.raises(PSACommandError) as caught:
        await harness.commander.lights(VIN)
    assert (caught.value.reason, caught.value.code) == ("token", "400")
    assert len(harness.connection.published) == 2
    assert harness.tokens.refreshes == 1


async def test_late_reply_to_first_send_is_ignored(harness: Harness) -> None:
    """After the resend, a reply with the first correlation id does not end the command."""
    calls = 0

    def script(service: str, env: Mapping[str, Any]) -> list[Reply]:
        nonlocal calls
        calls += 1
        if calls == 1:
            first_env.update(env)
            return [final("400")(env)]
        return [final("500")(first_env), final("0")(env)]

    first_env: dict[str, Any] = {}
    harness.connection.script = script
    assert (await harness.commander.horn(VIN)).code == "0"


async def test_busy_is_immediate(harness: Harness) -> None:
    """A second command for the same car fails at once; another car is free."""
    first = asyncio.create_task(harness.commander.lock(VIN, True))
    await asyncio.sleep(0)
    assert harness.commander.busy(VIN)
    with pytest.raises(PSACommandError) as caught:
        await harness.commander.horn(VIN)
    assert caught.value.reason == "busy"
    with pytest.raises(PSACommandError):
        await harness.commander.wake_up(VIN)
    assert len(harness.connection.published) == 1
    other = asyncio.create_task(harness.commander.horn(OTHER))
    await asyncio.sleep(0)
    assert harness.commander.busy(OTHER)
    for service, env in list(harness.connection.published):
        harness.commander.handle_message(TOPIC + service, final("0")(env))
    assert (await first).vin == VIN
    assert (await other).vin == OTHER
    assert not harness.commander.busy(VIN)


async def test_empty_ids_final_matches_the_only_pending(harness: Harness) -> None:
    """sv#182's 500 with empty vin and correlation id ends the one pending command."""
    task = asyncio.create_task(harness.commander.charge(VIN, True, datetime.time(22, 1)))
    await asyncio.sleep(0)
    blank = {"resp_date": "x", "vin": "", "correlation_id": "", "return_code": "500",
             "resp_data": {"error": 2}}  # fmt: skip
    harness.commander.handle_message(TOPIC + "/VehCharge", blank)
    with pytest.raises(PSACommandError) as caught:
        await task
    assert (caught.value.reason, caught.value.detail) == ("failed", "communication_problem")


async def test_empty_ids_final_with_two_pending_is_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With two commands pending it matches neither (logged); they end by timeout."""
    harness = Harness(timeout=0.05)
    first = asyncio.create_task(harness.commander.lock(VIN, True))
    second = asyncio.create_task(harness.commander.lock(OTHER, True))
    await asyncio.sleep(0)
    harness.commander.handle_message(
        TOPIC + "/Doors", {"vin": "", "correlation_id": "", "return_code": "500"}
    )
    for task in (first, second):
        with pytest.raises(PSACommandError) as caught:
            await task
        assert caught.value.reason == "timeout"
    assert "without correlation id" in caplog.text


async def test_timeout() -> None:
    """No final within the timeout: reason timeout, the car is free again."""
    harness = Harness(timeout=0.01)
    harness.connection.script = answers(progress("900"))
    with pytest.raises(PSACommandError) as caught:
        await harness.commander.lock(VIN, True)
    assert caught.value.reason == "timeout"
    assert not harness.commander.busy(VIN)


async def test_not_connected_passes_through(harness: Harness) -> None:
    """The connection's refusal reaches the caller; the car is not left busy."""
    harness.connection.connected = False
    with pytest.raises(PSACommandError) as caught:
        await harness.commander.lock(VIN, True)
    assert caught.value.reason == "not_connected"
    assert not harness.commander.busy(VIN)
    assert harness.commander.wake_ups_left(VIN) == 6


async def test_wake_up_budget(harness: Harness) -> None:
    """6 per sliding 20 minutes per car, then PSARateLimitError and nothing published."""
    harness.connection.script = answers(final("0"))
    for _ in range(6):
        await harness.commander.wake_up(VIN)
        harness.clock.now += 60
    assert harness.envelope()["req_parameters"] == {"action": "state"}
    assert harness.commander.wake_ups_left(VIN) == 0
    with pytest.raises(PSARateLimitError) as caught:
        await harness.commander.wake_up(VIN)
    assert caught.value.retry_after == pytest.approx(20 * 60 - 6 * 60)
    assert len(harness.connection.published) == 6
    assert harness.commander.wake_ups_left(OTHER) == 6
    harness.clock.now = NOW + 20 * 60  # the first one leaves the window
    assert harness.commander.wake_ups_left(VIN) == 1
    await harness.commander.wake_up(VIN)
    assert harness.commander.wake_ups_left(VIN) == 0


async def test_other_commands_do_not_spend_wake_ups(harness: Harness) -> None:
    """Only wake_up counts, once per call even with the 400 resend."""
    harness.connection.script = answers(final("0"))
    await harness.commander.lock(VIN, True)
    calls = 0

    def script(service: str, env: Mapping[str, Any]) -> list[Reply]:
        nonlocal calls
        calls += 1
        return [final("400" if calls == 1 else "0")(env)]

    harness.connection.script = script
    await harness.commander.wake_up(VIN)
    assert harness.commander.wake_ups_left(VIN) == 5


async def test_command_parameters(harness: Harness) -> None:
    """Per-command req_parameters exactly as §7."""
    harness.connection.script = answers(final("0"))
    await harness.commander.charge(VIN, True, datetime.time(22, 1))
    assert harness.connection.published[-1][0] == "/VehCharge"
    assert harness.envelope()["req_parameters"] == {
        "program": {"hour": 22, "minute": 1}, "type": "immediate"
    }  # fmt: skip
    await harness.commander.charge(VIN, False, datetime.time(6, 30))
    assert harness.envelope()["req_parameters"] == {
        "program": {"hour": 6, "minute": 30}, "type": "delayed"
    }  # fmt: skip
    await harness.commander.charge_limit(VIN, True)
    assert harness.connection.published[-1] == (
        "/VehCharge/limit", harness.envelope()
    )  # fmt: skip
    assert harness.envelope()["req_parameters"] == {"action": "daily"}
    await harness.commander.charge_limit(VIN, False)
    assert harness.envelope()["req_parameters"] == {"action": "trip"}
    await harness.commander.horn(VIN)
    assert harness.connection.published[-1][0] == "/Horn"
    assert harness.envelope()["req_parameters"] == {"nb_horn": "2", "action": "activate"}
    await harness.commander.lights(VIN)
    assert harness.connection.published[-1][0] == "/Lights"
    assert harness.envelope()["req_parameters"] == {"duration": "10", "action": "activate"}
    await harness.commander.wake_up(VIN)
    assert harness.connection.published[-1][0] == "/VehCharge/state"


async def test_precondition_keeps_given_slots(harness: Harness) -> None:
    """All four slots: the given ones as they are, absent ones as the placeholder."""
    harness.connection.script = answers(final("0"))
    workdays = (True, True, True, True, True, False, False)
    programs = [
        PreconditioningProgram(slot=1, enabled=True, hour=7, minute=10, days=workdays),
        PreconditioningProgram(slot=3, enabled=False, hour=18, minute=0, days=(False,) * 7),
    ]
    await harness.commander.precondition(VIN, True, programs)
    service, env = harness.connection.published[-1]
    assert service == "/ThermalPrecond"
    placeholder = {"day": [0, 0, 0, 0, 0, 0, 0], "hour": 34, "minute": 7, "on": 0}
    assert env["req_parameters"] == {
        "asap": "activate",
        "programs": {
            "program1": {"day": [1, 1, 1, 1, 1, 0, 0], "hour": 7, "minute": 10, "on": 1},
            "program2": placeholder,
            "program3": {"day": [0, 0, 0, 0, 0, 0, 0], "hour": 18, "minute": 0, "on": 0},
            "program4": placeholder,
        },
    }
    await harness.commander.precondition(VIN, False, [])
    assert harness.envelope()["req_parameters"]["asap"] == "deactivate"
    assert UNSET_PROGRAM["day"] == [0] * 7  # the constant was not changed by a send


@pytest.mark.parametrize(
    "programs",
    [
        [PreconditioningProgram(slot=5, enabled=True, hour=7, minute=0)],
        [PreconditioningProgram(slot=1, enabled=True, hour=7, minute=0)] * 2,
        [PreconditioningProgram(slot=1, enabled=True, hour=7, minute=0, days=(True,))],
    ],
)
async def test_precondition_refuses_bad_programs(
    harness: Harness, programs: list[PreconditioningProgram]
) -> None:
    """A slot outside 1-4, a repeated slot or not 7 days: ValueError, nothing sent."""
    with pytest.raises(ValueError, match=r"slot|days"):
        await harness.commander.precondition(VIN, True, programs)
    assert harness.connection.published == []


async def test_events_and_foreign_replies_are_ignored(harness: Harness) -> None:
    """Events, non-objects and replies for nobody change nothing."""
    harness.connection.script = None
    task = asyncio.create_task(harness.commander.lock(VIN, True))
    await asyncio.sleep(0)
    env = harness.envelope()
    commander = harness.commander
    commander.handle_message(f"psa/RemoteServices/events/MPHRTServices/{VIN}", final("0")(env))
    commander.handle_message(TOPIC + "/Doors", ["not", "an", "object"])
    commander.handle_message(TOPIC + "/Doors", {**final("0")(env), "correlation_id": "other"})
    assert commander.busy(VIN)
    assert harness.progress == []
    commander.handle_message(TOPIC + "/Doors", final("0")(env))
    assert (await task).code == "0"


def test_failure_detail_per_service() -> None:
    """The resp_data enums of §8.2, per service."""
    assert failure_detail("/Horn", {"resp_data": {"error": 1}}) == "wait_before_resend"
    assert failure_detail("/Lights", {"resp_data": {"error": 2}}) == "wait_before_resend"
    assert failure_detail("/ThermalPrecond", {"resp_data": {"error": 4}}) == "stop_not_ongoing"
    assert failure_detail("/VehCharge/limit", {"resp_data": {"error": 0}}) == "standby"
    assert failure_detail("/VehCharge", {"resp_data": {"error": 4}}) is None
    assert failure_detail("/Doors", {"resp_data": {"lock_resp_state": 5}}) == "cid_inside"
    assert failure_detail("/Doors", {"resp_data": "odd"}) is None


async def test_wake_up_not_sent_costs_nothing(harness: Harness) -> None:
    """A wake-up that could not be published is not counted against the budget."""
    harness.connection.connected = False
    with pytest.raises(PSACommandError):
        await harness.commander.wake_up(VIN)
    assert harness.commander.wake_ups_left(VIN) == 6


async def test_cancelled_caller_frees_the_car(harness: Harness) -> None:
    """A caller that gives up (cancelled) leaves the car free for the next command."""
    task = asyncio.create_task(harness.commander.lock(VIN, True))
    await asyncio.sleep(0)
    assert harness.commander.busy(VIN)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not harness.commander.busy(VIN)


async def test_progress_callback_error_does_not_break_the_command(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An exception in on_progress is logged; the command still ends with its result."""

    def broken(_progress: CommandProgress) -> None:
        raise RuntimeError("boom")

    connection = FakeConnection()
    commander = RemoteCommander(connection, FakeTokens(), CID, on_progress=broken)
    connection.commander = commander
    connection.script = answers(progress("900"), final("0"))
    assert (await commander.lock(VIN, True)).progress == ("900",)
    assert "progress callback" in caplog.text


async def test_token_never_in_errors_or_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The envelope's token shows in no exception message and no log line."""
    caplog.set_level("DEBUG")
    harness.connection.script = answers(final("400"))
    with pytest.raises(PSACommandError) as caught:
        await harness.commander.lock(VIN, True)
    assert "token-" not in str(caught.value)
    assert "token-" not in caplog.text


async def test_without_progress_callback(harness: Harness) -> None:
    """No on_progress: the command still collects its progress codes and ends."""
    connection = FakeConnection()
    commander = RemoteCommander(connection, FakeTokens(), CID)
    connection.commander = commander
    connection.script = answers(progress("900"), final("0"))
    result = await commander.lock(VIN, True)
    assert (result.code, result.progress) == ("0", ("900",))


async def test_a_second_final_reply_is_ignored(harness: Harness) -> None:
    """A duplicate final before the caller resumes: the first one decides, no error."""
    task = asyncio.create_task(harness.commander.lock(VIN, True))
    await asyncio.sleep(0)
    env = harness.envelope()
    # Delivered here, not through the loop, so that an error would reach the test.
    harness.commander.handle_message(TOPIC + "/Doors", final("0")(env))
    harness.commander.handle_message(TOPIC + "/Doors", final("4")(env))
    result = await task
    assert result.code == "0"
    assert not harness.commander.busy(VIN)
