"""One schema for every file the data team writes (issue #29): unknown sections and keys are refused
with the file, the line and the nearest name; the reference is generated from the same schema; the
examples in ADOPTING.md load exactly as written."""

from __future__ import annotations

import re
import tomllib

import pytest
from conftest import ROOT

from portal.config import ConfigError, load_settings
from portal.config_reference import render
from portal.config_schema import MetricsFile, PortalFile
from portal.config_validate import validate
from portal.model_load import load_model


def write(tmp_path, text: str):
    path = tmp_path / "portal.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[limts]\ntimeout_seconds = 5\n", "portal.toml, line 1: unknown section limts (did you mean limits?)"),
        (
            "[limits]\nthreads = 2\ntimeout_second = 5\n",
            "line 3: [limits] unknown key timeout_second (did you mean timeout_seconds?)",
        ),
        (
            '[model.events]\ntable = "e"\npersn = "p"\ntime = "t"\nname = "n"\n',
            "line 3: [model.events] unknown key persn (did you mean person?)",
        ),
        ('[model.evnts]\ntable = "e"\n', "line 1: [model] unknown section evnts (did you mean events?)"),
        ('[limits]\nthreads = "two"\n', "line 2: [limits] threads: Input should be a valid integer"),
        ('[warehouse]\nengine = "spork"\n', "line 2: [warehouse] engine: Input should be 'duckdb' or 'spark'"),
        (
            '[model.revenue]\ntable = "c"\njoins = [{ table = "k", onn = "a = b" }]\n',
            "[model.revenue.joins[1]] unknown key onn (did you mean on?)",
        ),
        (
            '[model.revenue]\ntable = "c"\nperson = "p"\ntime = "t"\namount = "(SELECT 1)"\n',
            "only expressions over the row",
        ),
    ],
)
def test_a_mistake_names_the_file_the_line_and_the_nearest_name(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, text))
    assert message in str(err.value)


def test_the_shipped_and_example_configurations_validate():
    for path in (
        ROOT / "portal.toml",
        ROOT / "tests" / "foreign" / "portal.toml",
        ROOT / "tests" / "segment" / "portal.toml",
    ):
        load_settings(path)
    for path in (ROOT / "metrics.toml", ROOT / "tests" / "segment" / "metrics.toml"):
        text = path.read_text()
        validate(MetricsFile, tomllib.loads(text), path, text, ValueError)


def test_the_reference_is_generated_from_the_schema():
    """docs/REFERENCE.md is `python -m portal config reference`: regenerate it when the schema changes."""
    assert (ROOT / "docs" / "REFERENCE.md").read_text(encoding="utf-8") == render()
    text = render()
    for key in (
        "[model.identity]",
        "anonymous_id",
        "not_personal",
        "[metrics.<name>]",
        "dimensions",
        "[[annotations]]",
    ):
        assert key in text, key


def test_the_adopting_examples_load_exactly_as_written():
    """Every TOML block of ADOPTING.md is valid against the schema, its [model] blocks load as a model,
    and the Segment example is the test warehouse's own configuration, byte for byte."""
    doc = (ROOT / "docs" / "ADOPTING.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", doc, re.S)
    assert len(blocks) >= 8
    for block in blocks:
        data = tomllib.loads(block)
        if "metrics" in data:
            validate(MetricsFile, data, "ADOPTING.md", block, ValueError)
            continue
        validate(PortalFile, data, "ADOPTING.md", block, ValueError)
        if "model" in data:
            load_model(data["model"], "ADOPTING.md")
    segment = (ROOT / "tests" / "segment" / "portal.toml").read_text()
    mapping = segment[segment.index("[model.identity]") :].strip()
    assert mapping in doc


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[alerts.a]\nmetric = "m"\nto = ["a@b.c, d@e.f"]\n',
            "'a@b.c, d@e.f' is not allowed here (E-mail addresses, one per entry.)",
        ),
        ('[alerts."a\\r\\nBcc: x@y.z"]\nmetric = "m"\nto = ["a@b.c"]\n', "a\\r\\nBcc: x@y.z"),
        ('[alerts."weekly revenue"]\nmetric = "m"\nto = ["a@b.c"]\n', "'weekly revenue' is not allowed here"),
    ],
)
def test_an_alert_mails_one_address_per_entry_and_has_a_plain_name(text, message):
    """Security review #3 (low): a comma in `to` mailed two people; CR/LF in an alert's name crashed the
    run (a header line in the subject). Both are refused when the file is read, in words on one line."""
    from portal.config_schema import AlertsFile

    with pytest.raises(ValueError) as err:
        validate(AlertsFile, tomllib.loads(text), "alerts.toml", text, ValueError)
    assert message in str(err.value) and "\n" not in str(err.value) and "\r" not in str(err.value)
