"""Reading scenario files: YAML pitfalls, hostile input, and how errors are reported."""

import os
import pickle
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sim.scenario import (
    MAX_ALIASES,
    MAX_FILE_BYTES,
    MAX_NODES,
    MISSING,
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
)

DESIGN_EXAMPLE = """\
name: acme                      # required
seed: 7                         # optional; default 0
start: 2026-01-05T00:00         # required
duration: 90d                   # or end: 2026-04-05
timezone: Europe/Stockholm      # user behaviour follows local time; capacity resets 00:00 UTC

rules:                          # overrides of licensing-rules.md defaults, all optional
  grace: 72h
  delayed_sync_window: 60d
  desktop_unlock: 30d
  capacity_unit: 6min
  max_parallel_sessions: 5

backend:                        # the Qlik License Service backend
  outages:
    - {start: 2026-02-10T08:00, duration: 6h}
  random_outages: {mtbf: 120d, mttr: 4h}      # optional

licenses:
  - id: corp
    activation: slk             # lef | slk | sld | delayed_sync
    term: subscription          # subscription | perpetual
    valid_until: 2027-01-01     # optional
    professional: 20
    analyzer: 150
    capacity_minutes: 5000      # per calendar month
    overage: none               # none | unlimited | a ceiling in minutes
    allocation: {professional: manual, analyzer: dynamic}

servers:
  - id: prod
    product: qlik_sense         # qlik_sense | qlikview | nprinting
    role: production            # production | test
    license: corp
    link_outages:               # this server's network path to the backend
      - {start: 2026-03-02T00:00, duration: 4d, cause: firewall}
  - id: test
    product: qlik_sense
    role: test
    license: corp

desktops:
  - id: laptops
    product: qlik_sense_desktop # qlik_sense_desktop | qlikview_desktop
    users: analysts             # a user group
    server: prod                # where it authenticates / leases
    away:                       # periods without a route to the server
      - {start: 2026-02-01T00:00, duration: 40d}

users:
  - group: analysts
    count: 150
    directory: CORP             # user directory (domain); reports can split by it
    access: analyzer
    servers: [prod]
    behaviour:
      days: [mon, tue, wed, thu, fri]
      day_start: {mean: "09:00", sd: 30min}
      sessions_per_day: 2       # Poisson mean
      clicks_per_session: 40    # Poisson mean
      click_gap: 45s            # exponential mean between clicks
      session_break: 1h         # exponential mean between sessions

experiment:                     # optional
  replications: 1
  sweep:                        # dotted paths into this file → values
    servers.prod.link_outages.0.duration: [1h, 24h, 72h, 96h]
"""

MINIMAL = """\
name: acme
start: 2026-01-05
duration: 30d
licenses:
  - id: corp
    professional: 1
servers:
  - id: prod
    license: corp
"""


def error_of(text: str | bytes, source: str = "t.yaml") -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source=source)
    return info.value


def write(tmp_path: Path, text: str | bytes, name: str = "acme.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


# --- files that work ------------------------------------------------------------------


def test_design_example_loads(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, DESIGN_EXAMPLE))
    assert isinstance(s, Scenario)
    assert s.name == "acme" and s.seed == 7
    assert s.start == datetime(2026, 1, 4, 23, tzinfo=UTC)
    assert s.horizon == 90 * 86400
    assert s.servers[0].link_outages[0].duration == 4 * 86400
    assert s.servers[0].link_outages[0].start == datetime(2026, 3, 1, 23, tzinfo=UTC)
    assert s.licenses[0].valid_until == datetime(2026, 12, 31, 23, tzinfo=UTC)
    assert s.licenses[0].allocation.analyzer == "dynamic"
    assert s.backend.random_outages is not None
    assert s.backend.random_outages.mttr == 4 * 3600
    assert s.experiment is not None
    assert s.experiment.sweep == {
        "servers.prod.link_outages.0.duration": ["1h", "24h", "72h", "96h"]
    }
    assert s.users[0].behaviour.day_start.mean_seconds == 9 * 3600


def test_path_as_str_or_pathlike(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert load_scenario(str(path)) == load_scenario(path)


def test_str_bytes_and_dict_agree() -> None:
    import yaml

    as_str = parse_scenario(MINIMAL)
    assert parse_scenario(MINIMAL.encode()) == as_str
    assert parse_scenario(yaml.safe_load(MINIMAL)) == as_str


def test_utf8_bom_and_non_ascii(tmp_path: Path) -> None:
    text = MINIMAL.replace("name: acme", "name: Åkesson & Söner — prod")
    s = load_scenario(write(tmp_path, b"\xef\xbb\xbf" + text.encode()))
    assert s.name == "Åkesson & Söner — prod"


def test_merge_keys_may_be_overridden() -> None:
    text = (
        MINIMAL
        + """\
  - <<: &base {license: corp, product: qlik_sense}
    id: test
    role: test
  - <<: *base
    id: qv
    product: qlikview
"""
    )
    s = parse_scenario(text)
    assert [(x.id, x.product, x.role) for x in s.servers] == [
        ("prod", "qlik_sense", "production"),
        ("test", "qlik_sense", "test"),
        ("qv", "qlikview", "production"),
    ]


def test_a_few_aliases_are_fine() -> None:
    text = MINIMAL.replace("duration: 30d", "duration: &d 30d") + (
        "backend:\n  outages:\n"
        + "".join(f"    - {{start: 2026-01-{day:02d}, duration: *d}}\n" for day in range(6, 16))
    )
    assert len(parse_scenario(text).backend.outages) == 10


# --- file-level errors ----------------------------------------------------------------


def test_file_not_found(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}: file not found"
    assert info.value.source == str(path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    path.chmod(0)
    with pytest.raises(ScenarioError, match="permission denied"):
        load_scenario(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("acme", "caf\xe9").encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not UTF-8 text")
    assert "0xe9 on line 1" in message


def test_utf16_is_not_utf8() -> None:
    assert "not UTF-8" in str(error_of(MINIMAL.encode("utf-16")))


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n", "---\n"])
def test_empty_file(text: str, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    assert str(info.value).endswith(
        "the file is empty: expected a mapping with at least name, start, duration or end, "
        "licenses, servers"
    )


def test_empty_mapping() -> None:
    assert "the file is empty" in str(error_of("{}\n"))


@pytest.mark.parametrize(
    ("text", "found"), [("- a\n- b\n", "a list"), ("just words\n", "str"), ("42\n", "int")]
)
def test_top_level_not_a_mapping(text: str, found: str) -> None:
    message = str(error_of(text))
    assert "the top level must be a mapping" in message
    assert f"found {found}" in message


def test_yaml_syntax_error_has_line_and_column() -> None:
    err = error_of("name: acme\nstart: [2026\nservers: x\n", source="acme.yaml")
    assert len(err.problems) == 1
    message = str(err)
    assert message.startswith("acme.yaml: line ")
    assert ", column " in message
    assert "not valid YAML" in message


def test_yaml_mapping_error_position() -> None:
    err = error_of("name: acme\n  start: 2026-01-05\nduration: 3d\n")
    assert err.problems[0].path == "line 2, column 8"


def test_tab_indentation() -> None:
    # libyaml says "a tab character", PyYAML's own scanner "'\\t'".
    message = str(error_of("name: x\n\tstart: 2026-01-05\n"))
    assert "line 2" in message and ("tab" in message or "'\\t'" in message)


def test_multiple_documents() -> None:
    assert "single document" in str(error_of(MINIMAL + "---\n" + MINIMAL))


def test_control_characters() -> None:
    message = str(error_of("name: a\x00b\n"))
    assert "line 1, column 8" in message and "#x0000" in message


def test_bad_character_position_counts_characters_not_bytes() -> None:
    message = str(error_of("ééé: 1\nname: a\x01b\n"))
    assert "line 2, column 8" in message and "#x0001" in message


def test_lone_surrogate_in_text() -> None:
    message = str(error_of("name: \ud800\n"))
    assert "line 1, column 7" in message and "#xd800" in message


def test_too_many_values() -> None:
    message = str(error_of("a: [" + "1," * (MAX_NODES + 1) + "]\n"))
    assert f"more than {MAX_NODES:,} values" in message


def test_python_tags_are_refused() -> None:
    message = str(error_of("name: !!python/object/apply:os.system ['true']\n"))
    assert "not valid YAML" in message


def test_invalid_yaml_date() -> None:
    message = str(error_of(MINIMAL.replace("start: 2026-01-05", "start: 2026-02-30")))
    assert "invalid date or time '2026-02-30'" in message
    assert "line 2" in message


def test_huge_integer() -> None:
    message = str(error_of(MINIMAL + "seed: " + "9" * 5000 + "\n"))
    assert message.startswith("t.yaml: line 10, column 7: not valid YAML: cannot read '999")
    assert "too many digits" in message


@pytest.mark.parametrize(
    ("text", "fragment"), [("name: !!float abc\n", "as !!float"), ("name: !!int 1.5\n", "as !!int")]
)
def test_explicit_tags_that_do_not_fit(text: str, fragment: str) -> None:
    message = str(error_of(text))
    assert "line 1, column 7" in message and fragment in message


def test_too_big(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as f:
        f.write(b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    with pytest.raises(ScenarioError, match="too big"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="too big"):
        parse_scenario("#" * (MAX_FILE_BYTES + 1))


@pytest.mark.parametrize("key", ["name", "duration"])
def test_duplicate_top_level_key(key: str) -> None:
    text = MINIMAL + f"{key}: again\n"
    err = error_of(text, source="acme.yaml")
    message = str(err)
    assert f"duplicate key '{key}'" in message
    assert "YAML would silently keep only the last" in message
    assert message.startswith(f"acme.yaml: {key}: duplicate key")
    assert message.endswith("(line 10)")


def test_duplicate_nested_key() -> None:
    text = MINIMAL.replace("    license: corp\n", "    license: corp\n    license: other\n")
    message = str(error_of(text))
    assert message.startswith("t.yaml: servers[0].license: duplicate key 'license'")
    assert "(first written on line 9)" in message


def test_duplicate_key_in_flow_mapping() -> None:
    text = MINIMAL + "backend:\n  outages:\n    - {start: 2026-01-06, duration: 1h, duration: 2h}\n"
    assert "backend.outages[0].duration: duplicate key 'duration'" in str(error_of(text))


def test_billion_laughs() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    err = error_of("\n".join(lines) + "\n")
    assert len(err.problems) == 1
    assert "alias bomb" in str(err)
    assert repr(err)  # must not try to print billions of values


def test_doubling_alias_chain() -> None:
    # Two aliases per level: only 80 aliases, but 2**40 values once expanded.
    lines = ["a0: &a0 [x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 41)]
    assert "alias bomb" in str(error_of("\n".join(lines) + "\n"))


def test_too_many_aliases() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n"
    err = error_of(text)
    assert f"more than {MAX_ALIASES} aliases" in str(err)
    assert err.problems[0].path.startswith("line 2, column ")


def test_deep_nesting() -> None:
    # libyaml's scanner may run into its own limit (1,000 levels) before ours (50).
    message = str(error_of("name: " + "[" * 5000 + "]" * 5000 + "\n"))
    assert "nested more than" in message or "maximum nesting depth" in message


@pytest.mark.parametrize("value", ["&n [*n]", "&n {a: [1, *n]}"])
def test_recursive_alias(value: str) -> None:
    message = str(error_of(MINIMAL.replace("name: acme", f"name: {value}")))
    assert "refers to the anchor that contains it (the anchor on line 1)" in message


# --- validation errors as the user sees them ------------------------------------------


def test_error_lines_name_file_path_value_and_choices() -> None:
    text = MINIMAL.replace("    license: corp\n", "    license: corpx\n")
    err = error_of(text, source="acme.yaml")
    assert err.source == "acme.yaml"
    assert err.problems == [
        Problem(
            "servers[0].license",
            "corpx",
            "did you mean 'corp'? expected one of the license ids: corp",
            9,
        )
    ]
    assert str(err) == (
        "acme.yaml: servers[0].license: 'corpx' — did you mean 'corp'? "
        "expected one of the license ids: corp (line 9)"
    )


def test_all_problems_one_line_each() -> None:
    text = MINIMAL.replace("duration: 30d", "duration: 30m").replace(
        "professional: 1", "professional: many"
    )
    text += "colour: blue\n"
    err = error_of(text)
    lines = str(err).splitlines()
    assert len(lines) == len(err.problems) == 3
    assert all(line.startswith("t.yaml: ") for line in lines)
    by_path = {p.path: p for p in err.problems}
    assert "'m' is ambiguous" in by_path["duration"].expected
    assert by_path["licenses[0].professional"].expected == "expected a whole number"
    assert by_path["colour"].expected.startswith("unknown key (expected one of: name, seed")
    assert by_path["colour"].line == 10


def test_missing_key_is_reported_without_a_value() -> None:
    err = error_of(MINIMAL.replace("    license: corp\n", ""))
    p = err.problems[0]
    assert (p.path, p.value, p.expected) == (
        "servers[0].license",
        MISSING,
        "required key is missing",
    )
    assert "servers[0].license: required key is missing" in str(err)


def test_dangling_references_from_yaml() -> None:
    text = (
        MINIMAL
        + """\
users:
  - group: g
    count: 2
    access: analyzer
    servers: [prod, dev]
desktops:
  - {id: d, product: qlik_sense_desktop, users: h, server: prod}
"""
    )
    err = error_of(text)
    assert [(p.path, p.line) for p in err.problems] == [
        ("users[0].servers[1]", 14),
        ("desktops[0].users", 16),
    ]


def test_unquoted_time_of_day() -> None:
    text = (
        MINIMAL
        + """\
users:
  - group: g
    count: 2
    access: analyzer
    servers: [prod]
    behaviour: {day_start: {mean: 9:30}}
"""
    )
    assert 'such as "09:30"' in str(error_of(text))


def test_yaml_booleans_are_not_names() -> None:
    err = error_of(MINIMAL.replace("id: prod", "id: yes"))
    assert err.problems[0].path == "servers[0].id"
    assert "put it in quotes" in err.problems[0].expected


def test_long_values_are_truncated() -> None:
    err = error_of(MINIMAL.replace("name: acme", "name: [" + ", ".join(["x" * 30] * 20) + "]"))
    line = str(err).splitlines()[0]
    value = line.split(": ", 2)[2].split(" — ")[0]
    assert len(value) <= 60 and value.endswith("...")


def test_problem_str_without_path_or_line() -> None:
    assert str(Problem("", MISSING, "file not found")) == "file not found"
    assert str(Problem("a.b", 1, "expected 2")) == "a.b: 1 — expected 2"
    assert str(Problem("a", 1, "x", 3)) == "a: 1 — x (line 3)"


def test_scenario_error_pickles() -> None:
    err = error_of(MINIMAL.replace("    license: corp\n", ""))
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err)
    assert again.problems[0].value is MISSING


def test_parse_scenario_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="use load_scenario for a file"):
        parse_scenario(Path("acme.yaml"))  # type: ignore[arg-type]


# --- nothing but ScenarioError, whatever the input ------------------------------------


def test_mangled_files_only_raise_scenario_errors() -> None:
    rng = random.Random(20260105)
    source = DESIGN_EXAMPLE
    pieces = [
        ": ",
        "- ",
        "[",
        "]",
        "{",
        "}",
        "*a",
        "&a ",
        "!!binary ",
        "\t",
        "\n  ",
        "\x00",
        "1e999",
        "-1",
        "null",
        "~",
        "'",
        '"',
        "<<: ",
        "? ",
        "9:30",
        "2026-13-45",
        "é",
    ]
    for _ in range(400):
        text = list(source)
        for _ in range(rng.randint(1, 5)):
            pos = rng.randrange(len(text))
            action = rng.random()
            if action < 0.4:
                text.insert(pos, rng.choice(pieces))
            elif action < 0.7:
                del text[pos : pos + rng.randint(1, 20)]
            else:
                text[pos] = rng.choice(pieces)
        try:
            parse_scenario("".join(text))
        except ScenarioError as err:
            assert str(err)
