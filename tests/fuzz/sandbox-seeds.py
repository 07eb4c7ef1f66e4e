#!/usr/bin/env python3
"""Seeds from the sandbox's answers: runs `vmcheck sandbox` (an already built binary) on
loopback and saves, for every test patient, its V&M answer in JSON and XML (status, no record,
several records, the Spine errors its faults produce), its PDS record, and the Spine errors for
a few bad requests, into tests/fuzz/corpus/{vandm_json,vandm_xml,pds_patient}/ as sandbox-*
files. Usage: tests/fuzz/sandbox-seeds.py [path/to/vmcheck] (default target/debug/vmcheck).
"""

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug", "vmcheck")

SEARCH = "urn:nhs:names:services:visitorsandmigrants:fhir:rest:search:observation"
NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ASKED = "9434765919"  # vmcheck_fuzz_targets::ASKED_NHS_NUMBER


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def audit_jwt(nhs: str) -> str:
    """The training identity's unsigned audit JWT (as vmcheck_core::jwt::AuditJwt builds it)."""
    iat = int(time.time())
    device = "2f6c1b7e-5a0d-4c3e-9b1f-7d8e9a0b1c2d"
    claims = {
        "iss": "https://vmcheck.training.invalid",
        "sub": "555021935107",
        "aud": "https://authorize.fhir.nhs.uk/token",
        "exp": iat + 300,
        "iat": iat,
        "reason_for_request": "directcare",
        "requested_record": {
            "resourceType": "Patient",
            "identifier": [{"system": NHS_SYSTEM, "value": nhs}],
        },
        "requested_scopes": "patient/*.read",
        "requesting_device": {
            "resourceType": "Device",
            "id": device,
            "identifier": [{"system": "https://fhir.nhs.uk/Id/device-id", "value": device}],
            "type": {"coding": [{"system": "http://snomed.info/sct", "code": "462240000",
                                  "display": "Patient health record information system (physical object)"}]},
            "model": "V&M Check",
            "version": "0.1.0",
        },
        "requesting_organization": {
            "resourceType": "Organization",
            "id": "RRK99",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RRK99"}],
            "name": "V&M Check Training Hospital",
        },
        "requesting_practitioner": {
            "resourceType": "Practitioner",
            "id": "555021935107",
            "identifier": [
                {"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "555021935107"},
                {"system": "https://fhir.nhs.uk/Id/sds-role-profile-id", "value": "555021936109"},
            ],
        },
    }
    header = b64(b'{"alg":"none","typ":"JWT"}')
    return f"{header}.{b64(json.dumps(claims, separators=(',', ':')).encode())}."


def get(url: str, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception:  # faults: resets, truncation, hangs
        return 0, b""


def vandm(base: str, nhs: str, fmt: str, **overrides) -> tuple[int, bytes]:
    url = (f"{base}/Observation?subject:Patient.identifier={NHS_SYSTEM}%7C{nhs}"
           f"&code=https://fhir.nhs.uk/fhir-observation-code-1%7C0001")
    headers = {
        "Ssp-TraceID": str(uuid.uuid4()),
        "Ssp-From": "200000000359",
        "Ssp-To": "928942012545",
        "Ssp-InteractionID": SEARCH,
        "Ssp-Version": "1",
        "Authorization": f"Bearer {audit_jwt(nhs)}",
        "Accept": f"application/{fmt}+fhir",
    }
    headers.update(overrides)
    return get(url, {k: v for k, v in headers.items() if v is not None})


def put(target: str, name: str, body: bytes) -> None:
    if not body:
        return
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, f"sandbox-{name}"), "wb") as f:
        f.write(body)


def main() -> None:
    patients = json.loads(subprocess.run([BINARY, "sandbox", "--list"], check=True,
                                         capture_output=True, text=True).stdout)
    sandbox = subprocess.Popen([BINARY, "sandbox"], stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(sandbox.stdout.readline())
        for p in patients:
            nhs = p["nhs_number"]
            for fmt, target in (("json", "vandm_json"), ("xml", "vandm_xml")):
                status, body = vandm(urls["vandm_base"], nhs, fmt)
                put(target, f"{nhs}-{status}.{fmt}", body)
                # The same answer about the patient the targets ask about (reaches green).
                asked = body.replace(f"Patient/{nhs}".encode(), f"Patient/{ASKED}".encode())
                if asked != body:
                    put(target, f"{nhs}-{status}-asked.{fmt}", asked)
            status, body = get(f"{urls['pds_base']}/Patient/{nhs}",
                               {"X-Request-ID": str(uuid.uuid4())})
            put("pds_patient", f"{nhs}-{status}.json", body)
        # Spine errors for bad requests, and PDS errors and searches.
        some = patients[0]["nhs_number"]
        for fmt, target in (("json", "vandm_json"), ("xml", "vandm_xml")):
            for name, overrides in (("no-trace", {"Ssp-TraceID": None}),
                                    ("bad-asid", {"Ssp-From": "999999999999"}),
                                    ("no-jwt", {"Authorization": None})):
                status, body = vandm(urls["vandm_base"], some, fmt, **overrides)
                put(target, f"error-{name}-{status}.{fmt}", body)
        for name, path in (("search", "Patient?family=Taylor&birthdate=eq1998-02-11"),
                           ("search-fuzzy", "Patient?family=Tailor&gender=female&_fuzzy-match=true&birthdate=ge1990-01-01"),
                           ("invalid-id", "Patient/123"),
                           ("not-found", "Patient/9000000009")):
            status, body = get(f"{urls['pds_base']}/{path}", {"X-Request-ID": str(uuid.uuid4())})
            put("pds_patient", f"{name}-{status}.json", body)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


if __name__ == "__main__":
    main()
