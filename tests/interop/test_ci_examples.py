"""The CI examples in docs/ci are real configurations: each YAML file parses and passes the schema of
its CI system (check-jsonschema's vendored copies, no network), and each uses ewscheck's flags as they
exist (checked against `ewscheck run --help`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import REPO_ROOT, describe, run

CI = REPO_ROOT / "docs" / "ci"
VENDORED = {
    "github-actions.yml": "vendor.github-workflows",
    "gitlab-ci.yml": "vendor.gitlab-ci",
    "azure-pipelines.yml": "vendor.azure-pipelines",
}


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_ci_yaml_is_valid_for_its_system(name, python_tool):
    path = CI / name
    YAML(typ="safe").load(path.read_text())
    # The vendored Azure schema has patterns only Python's regex dialect reads.
    variant = ["--regex-variant", "python"] if name == "azure-pipelines.yml" else []
    result = run([python_tool("check-jsonschema"), *variant, "--builtin-schema", VENDORED[name], path], timeout=120)
    assert result.returncode == 0, describe(result)


def test_the_schema_check_can_fail(python_tool, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    step: []\n")
    result = run([python_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", broken], timeout=120)
    assert result.returncode != 0


def test_jenkinsfile_records_junit_and_keeps_the_exit_code_meaning():
    text = (CI / "Jenkinsfile").read_text()
    assert "junit testResults: 'junit.xml'" in text
    assert "test $? -eq 1" in text, "only 'does not conform' is tolerated; 'could not test' (2) fails the build"
    assert text.count("{") == text.count("}")


@pytest.mark.parametrize("name", sorted(VENDORED) + ["Jenkinsfile", "kubernetes-indexed-job.yaml"])
def test_examples_use_only_flags_ewscheck_has(name, run_ewscheck):
    text = (CI / name).read_text()
    help_text = ""
    for command in (["run"], ["report", "merge"]):
        result = run_ewscheck(*command, "--help")
        assert result.returncode == 0, describe(result)
        help_text += result.stdout
    for flag in set(re.findall(r"ewscheck [^\n]*", text)):
        for option in re.findall(r"(--[a-z][a-z-]+)", flag):
            assert option in help_text, f"{name} uses {option}, which ewscheck does not have"


def test_kubernetes_example_shards_by_completion_index_and_merges():
    jobs = list(YAML(typ="safe").load_all((CI / "kubernetes-indexed-job.yaml").read_text()))
    shards, merge = jobs
    assert shards["kind"] == merge["kind"] == "Job"
    assert shards["spec"]["completionMode"] == "Indexed"
    n = shards["spec"]["completions"]
    script = shards["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert "JOB_COMPLETION_INDEX + 1" in script and f'--shard "$shard/{n}"' in script
    merged = merge["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert "ewscheck report merge " + " ".join(f"shard-{i}" for i in range(1, n + 1)) in merged
