#!/usr/bin/env python3
"""The baseline for bench/batch.sh: a straightforward Python `requests` script doing the same
PDS + V&M flow as a V&M Check worklist row (trace on PDS, then the V&M search with the
cross-organisation audit token), with a thread pool. No audit log, no cross-check, no SDS
lookup (the V&M base URL is given): the floor of the HTTP work in Python.

Usage: batch_python.py PDS_BASE VANDM_BASE TOKEN_TEMPLATE LIST.csv [THREADS]
TOKEN_TEMPLATE is an unsigned audit JWT for any patient; its requested_record is replaced for
each row. Prints: rows, seconds, rows per second, and how many rows had each outcome.
"""
import base64
import concurrent.futures
import csv
import json
import sys
import time
import uuid

import requests


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_for(template: str, nhs: str) -> str:
    header, claims, _ = template.split(".")
    c = json.loads(unb64url(claims))
    c["requested_record"]["identifier"][0]["value"] = nhs
    now = int(time.time())
    c["iat"], c["exp"] = now, now + 300
    return f"{header}.{b64url(json.dumps(c, separators=(',', ':')).encode())}."


def check(session, pds, vandm, template, nhs):
    r = session.get(f"{pds}/Patient/{nhs}", headers={"X-Request-ID": str(uuid.uuid4())}, timeout=15)
    if r.status_code != 200:
        return f"pds-{r.status_code}"
    current = r.json()["id"]
    headers = {
        "Ssp-TraceID": str(uuid.uuid4()),
        "Ssp-From": "200000000359",
        "Ssp-To": "928942012545",
        "Ssp-InteractionID": "urn:nhs:names:services:visitorsandmigrants:fhir:rest:search:observation",
        "Ssp-Version": "1",
        "Authorization": "Bearer " + token_for(template, current),
        "Accept": "application/json+fhir",
    }
    url = (f"{vandm}/Observation?subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number%7C{current}"
           "&code=https://fhir.nhs.uk/fhir-observation-code-1%7C0001")
    r = session.get(url, headers=headers, timeout=15)
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    return f"vandm-{r.status_code}-{body.get('resourceType', 'none')}"


def main():
    pds, vandm, template, path = sys.argv[1:5]
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    with open(path, newline="", encoding="utf-8-sig") as f:
        numbers = [row[0] for i, row in enumerate(csv.reader(f)) if i > 0 and row and row[0]]
    local = __import__("threading").local()

    def one(nhs):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return check(local.session, pds, vandm, template, nhs)

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        outcomes = list(pool.map(one, numbers))
    secs = time.monotonic() - start
    counts = {}
    for o in outcomes:
        counts[o] = counts.get(o, 0) + 1
    print(f"{len(numbers)} rows in {secs:.2f} s = {len(numbers) / secs:.0f} rows/s  {json.dumps(counts, sort_keys=True)}")


if __name__ == "__main__":
    main()
