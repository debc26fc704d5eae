"""plugins/hooks.schema.json against the host that runs the hooks.

Like test_manifest_schema.py for the manifest: every hook output here is judged twice, by the JSON
Schema (python-jsonschema, the library check-jsonschema runs on) and by `ewscheck plugins verify`
on a C plugin (fixtures/echo_hooks.c) whose hook answers exactly that output. The two must agree:
a valid output (or a valid error-channel answer) passes both, an invalid one fails both. The inputs
the host really sends are captured by the plugin and must match the schema's input definitions.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conftest import REPO_ROOT, describe, run

SCHEMA_PATH = REPO_ROOT / "plugins" / "hooks.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
ECHO_SOURCE = Path(__file__).parent / "fixtures" / "echo_hooks.c"
HOOKS = ["adjust_request", "discover_endpoint", "acquire_token", "classify_response"]


def validator(definition: str) -> Draft202012Validator:
    return Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{definition}"})


def schema_accepts(hook: str, output: dict) -> bool:
    """The schema's word on an answer: the hook's output, or the error channel."""
    if isinstance(output, dict) and "error" in output:
        return validator("error").is_valid(output)
    return validator(f"{hook}.output").is_valid(output)


@pytest.fixture(scope="module")
def echo_plugin(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("echo-plugin")
    library = folder / "libewscheck-echo-hooks.so"
    built = subprocess.run(
        ["cc", "-shared", "-fPIC", "-O0", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror",
         "-I", str(REPO_ROOT / "plugins" / "abi" / "include"), "-I", str(REPO_ROOT / "Tests" / "ProviderHostTests" / "Fixtures"),
         "-o", str(library), str(ECHO_SOURCE)],
        capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    return library


def verify(ewscheck, plugin: Path, answers: dict[str, str], inputs: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EWSCHECK_ECHO_")}
    for hook, text in answers.items():
        env[f"EWSCHECK_ECHO_{hook.upper()}"] = text
    if inputs is not None:
        env["EWSCHECK_ECHO_INPUTS"] = str(inputs)
    return run([ewscheck, "plugins", "verify", plugin], timeout=90, env=env)


def hook_line(result: subprocess.CompletedProcess, hook: str) -> str:
    lines = [line for line in result.stdout.splitlines() if f"hook {hook} answers" in line]
    assert len(lines) == 1, describe(result)
    return lines[0]


VALID = [
    ("adjust_request", {"set_headers": {"X-Tenant": "contoso.com"}, "remove_headers": ["X-Debug"]}),
    ("adjust_request", {"url": "https://ews.contoso.com/EWS/Exchange.asmx"}),
    ("adjust_request", {}),
    ("adjust_request", {"url": None, "set_headers": {}, "unknown_key": 1}),
    ("discover_endpoint", {"ews_url": "https://ews.contoso.com/EWS/Exchange.asmx", "notes": ["from the directory"]}),
    ("acquire_token", {"access_token": "eyJ0eXAi.abc.def", "expires_in": 3599}),
    ("classify_response", {"outcome": "errored", "message": "the front end answers 403 first"}),
    ("classify_response", {"outcome": "expected_failure", "message": "known"}),
    ("discover_endpoint", {"error": {"message": "no tenant for this domain"}}),
    ("acquire_token", {"error": {"message": "login refused", "code": "login-refused"}}),
]

INVALID = [
    ("adjust_request", {"url": "http://ews.contoso.com/EWS/Exchange.asmx"}),
    ("adjust_request", {"set_headers": {"Authorization": "Basic x"}}),
    ("adjust_request", {"set_headers": {"content-length": "1"}}),
    ("adjust_request", {"set_headers": {"Bad Name": "x"}}),
    ("adjust_request", {"set_headers": {"X-Tenant": "a\r\nInjected: 1"}}),
    ("adjust_request", {"remove_headers": ["Host"]}),
    ("adjust_request", {"set_headers": ["X-Tenant"]}),
    ("discover_endpoint", {"ews_url": "http://ews.contoso.com/EWS/Exchange.asmx"}),
    ("discover_endpoint", {"notes": []}),
    ("acquire_token", {"access_token": "has space", "expires_in": 10}),
    ("acquire_token", {"access_token": "abc", "expires_in": 0}),
    ("acquire_token", {"access_token": "abc"}),
    ("classify_response", {"outcome": "unexpected_pass", "message": "mine"}),
    ("classify_response", {"outcome": "failed", "message": " "}),
    ("classify_response", {"error": "just a string"}),
    ("adjust_request", {"error": {"message": ""}}),
    ("discover_endpoint", {"error": {"message": "x", "code": "not a token"}}),
]


def test_schema_is_a_valid_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for hook in HOOKS:
        assert f"{hook}.input" in SCHEMA["$defs"] and f"{hook}.output" in SCHEMA["$defs"]


@pytest.mark.parametrize("hook,output", VALID, ids=[f"{h}-{i}" for i, (h, _) in enumerate(VALID)])
def test_valid_answer_passes_schema_and_host(ewscheck, echo_plugin, hook, output):
    assert schema_accepts(hook, output), f"the schema rejects a valid {hook} answer: {output}"
    result = verify(ewscheck, echo_plugin, {hook: json.dumps(output)})
    assert "PASS" in hook_line(result, hook), describe(result)


@pytest.mark.parametrize("hook,output", INVALID, ids=[f"{h}-{i}" for i, (h, _) in enumerate(INVALID)])
def test_invalid_answer_fails_schema_and_host(ewscheck, echo_plugin, hook, output):
    assert not schema_accepts(hook, output), f"the schema accepts an invalid {hook} answer: {output}"
    result = verify(ewscheck, echo_plugin, {hook: json.dumps(output)})
    line = hook_line(result, hook)
    assert "FAIL" in line, f"ewscheck disagrees with the schema on {output}:\n{describe(result)}"
    assert result.returncode == 1, describe(result)
    if hook == "acquire_token":
        assert "abc" not in line and "has space" not in line, "an acquire_token answer was quoted"


def test_inputs_the_host_sends_match_the_schema(ewscheck, echo_plugin, tmp_path):
    result = verify(ewscheck, echo_plugin, {}, inputs=tmp_path)
    assert result.returncode == 0, describe(result)
    for hook in HOOKS:
        captured = json.loads((tmp_path / f"{hook}.json").read_text())
        errors = [e.message for e in validator(f"{hook}.input").iter_errors(captured)]
        assert not errors, f"the host's {hook} input breaks the schema: {errors}\n{captured}"
        # Every key the host sends is described (a new key would need a schema and docs change).
        assert set(captured) == set(SCHEMA["$defs"][f"{hook}.input"]["properties"]), captured


def test_documented_examples_match_the_schema():
    """The JSON examples under each hook heading of the plugin guide: input first, then output."""
    guide = (REPO_ROOT / "docs" / "writing-a-provider-plugin.md").read_text()
    for hook in HOOKS:
        section = guide.split(f"### `{hook}`", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
        blocks = [b.split("```", 1)[0] for b in section.split("```json\n")[1:]]
        assert len(blocks) >= 2, f"the guide's {hook} section lost its examples"
        example_input, example_output = json.loads(blocks[0]), json.loads(blocks[1])
        assert validator(f"{hook}.input").is_valid(example_input), example_input
        assert schema_accepts(hook, example_output), example_output
