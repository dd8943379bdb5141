"""The Python half of scripts/fuzz-api: prepares an open call through the API, runs schemathesis
once per token (staff, assessor, region) and prints one summary line."""

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")
# Fields of a call as read that are not part of a call as written.
OUTPUT_ONLY = {"id", "created_at", "updated_at", "status", "version", "amendments", "published_at"}


def request(base, method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def must(answer, what):
    status, body = answer()
    for _ in range(10):
        if status < 500:
            break
        # The demo's background tasks may hold the database for a moment right after start.
        time.sleep(0.5)
        status, body = answer()
    if status >= 300:
        sys.exit(f"fuzz-api: could not {what}: {status} {json.dumps(body)[:2000]}")
    return body


def shift(value, days):
    """Every date and date-time in `value`, moved by `days`."""
    if isinstance(value, dict):
        return {k: shift(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [shift(v, days) for v in value]
    if isinstance(value, str) and DATE.match(value):
        return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
    if isinstance(value, str) and DATETIME.match(value):
        return (dt.datetime.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
    return value


def tokens(path):
    """{role: [(email, token)]} from the demo's tokens file, whose lines read
    `VAR='tnr_...'  # role | Name <email> | ...`."""
    found = {}
    line_re = re.compile(r"^\w+='(tnr_[^']+)'\s+#\s*(\w+)\s*\|[^<]*<([^>]+)>")
    for line in Path(path).read_text().splitlines():
        m = line_re.match(line)
        if m:
            token, role, email = m.groups()
            found.setdefault(role, []).append((email, token))
    return found


def open_call(base, staff, region_token):
    """A copy of the demo call whose submission deadline is a month from now, with an assessor and
    a draft application of the first demo region."""
    calls = must(lambda: request(base, "GET", "/calls", staff), "list calls")
    demo = next(c for c in calls if c["code"].startswith("proeftuinen-tranche-2-2022"))
    deadline = next(s for s in demo["stages"] if s["kind"] == "submission_deadline")
    when = dt.datetime.fromisoformat(deadline["at"]).date()
    days = (dt.date.today() + dt.timedelta(days=30) - when).days
    call = shift({k: v for k, v in demo.items() if k not in OUTPUT_ONLY}, days)
    call["code"] = "fuzz-open-call"
    created = must(lambda: request(base, "POST", "/calls", staff, call), "create the open call")
    cid = created["id"]
    must(lambda: request(base, "POST", f"/calls/{cid}/assessors", staff, {"ref": "vng-1"}), "assign an assessor")
    app = must(lambda: request(base, "POST", f"/calls/{cid}/applications", region_token), "start an application")
    return cid, app["id"]


def summarise(ndjson):
    """Counts of requests, 5xx answers and failed checks, from schemathesis' ndjson events."""
    requests = server_errors = 0
    failures = {}
    for line in Path(ndjson).read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        for kind, payload in event.items():
            if kind == "NonFatalError":
                failures["error"] = failures.get("error", 0) + 1
            if kind != "ScenarioFinished":
                continue
            recorder = payload.get("recorder") or {}
            for interaction in (recorder.get("interactions") or {}).values():
                response = interaction.get("response")
                requests += 1
                if response and int(response.get("status_code", 0)) >= 500:
                    server_errors += 1
            for checks in (recorder.get("checks") or {}).values():
                for check in checks:
                    if str(check.get("status", "")).lower() not in ("success", "skip", "skipped"):
                        name = check.get("name", "?")
                        failures[name] = failures.get(name, 0) + 1
    return requests, server_errors, failures


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--tokens", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--examples", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--schemathesis", required=True)
    p.add_argument("--server-log", required=True)
    a = p.parse_args()
    # The API is served under /v1 (its document too, at /v1/openapi.json; `servers` says /v1).
    a.base = a.base.rstrip("/")
    if not a.base.endswith("/v1"):
        a.base += "/v1"

    found = tokens(a.tokens)
    staff = found["staff"][0][1]
    assessor = next(t for e, t in found["assessor"] if e == "beoordelaar1@vng.example")
    region = found["region"][0][1]
    call_id, application_id = open_call(a.base, staff, region)

    work = Path(a.work)
    totals = [0, 0, {}]
    failed_runs = []
    for actor, token in (("staff", staff), ("assessor", assessor), ("region", region)):
        report = work / f"{actor}.ndjson"
        cmd = [
            a.schemathesis, "--config-file", str(Path(__file__).with_name("fuzz-api.toml")),
            "run", f"{a.base}/openapi.json",
            "--checks", "all",
            "--mode", "all",
            "--max-examples", str(a.examples),
            "--seed", str(a.seed),
            "--workers", "1",
            "--no-color",
            "--suppress-health-check", "all",
            "--generation-database", "none",
            "--request-timeout", "60",
            "--header", f"Authorization: Bearer {token}",
            "--report", "ndjson", "--report-ndjson-path", str(report),
        ]
        with open(work / f"{actor}.log", "w") as log:
            rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work).returncode
        requests, errors, failures = summarise(report)
        totals[0] += requests
        totals[1] += errors
        for k, v in failures.items():
            totals[2][k] = totals[2].get(k, 0) + v
        print(f"fuzz-api: {actor}: requests={requests} 5xx={errors} failures={sum(failures.values())} "
              f"(schemathesis exit {rc}, log {work / (actor + '.log')})", file=sys.stderr)
        if rc != 0:
            failed_runs.append(actor)

    requests, errors, failures = totals
    violations = sum(v for k, v in failures.items() if k != "not_a_server_error")
    detail = ",".join(f"{k}:{v}" for k, v in sorted(failures.items())) or "none"
    print(f"fuzz-api: requests={requests} 5xx={errors} schema_violations={violations} "
          f"failed_checks={detail} seed={a.seed} examples={a.examples} call={call_id} application={application_id}")
    ok = errors == 0 and not failures and not failed_runs
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
