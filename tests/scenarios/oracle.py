#!/usr/bin/env python3
"""Independent reference implementation of the selection rules (shared/domain/rules.md).

usage: oracle.py SCENARIO.json
Prints the scenario's `expected` object (shape: shared/fixtures/README.md) as computed from its
call, applications, sheets and decisions. The scenario's own `expected`, if any, is ignored.

Standard library only; every amount and score is a decimal.Decimal, never a float.
"""
import json
import sys
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class ScenarioError(Exception):
    """The scenario cannot be decided as given (e.g. a pending decision is missing)."""


def two_decimals(value):
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def mean_half_up(totals):
    """Round score: exact mean of the sheet totals, rounded half-up to 2 decimals."""
    if not totals:
        raise ScenarioError("a round score needs at least one sheet")
    return (sum(totals, Decimal(0)) / Decimal(len(totals))).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_time(s):
    return datetime.fromisoformat(s)


# ---------------------------------------------------------------- scoring

def criterion_points(criterion, value):
    kind = criterion["kind"]
    if kind == "scale":
        if not (isinstance(value, int) and criterion["min"] <= value <= criterion["max"]):
            raise ScenarioError(f"{criterion['id']}: {value!r} outside [{criterion['min']}, {criterion['max']}]")
        return Decimal(value)
    if kind == "boolean":
        if value not in (0, criterion["max"]):
            raise ScenarioError(f"{criterion['id']}: boolean must be 0 or {criterion['max']}, got {value!r}")
        return Decimal(value)
    if kind == "per_item":
        if len(set(value)) != len(value) or not set(value) <= set(criterion["items"]):
            raise ScenarioError(f"{criterion['id']}: items must be distinct and known, got {value!r}")
        return min(Decimal(criterion["points_per_item"]) * len(value), Decimal(criterion["max"]))
    raise ScenarioError(f"{criterion['id']}: unknown kind {kind!r}")


def sheet_total(call, sheet):
    criteria = {c["id"]: c for c in call["weighted_criteria"]}
    if set(sheet["scores"]) != set(criteria):
        raise ScenarioError(f"sheet {sheet['application']}/{sheet['assessor']}: criteria differ from the call")
    return sum((criterion_points(criteria[cid], v) for cid, v in sheet["scores"].items()), Decimal(0))


def knockout_from_sheets(call, sheets):
    """passed: every sheet met on every criterion; failed: every sheet not met on one same criterion;
    otherwise needs_decision."""
    ids = [c["id"] for c in call["knockout_criteria"]]
    for cid in ids:
        if all(s["knockout"][cid] is False for s in sheets):
            return "failed"
    if all(s["knockout"][cid] is True for s in sheets for cid in ids):
        return "passed"
    return "needs_decision"


# ---------------------------------------------------------------- the selection round

def compute_expected(sc):
    call = sc["call"]
    threshold = Decimal(call["interview_threshold"])
    max_awards = int(call["max_awards"])
    ceiling = Decimal(call["budget_ceiling"])
    decisions = sc.get("decisions") or {}
    ko_decisions = {d["application"]: d["verdict"] for d in decisions.get("knockout", [])}

    conflicts = {(c["assessor"], c["application"]) for c in sc.get("conflicts_of_interest", [])}
    for rnd in ("first_round_scores", "final_round_scores"):
        for s in sc.get(rnd, []):
            if (s["assessor"], s["application"]) in conflicts:
                raise ScenarioError(f"{rnd}: conflicted sheet {s['assessor']}/{s['application']}")

    def sheets(rnd, ref):
        return [s for s in sc.get(rnd, []) if s["application"] == ref]

    results = {}  # ref -> dict, in application order
    for app in sc["applications"]:
        ref = app["ref"]
        r = {"ref": ref}
        r["requested_total"] = sum((Decimal(line["requested"]) for line in app["budget"]), Decimal(0))
        first = sheets("first_round_scores", ref)
        r["knockout"] = knockout_from_sheets(call, first)
        r["first_round_score"] = mean_half_up([sheet_total(call, s) for s in first])
        effective = r["knockout"]
        if r["knockout"] == "needs_decision":
            if ref not in ko_decisions:
                raise ScenarioError(f"{ref}: knock-out needs a decision, none in decisions.knockout")
            effective = r["knockout_decided"] = ko_decisions[ref]
        elif ref in ko_decisions:
            raise ScenarioError(f"{ref}: knock-out decision given, but the sheets say {r['knockout']}")
        if effective == "failed":
            r["invited_to_interview"], r["decision"] = False, "rejected_knockout"
        elif r["first_round_score"] < threshold:
            r["invited_to_interview"], r["decision"] = False, "rejected_below_threshold"
        else:
            r["invited_to_interview"] = True
            final = sheets("final_round_scores", ref)
            r["final_score"] = mean_half_up([sheet_total(call, s) for s in final])
        results[ref] = r
    for s in sc.get("final_round_scores", []):
        if not results[s["application"]]["invited_to_interview"]:
            raise ScenarioError(f"final-round sheet for {s['application']}, which is not invited")

    # Ranking: standard competition ranking over the final scores, highest first.
    invited = [r for r in results.values() if r["invited_to_interview"]]
    for r in invited:
        r["rank"] = 1 + sum(1 for o in invited if o["final_score"] > r["final_score"])
    ordered = sorted(invited, key=lambda r: (-r["final_score"], r["ref"]))

    # Awards: the best max_awards; a tie at the last award place is settled by decisions.ties.
    awarded = set()
    if len(ordered) <= max_awards:
        awarded = {r["ref"] for r in ordered}
    else:
        last = ordered[max_awards - 1]["final_score"]
        if ordered[max_awards]["final_score"] != last:
            awarded = {r["ref"] for r in ordered[:max_awards]}
        else:
            awarded = {r["ref"] for r in ordered if r["final_score"] > last}
            group = {r["ref"] for r in ordered if r["final_score"] == last}
            settled = [t for t in decisions.get("ties", []) if set(t["award"]) | set(t["not_award"]) == group]
            if len(settled) != 1 or set(settled[0]["award"]) & set(settled[0]["not_award"]):
                raise ScenarioError(f"tie at the last award place {sorted(group)} needs one decisions.ties entry")
            for ref in group:
                results[ref]["tie_pending_before_decision"] = True
            awarded |= set(settled[0]["award"])
    for r in invited:
        r["decision"] = "awarded" if r["ref"] in awarded else "not_awarded"

    # Allocation, policy pro_rata_whole_euros.
    if call.get("allocation_policy", "pro_rata_whole_euros") != "pro_rata_whole_euros":
        raise ScenarioError(f"allocation policy {call['allocation_policy']!r} not supported")
    requested = sum((results[ref]["requested_total"] for ref in awarded), Decimal(0))
    for ref in awarded:
        r = results[ref]
        if requested <= ceiling:
            r["allocated"] = r["requested_total"]
        else:
            r["allocated"] = (r["requested_total"] * ceiling / requested).to_integral_value(rounding=ROUND_FLOOR)
    allocated_total = sum((results[ref]["allocated"] for ref in awarded), Decimal(0))

    # Output shape and key order as in the public scenario.
    apps_out = []
    for r in results.values():
        o = {"ref": r["ref"], "knockout": r["knockout"], "first_round_score": two_decimals(r["first_round_score"])}
        if "knockout_decided" in r:
            o["knockout_decided"] = r["knockout_decided"]
        o["invited_to_interview"] = r["invited_to_interview"]
        if r["invited_to_interview"]:
            o["final_score"] = two_decimals(r["final_score"])
            o["rank"] = r["rank"]
        if r.get("tie_pending_before_decision"):
            o["tie_pending_before_decision"] = True
        o["decision"] = r["decision"]
        if "allocated" in r:
            o["allocated"] = two_decimals(r["allocated"])
        o["requested_total"] = two_decimals(r["requested_total"])
        apps_out.append(o)

    return {
        "applications": apps_out,
        "awarded_in_rank_order": [r["ref"] for r in ordered if r["ref"] in awarded],
        "allocated_total": two_decimals(allocated_total),
        "unallocated": two_decimals(ceiling - allocated_total),
        "emails": compute_emails(sc, results),
    }


def compute_emails(sc, results):
    call = sc["call"]
    deadline = parse_time(next(s["at"] for s in call["stages"] if s["kind"] == "submission_deadline"))
    apps = sc["applications"]  # the regions only in rejected_inputs get no email at all
    to = {a["ref"]: a["penvoerder"]["email"] for a in apps}
    emails = []
    for n in call["reminders"]["submission_deadline_days_before"]:
        moment = deadline - timedelta(days=n)
        for a in apps:
            if parse_time(a["draft_created_at"]) <= moment < parse_time(a["submitted_at"]):
                emails.append({"kind": "submission_reminder", "days_before": n, "application": a["ref"], "to": to[a["ref"]]})
    for a in apps:
        emails.append({"kind": "submission_receipt", "application": a["ref"], "to": to[a["ref"]]})
    for a in apps:
        if results[a["ref"]]["invited_to_interview"]:
            emails.append({"kind": "interview_invitation", "application": a["ref"], "to": to[a["ref"]]})
        else:
            emails.append({"kind": "rejection_first_round", "application": a["ref"], "to": to[a["ref"]], "attachment": "pdf"})
    for a in apps:
        r = results[a["ref"]]
        if r["invited_to_interview"]:
            kind = "award_letter" if r["decision"] == "awarded" else "rejection_final"
            emails.append({"kind": kind, "application": a["ref"], "to": to[a["ref"]], "attachment": "pdf"})
    return emails


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        scenario = json.load(f)
    try:
        expected = compute_expected(scenario)
    except ScenarioError as e:
        sys.exit(f"oracle: {e}")
    print(json.dumps(expected, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
