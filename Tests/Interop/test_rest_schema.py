"""Property-based tests of the REST API against Microsoft's published documents
(../shared/reference: v1, 2022-06-01, 2024-12-01) with schemathesis: for requests it generates
from each document, valid and invalid, the emulator never fails with a 5xx, answers only with
the status codes the document lists for the operation (or its `default`), with the content
types and bodies the document describes. Each request carries a token for exactly its path."""
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks

from conftest import REPOSITORY, Emulator, mint

REFERENCE = REPOSITORY.parent / "shared" / "reference"
DOCUMENTS = ["signalr-rest-api-v1.json", "signalr-rest-api-2022-06-01.json", "signalr-rest-api-2024-12-01.json"]


@pytest.fixture(scope="module")
def schema_emulator():
    # A short invocation timeout: :invoke on a connection that exists but never answers must
    # not hold the run up (generated ids never name a real connection anyway).
    instance = Emulator(extra_args=["--client-invocation-timeout", "1"])
    yield instance
    instance.stop()


def load(document: str):
    path = REFERENCE / document
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the REST documents come from shared/reference beside the repository")
    raw = json.loads(path.read_text())
    if document.endswith("-v1.json"):
        # The v1 document requires a bearer token on every operation but lists no 401 for any:
        # it is added here, so that answering a missing token as the document's own security
        # scheme asks is not counted as an undocumented status.
        for operations in raw["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault("401", {"description": "Unauthorized"})
    return schemathesis.openapi.from_dict(raw)


# Every check schemathesis has but one: `positive_data_acceptance` expects any request the
# document allows to succeed, and the documents leave out constraints the service enforces
# (v1 does not say what a hub name may be; an empty `api-version` string is schema-valid).
EXCLUDED = [checks.positive_data_acceptance]
# The emulator's own health probe (`apphost run` and the dashboard use it) answers GET as well as
# HEAD, without an `api-version` (which the dated documents require) and without a token (which
# v1's security scheme asks for everywhere): a deliberate leniency.
LENIENT = {"/api/health": [checks.negative_data_rejection, checks.unsupported_method],
           "/api/v1/health": [checks.negative_data_rejection, checks.missing_required_header, checks.ignored_auth, checks.unsupported_method]}


def run_case(case, emulator):
    path = case.formatted_path
    headers = dict(case.headers or {})
    headers["Authorization"] = f"Bearer {mint(emulator.endpoint + path)}"
    response = case.call(base_url=f"http://127.0.0.1:{emulator.port}", headers=headers, timeout=10)
    case.validate_response(response, excluded_checks=EXCLUDED + LENIENT.get(case.operation.path, []))


schemas = {document: load(document) for document in DOCUMENTS}


def conformance_test(document):
    @schemas[document].parametrize()
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def test(case, schema_emulator):
        run_case(case, schema_emulator)
    return test


test_v1_conforms_to_its_document = conformance_test("signalr-rest-api-v1.json")
test_2022_06_01_conforms_to_its_document = conformance_test("signalr-rest-api-2022-06-01.json")
test_2024_12_01_conforms_to_its_document = conformance_test("signalr-rest-api-2024-12-01.json")
