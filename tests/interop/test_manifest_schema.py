"""plugins/manifest.schema.json against check-jsonschema, and its agreement with ewscheck's own parser.

Every manifest here is judged twice: by check-jsonschema (from .venv/bin) with the schema, and by
`ewscheck plugins verify <file>.json`, which runs ProviderManifest.parse. The two must agree: a valid
manifest passes both, each invalid one fails both. The manifests of the built plugins (the Swift
profiles beside the binary, and the C example when `make plugins-c` has built it) must pass the schema too.

One rule is deliberately ewscheck's alone: a manifest *file* may not list the discovery method
`plugin-hook` (it has no discover_endpoint hook to call), which the schema, describing manifests in
general, allows.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from conftest import REPO_ROOT, describe, run

SCHEMA = REPO_ROOT / "plugins" / "manifest.schema.json"
CHECK_JSONSCHEMA = REPO_ROOT / ".venv" / "bin" / "check-jsonschema"
C_EXAMPLE = REPO_ROOT / ".build" / "plugins" / "libewscheck-c-hoster.so"

MINIMAL = {
    "manifest_version": 1,
    "id": "schema-minimal",
    "name": "Minimal",
    "version": "1.0.0",
    "vendor": "tests",
    "discovery": {"methods": [{"method": "pox-autodiscover"}]},
    "auth": {"schemes": ["ntlm"]},
    "ews": {"request_server_version": "Exchange2016"},
}

FULL = {
    "manifest_version": 1,
    "id": "schema-full",
    "name": "Full hoster",
    "version": "3.1.4",
    "vendor": "tests",
    "docs_url": "https://example.com/docs",
    "description": "Every key.",
    "discovery": {
        "methods": [
            {"method": "fixed-url", "url_template": "https://ews.{domain}/EWS/Exchange.asmx"},
            {"method": "pox-autodiscover", "allow_cross_domain_redirect": False},
            {"method": "dns-srv", "url_template": None},
        ]
    },
    "auth": {
        "schemes": ["oauth2-client-credentials", "basic"],
        "refused_schemes": ["digest"],
        "oauth": {
            "token_endpoint_template": "https://login.example.com/{tenant}/oauth2/v2.0/token",
            "scope_template": "https://outlook.example.com/.default",
            "required_roles": ["full_access_as_app"],
        },
    },
    "ews": {
        "request_server_version": "V2017_07_11",
        "minimum_server_version": "15.1.2507",
        "connecting_sid": "smtp-address",
        "required_headers": ["X-AnchorMailbox"],
        "extra_headers": {"X-Tenant": "contoso"},
        "max_concurrency": 64,
    },
    "capabilities": ["pull-notifications"],
    "known_deviations": [{"check": "impersonation.out-of-scope.denied", "reason": "403 instead", "link": None}],
    "readiness_notices": [
        {"id": "n1", "date": "2024-02-29", "kind": "shutdown", "summary": "Gone.", "link": "https://example.com/n1"}
    ],
    "simulator_flavor": "exchange-online",
}


def _without(path: str):
    def edit(m):
        *parents, last = path.split(".")
        for p in parents:
            m = m[int(p)] if p.isdigit() else m[p]
        del m[int(last) if last.isdigit() else last]

    return edit


def _set(path: str, value):
    def edit(m):
        *parents, last = path.split(".")
        for p in parents:
            m = m[int(p)] if p.isdigit() else m[p]
        if last.isdigit():
            m[int(last)] = value
        else:
            m[last] = value

    return edit


# (name, base, edit): each must be rejected by both the schema and ewscheck.
INVALID = [
    ("missing-ews", MINIMAL, _without("ews")),
    ("manifest-version-2", MINIMAL, _set("manifest_version", 2)),
    ("id-uppercase", MINIMAL, _set("id", "Schema")),
    ("id-one-char", MINIMAL, _set("id", "a")),
    ("blank-name", MINIMAL, _set("name", "  ")),
    ("unknown-top-level-key", MINIMAL, _set("colour", "blue")),
    ("unknown-nested-key", MINIMAL, _set("ews.colour", "blue")),
    ("no-discovery-methods", MINIMAL, _set("discovery.methods", [])),
    ("unknown-discovery-method", MINIMAL, _set("discovery.methods", [{"method": "carrier-pigeon"}])),
    ("fixed-url-without-template", MINIMAL, _set("discovery.methods", [{"method": "fixed-url"}])),
    ("fixed-url-http", MINIMAL, _set("discovery.methods", [{"method": "fixed-url", "url_template": "http://x/EWS"}])),
    ("no-schemes", MINIMAL, _set("auth.schemes", [])),
    ("unknown-scheme", MINIMAL, _set("auth.schemes", ["kerberos"])),
    ("oauth-without-settings", MINIMAL, _set("auth.schemes", ["oauth2-client-credentials"])),
    ("oauth-http-endpoint", FULL, _set("auth.oauth.token_endpoint_template", "http://login.example.com/t")),
    ("oauth-empty-scope", FULL, _set("auth.oauth.scope_template", "")),
    ("bad-request-server-version", MINIMAL, _set("ews.request_server_version", "Exchange2099X")),
    ("bad-minimum-version", FULL, _set("ews.minimum_server_version", "fifteen")),
    ("bad-connecting-sid", FULL, _set("ews.connecting_sid", "upn")),
    ("bad-required-header", FULL, _set("ews.required_headers", ["X Anchor"])),
    ("extra-header-authorization", FULL, _set("ews.extra_headers", {"authorization": "Basic x"})),
    ("extra-header-cookie", FULL, _set("ews.extra_headers", {"Cookie": "a=b"})),
    ("extra-header-line-break", FULL, _set("ews.extra_headers", {"X-A": "1\r\nX-B: 2"})),
    ("max-concurrency-zero", FULL, _set("ews.max_concurrency", 0)),
    ("max-concurrency-65", FULL, _set("ews.max_concurrency", 65)),
    ("max-concurrency-string", FULL, _set("ews.max_concurrency", "8")),
    ("docs-url-http", FULL, _set("docs_url", "http://example.com")),
    ("deviation-check-not-dotted", FULL, _set("known_deviations", [{"check": "nodots", "reason": "r"}])),
    ("deviation-blank-reason", FULL, _set("known_deviations", [{"check": "a.b", "reason": " "}])),
    ("notice-bad-date", FULL, _set("readiness_notices.0.date", "2026-02-30")),
    ("notice-date-format", FULL, _set("readiness_notices.0.date", "1 May 2026")),
    ("notice-unknown-kind", FULL, _set("readiness_notices.0.kind", "vanished")),
    ("notice-missing-summary", FULL, _without("readiness_notices.0.summary")),
    ("not-an-object", MINIMAL, lambda m: m.clear()),
]


@pytest.fixture(scope="module")
def check_jsonschema() -> Path:
    if not CHECK_JSONSCHEMA.exists():
        pytest.fail(f"{CHECK_JSONSCHEMA} is missing; run scripts/setup.sh")
    return CHECK_JSONSCHEMA


def _write(tmp_path: Path, name: str, manifest) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(manifest))
    return path


def _schema_accepts(tool: Path, path: Path) -> tuple[bool, str]:
    result = run([tool, "--schemafile", SCHEMA, path], timeout=60)
    return result.returncode == 0, describe(result)


def test_schema_is_valid_draft_2020_12(check_jsonschema):
    result = run([check_jsonschema, "--check-metaschema", SCHEMA], timeout=60)
    assert result.returncode == 0, describe(result)
    assert json.loads(SCHEMA.read_text())["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name,manifest", [("minimal", MINIMAL), ("full", FULL)])
def test_valid_manifest_passes_schema_and_ewscheck(tmp_path, check_jsonschema, ewscheck, name, manifest):
    path = _write(tmp_path, name, manifest)
    ok, detail = _schema_accepts(check_jsonschema, path)
    assert ok, f"the schema rejects a valid manifest:\n{detail}"
    verify = run([ewscheck, "plugins", "verify", path], timeout=60)
    assert verify.returncode == 0, describe(verify)


@pytest.mark.parametrize("name,base,edit", INVALID, ids=[case[0] for case in INVALID])
def test_invalid_manifest_fails_schema_and_ewscheck(tmp_path, check_jsonschema, ewscheck, name, base, edit):
    manifest = copy.deepcopy(base)
    edit(manifest)
    path = _write(tmp_path, name, manifest if manifest else [])
    ok, detail = _schema_accepts(check_jsonschema, path)
    assert not ok, f"the schema accepts an invalid manifest ({name}):\n{json.dumps(manifest, indent=1)}"
    verify = run([ewscheck, "plugins", "verify", path], timeout=60)
    assert verify.returncode == 1, f"ewscheck disagrees with the schema on {name}:\n{describe(verify)}"


def test_built_plugins_manifests_pass_schema(tmp_path, check_jsonschema, ewscheck):
    listing = run([ewscheck, "plugins", "list", "--json"], timeout=120)
    assert listing.returncode == 0, describe(listing)
    profiles = json.loads(listing.stdout)["profiles"]
    targets = [p["id"] for p in profiles]
    if C_EXAMPLE.exists():
        targets.append(str(C_EXAMPLE))
    assert targets, "no built plugins found beside the binary"
    for target in targets:
        shown = run([ewscheck, "plugins", "inspect", "--json", target], timeout=60)
        assert shown.returncode == 0, describe(shown)
        path = _write(tmp_path, Path(target).stem, json.loads(shown.stdout))
        ok, detail = _schema_accepts(check_jsonschema, path)
        assert ok, f"the manifest of {target} fails the schema:\n{detail}"
