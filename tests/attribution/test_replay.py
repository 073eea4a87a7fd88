"""The attribution_replay command over every scenario file (no database)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from attribution.replay import ReplayError, natural_key, replay, replay_file

SCENARIOS = Path(__file__).resolve().parents[2] / "attribution" / "scenarios"
VALID = sorted(p for p in SCENARIOS.glob("*.jsonl") if not p.name.endswith(".expected.jsonl"))
INVALID = sorted((SCENARIOS / "invalid").glob("*.jsonl"))

# invalid file -> (line named in the error, fragment of the message)
INVALID_EXPECTED = {
    "01_invalid_json.jsonl": (3, "invalid JSON"),
    "02_unknown_type.jsonl": (5, "unknown event type 'refund'"),
    "03_missing_field.jsonl": (5, "missing field 'at'"),
    "04_time_without_offset.jsonl": (5, "no UTC offset"),
    "05_unknown_link.jsonl": (5, "unknown link 'l9'"),
    "06_duplicate_order_id.jsonl": (6, "duplicate order id 'o1'"),
    "07_non_decimal_total.jsonl": (5, "not a decimal"),
    "08_wrong_field_type.jsonl": (5, "'id' must be a non-empty string"),
    "09_not_an_object.jsonl": (5, "must be a JSON object"),
    "10_blank_lines_counted.jsonl": (6, "missing field 'id'"),
    "11_reference_before_definition.jsonl": (1, "unknown store 's1'"),
    "12_bad_time.jsonl": (5, "not an ISO 8601 time"),
    "13_unknown_member.jsonl": (5, "unknown member 'm9'"),
    "14_unknown_cancelled_order.jsonl": (5, "unknown order 'o1'"),
    "15_duplicate_key.jsonl": (5, "duplicate key 'id'"),
    "16_unknown_channel.jsonl": (5, "unknown channel 'kiosk'"),
    "17_settings_after_order.jsonl": (6, "settings must come before the first order"),
    "18_second_settings_line.jsonl": (6, "a second settings line"),
    "19_window_zero.jsonl": (1, "'window_hours' must be a positive integer"),
    "20_window_not_integer.jsonl": (5, "'window_hours' must be a positive integer"),
    "21_unknown_staff_on_member.jsonl": (2, "unknown staff 'u1'"),
    "22_in_store_credit_not_boolean.jsonl": (5, "'in_store_credit' must be true or false"),
    "23_channel_not_a_string.jsonl": (5, "'channel' must be a string"),
}


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("attribution_replay", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_there_are_scenarios():
    assert len(VALID) >= 11
    assert {p.name for p in INVALID} == set(INVALID_EXPECTED)


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_scenario_prints_expected_results(path: Path):
    expected = path.with_name(f"{path.stem}.expected.jsonl").read_text()

    out, err = run(str(path))

    assert out == expected
    assert err == ""


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_file_exits_2_naming_the_line(path: Path):
    line, fragment = INVALID_EXPECTED[path.name]
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("attribution_replay", str(path), stdout=out, stderr=err)

    assert exit_info.value.code == 2
    assert err.getvalue().startswith(f"line {line}: ")
    assert fragment in err.getvalue()
    assert out.getvalue() == ""


def test_missing_file_exits_2(tmp_path: Path):
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("attribution_replay", str(tmp_path / "nope.jsonl"), stdout=out, stderr=err)

    assert exit_info.value.code == 2
    assert "cannot read" in err.getvalue()
    assert out.getvalue() == ""


def test_explain_adds_the_reason():
    out, _ = run(str(SCENARIOS / "05_staff_resigned.jsonl"), "--explain")

    assert [json.loads(line) for line in out.splitlines()] == [
        {"order": "o1", "store": None, "staff": None, "reason": "staff_resigned"},
        {"order": "o2", "store": "s1", "staff": "u2", "reason": "credited"},
        {"order": "o3", "store": None, "staff": None, "reason": "staff_resigned"},
    ]


def test_bad_line_after_good_ones_prints_nothing(tmp_path: Path):
    # Given a valid scenario followed by one bad line
    good = (SCENARIOS / "01_window_edge.jsonl").read_text()
    path = tmp_path / "bad.jsonl"
    path.write_text(good + "not json\n")
    out, err = io.StringIO(), io.StringIO()

    # when replaying, then no partial results escape
    with pytest.raises(SystemExit):
        call_command("attribution_replay", str(path), stdout=out, stderr=err)
    assert out.getvalue() == ""
    assert err.getvalue().startswith(f"line {len(good.splitlines()) + 1}: ")


def test_bad_utf8_names_its_line(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"type":"store","id":"s1"}\n{"type":"member","id":"\xff"}\n')

    with pytest.raises(ReplayError) as error:
        replay_file(path)

    assert error.value.line_number == 2


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('{"type":"order","id":"o1","member":"m1","at":"2025-03-01T10:00:00Z","total":true}',
         "decimal"),
        ('{"type":"order","id":"o1","member":"m1","at":"2025-03-01T10:00:00Z","total":"NaN"}',
         "not a decimal"),
        ('{"type":"order","id":"o1","member":"m1","at":"2025-03-01T10:00:00Z","total":"-1"}',
         "negative"),
        ('{"type":"order","id":"o1","member":"m1","at":"2025-03-01T10:00:00Z","total":NaN}',
         "invalid JSON"),
        ('{"type":"order","id":"o1","member":"m1","at":"2025-03-01","total":"1"}',
         "no UTC offset"),
        ('{"type":"order","id":"o1","member":"m1","at":1740823200,"total":"1"}',
         "ISO 8601 string"),
        ('{"id":"o1"}', "missing field 'type'"),
        ('{"type":["order"]}', "unknown event type"),
    ],
)
def test_strict_field_checks(line: str, fragment: str):
    lines = ['{"type":"member","id":"m1"}', line]

    with pytest.raises(ReplayError) as error:
        replay(lines)

    assert error.value.line_number == 2
    assert fragment in error.value.message


def test_number_total_and_z_suffix_are_accepted():
    results = replay([
        '{"type":"member","id":"m1"}',
        '{"type":"order","id":"o1","member":"m1","at":"2025-03-01T10:00:00Z","total":12.5}',
    ])

    assert results == [{"order": "o1", "store": None, "staff": None}]


def test_natural_key_orders_ids_like_people_do():
    ids = ["o10", "o2", "o1", "b", "a10", "a9", "o01"]

    assert sorted(ids, key=natural_key) == ["a9", "a10", "b", "o01", "o1", "o2", "o10"]


@pytest.mark.parametrize(
    ("scenario", "reasons"),
    [
        ("13_in_store_order_keeps_the_click", ["in_store", "credited", "in_store", "in_store", "credited"]),
        ("14_in_store_credit_on", ["credited", "click_used", "click_expired"]),
        ("15_window_48h", ["credited", "click_expired", "credited"]),
        ("16_self_referral", ["self_referral", "click_used", "credited", "credited"]),
        ("17_short_window_store_order_default", ["in_store", "credited", "click_expired"]),
    ],
)
def test_new_rules_explain_their_reasons(scenario: str, reasons: list[str]):
    out, _ = run(str(SCENARIOS / f"{scenario}.jsonl"), "--explain")

    assert [json.loads(line)["reason"] for line in out.splitlines()] == reasons


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('{"type":"settings","window_hours":-3}', "positive integer"),
        ('{"type":"settings","window_hours":"24"}', "positive integer"),
        ('{"type":"settings","window_hours":true}', "positive integer"),
        ('{"type":"settings","window_hours":null}', "positive integer"),
        ('{"type":"settings","window_hours":100000000000000000000}', "longer than"),
        ('{"type":"settings","in_store_credit":1}', "true or false"),
        ('{"type":"order","id":"o1","member":"m1","at":"2025-03-01T10:00:00Z","total":"1","channel":"pos"}',
         "unknown channel 'pos'"),
        ('{"type":"order","id":"o1","member":"m1","at":"2025-03-01T10:00:00Z","total":"1","channel":"Online"}',
         "unknown channel"),
        ('{"type":"member","id":"m2","staff":7}', "'staff' must be a string"),
    ],
)
def test_strict_checks_of_the_new_inputs(line: str, fragment: str):
    lines = ['{"type":"member","id":"m1"}', line]

    with pytest.raises(ReplayError) as error:
        replay(lines)

    assert error.value.line_number == 2
    assert fragment in error.value.message


def test_settings_with_no_keys_are_the_defaults():
    lines = [
        '{"type":"settings"}',
        '{"type":"store","id":"s1"}',
        '{"type":"staff","id":"u1","store":"s1"}',
        '{"type":"member","id":"m1"}',
        '{"type":"link","id":"l1","staff":"u1","store":"s1"}',
        '{"type":"click","link":"l1","member":"m1","at":"2025-03-01T10:00:00Z"}',
        '{"type":"order","id":"o1","member":"m1","at":"2025-03-01T11:00:00Z","total":"1","channel":"store"}',
        '{"type":"order","id":"o2","member":"m1","at":"2025-03-02T10:00:00Z","total":"1"}',
    ]

    assert replay(lines, explain=True) == [
        {"order": "o1", "store": None, "staff": None, "reason": "in_store"},
        {"order": "o2", "store": "s1", "staff": "u1", "reason": "credited"},
    ]
