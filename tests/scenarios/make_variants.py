#!/usr/bin/env python3
"""Build variant acceptance scenarios from the public one, with `expected` computed by oracle.py.

usage: make_variants.py [PUBLIC_SCENARIO.json]
Writes tests/scenarios/<name>.json next to this file. Each variant is checked for validity (sheets in
range, conflicts absent, budgets consistent, timestamps in the call's stages, rejected_inputs usable)
before it is written; an invalid variant stops the script.
Run the Rust acceptance test against one with TUINIER_SCENARIO=tests/scenarios/<name>.json.
"""
import copy
import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import oracle  # noqa: E402

DEFAULT_PUBLIC = HERE.parent.parent.parent / "shared" / "fixtures" / "tranche-2022" / "scenario.json"
KEY_ORDER = ["call", "assessors", "conflicts_of_interest", "applications", "first_round_scores", "decisions",
             "final_round_scores", "expected", "description", "rejected_inputs"]
FINAL_MOTIVATION = "Beoordeling inclusief addendum en gesprek."


# ---------------------------------------------------------------- helpers

def sheet(sc, rnd, app, assessor):
    found = [s for s in sc[rnd] if s["application"] == app and s["assessor"] == assessor]
    assert len(found) == 1, (rnd, app, assessor)
    return found[0]


def bump(sc, rnd, app, assessor, delta, criterion="w_general_impression"):
    """Change one scale value of a sheet by delta (the sheet total changes by delta)."""
    sheet(sc, rnd, app, assessor)["scores"][criterion] += delta


def drop_final_sheets(sc, app):
    sc["final_round_scores"] = [s for s in sc["final_round_scores"] if s["application"] != app]


def add_final_sheets(sc, app, deltas):
    """Final-round sheets for a newly invited application: its first-round sheets, all knock-outs met,
    general impression changed by deltas[assessor]."""
    for s in [s for s in sc["first_round_scores"] if s["application"] == app]:
        f = copy.deepcopy(s)
        f["knockout"] = {k: True for k in f["knockout"]}
        f["scores"]["w_general_impression"] += deltas[s["assessor"]]
        f["motivation"] = FINAL_MOTIVATION
        sc["final_round_scores"].append(f)


def set_knockout(sc, app, assessor, criterion, met):
    """Set a knock-out verdict; a "not met" carries its motivation, as the scoring rules require."""
    s = sheet(sc, "first_round_scores", app, assessor)
    s["knockout"][criterion] = met
    motivations = s.setdefault("knockout_motivations", {})
    if met:
        motivations.pop(criterion, None)
    else:
        label = next(k["label_nl"] for k in sc["call"]["knockout_criteria"] if k["id"] == criterion)
        motivations[criterion] = (f"Uit de aanvraag blijkt niet dat aan dit criterium wordt voldaan: {label[0].lower() + label[1:]} "
                                  "wordt niet aangetoond met afspraken, documenten of ondertekende verklaringen.")


# ---------------------------------------------------------------- validity of a scenario

def stage_at(call, kind):
    return oracle.parse_time(next(s["at"] for s in call["stages"] if s["kind"] == kind))


def valid_value(criterion, value):
    try:
        oracle.criterion_points(criterion, value)
        return True
    except (oracle.ScenarioError, TypeError):
        return False


def check(sc):
    """Return a list of problems (empty when the scenario is valid for the acceptance flow)."""
    problems = []
    call = sc["call"]
    criteria = {c["id"]: c for c in call["weighted_criteria"]}
    ko_ids = {c["id"] for c in call["knockout_criteria"]}
    assessors = {a["ref"] for a in sc["assessors"]}
    refs = [a["ref"] for a in sc["applications"]]
    conflicts = {(c["assessor"], c["application"]) for c in sc["conflicts_of_interest"]}
    publication, deadline = stage_at(call, "publication"), stage_at(call, "submission_deadline")
    first_assessment = stage_at(call, "first_assessment")
    last_reminder = deadline - oracle.timedelta(days=min(call["reminders"]["submission_deadline_days_before"]))
    period = (date.fromisoformat(call["spending_period"]["from"]), date.fromisoformat(call["spending_period"]["to"]))

    if sum(c["max"] for c in criteria.values()) != 100:
        problems.append(f"weighted criteria maxima sum to {sum(c['max'] for c in criteria.values())}, not 100")
    for c in criteria.values():
        if c["kind"] == "per_item" and c["points_per_item"] * len(c["items"]) < c["max"]:
            problems.append(f"{c['id']}: max unreachable")

    for a in sc["applications"]:
        created, submitted = oracle.parse_time(a["draft_created_at"]), oracle.parse_time(a["submitted_at"])
        if not (publication < created < submitted <= deadline):
            problems.append(f"{a['ref']}: timestamps outside publication < draft < submission <= deadline")
        roles = {p["role"] for p in a["partners"]}
        if not set(call["required_partner_roles"]) <= roles:
            problems.append(f"{a['ref']}: missing partner roles")
        for line in a["budget"]:
            t, o, r = (Decimal(line[k]) for k in ("total_cost", "own_contribution", "requested"))
            if min(t, o, r) < 0 or t < o + r or any(v != v.quantize(oracle.CENT) for v in (t, o, r)):
                problems.append(f"{a['ref']}: inconsistent budget line {line}")
            if not period[0].year <= line["year"] <= period[1].year:
                problems.append(f"{a['ref']}: budget year {line['year']} outside the spending period")

    for rnd in ("first_round_scores", "final_round_scores"):
        seen = set()
        for s in sc[rnd]:
            key = (s["assessor"], s["application"])
            if key in seen:
                problems.append(f"{rnd}: duplicate sheet {key}")
            seen.add(key)
            if key in conflicts:
                problems.append(f"{rnd}: conflicted sheet {key}")
            if s["assessor"] not in assessors or s["application"] not in refs:
                problems.append(f"{rnd}: unknown assessor or application {key}")
            if set(s["knockout"]) != ko_ids or set(s["scores"]) != set(criteria):
                problems.append(f"{rnd}: {key} criteria differ from the call")
                continue
            for cid, v in s["scores"].items():
                if not valid_value(criteria[cid], v):
                    problems.append(f"{rnd}: {key} {cid}={v!r} invalid")
        for ref in refs:
            n = sum(1 for s in sc[rnd] if s["application"] == ref)
            if rnd == "first_round_scores" and n < 2:
                problems.append(f"{ref}: fewer than 2 first-round sheets")

    try:
        expected = oracle.compute_expected(sc)
    except oracle.ScenarioError as e:
        return problems + [f"oracle: {e}"]
    invited = {a["ref"] for a in expected["applications"] if a["invited_to_interview"]}
    finals = {s["application"] for s in sc["final_round_scores"]}
    if finals != invited:
        problems.append(f"final-round sheets for {sorted(finals)} but invited {sorted(invited)}")
    for ref in invited:
        if sum(1 for s in sc["final_round_scores"] if s["application"] == ref) < 2:
            problems.append(f"{ref}: fewer than 2 final-round sheets")

    for ri in sc["rejected_inputs"]:
        kind, app = ri["kind"], ri["application"]
        if kind in ("late_submission", "budget_inconsistent", "missing_partner"):
            if app in refs:
                problems.append(f"rejected_inputs {kind}: {app} must be a region only named here")
        if kind == "late_submission":
            at = oracle.parse_time(ri["submitted_at"])
            if not deadline < at < first_assessment:
                problems.append("late_submission: submitted_at must be after the deadline")
            if not last_reminder < deadline:
                problems.append("late_submission: no room for a draft after the last reminder")
        elif kind == "score_out_of_range":
            key = (ri["assessor"], app)
            if key in conflicts or not any(
                    (s["assessor"], s["application"]) == key for s in sc["first_round_scores"]):
                problems.append(f"score_out_of_range: {key} is not an assessor/application pair that scores")
            c = criteria.get(ri["criterion"])
            if c is not None and valid_value(c, ri["value"]):
                problems.append(f"score_out_of_range: {ri['criterion']}={ri['value']!r} is valid")
        elif kind == "conflict_of_interest":
            if (ri["assessor"], app) not in conflicts:
                problems.append(f"conflict_of_interest: {ri['assessor']}/{app} has no declared conflict")
        elif kind == "budget_inconsistent":
            line_ok = True
            for line in ri["budget"]:
                t, o, r = (Decimal(line[k]) for k in ("total_cost", "own_contribution", "requested"))
                if min(t, o, r) < 0 or t < o + r or any(v != v.quantize(oracle.CENT) for v in (t, o, r)):
                    line_ok = False
            if line_ok:
                problems.append(f"budget_inconsistent: {app}'s budget is consistent")
        elif kind == "cross_region_read":
            if ri["actor"] not in refs or app not in refs or ri["actor"] == app:
                problems.append("cross_region_read: actor and application must be two different regions")
    return problems


def spreads(sc):
    """Largest difference between assessors' totals per (round, application); > 15 means a flag."""
    out = {}
    for rnd in ("first_round_scores", "final_round_scores"):
        by = {}
        for s in sc[rnd]:
            by.setdefault(s["application"], []).append(oracle.sheet_total(sc["call"], s))
        out.update({(rnd, a): max(t) - min(t) for a, t in by.items()})
    return out


# ---------------------------------------------------------------- the variants

def threshold_55_three_awards(sc):
    call = sc["call"]
    call["interview_threshold"] = "55"
    call["max_awards"] = 3
    call["budget_ceiling"] = "2500000.00"
    # zuid-holland-zuid: 59.33 -> 54.67, invited at 50 but not at 55.
    for assessor, d in (("vng-1", -5), ("jenv-1", -5), ("vws-1", -4)):
        bump(sc, "first_round_scores", "zuid-holland-zuid", assessor, d)
    drop_final_sheets(sc, "zuid-holland-zuid")
    # kennemerland: 49.67 -> exactly 55.00, invited (the threshold is inclusive).
    for assessor, d in (("vng-1", 6), ("jenv-1", 5), ("vws-1", 5)):
        bump(sc, "first_round_scores", "kennemerland", assessor, d)
    add_final_sheets(sc, "kennemerland", {"vng-1": 2, "jenv-1": 3, "vws-1": 4})
    return ("Variant of tranche 2022: interview threshold 55, 3 awards, ceiling 2.5 million. Zuid-Holland-Zuid "
            "scores 54.67 (below 55), Kennemerland exactly 55.00 (invited); pro-rata allocation over 3 awards.")


def tie_at_last_place(sc):
    # flevoland 82.33 -> 82.00 (246/3); friesland 79.50 -> 82.00 (164/2, two sheets: vws-1 has a conflict).
    bump(sc, "final_round_scores", "flevoland", "vws-1", -1)
    bump(sc, "final_round_scores", "friesland", "vng-1", 3)
    bump(sc, "final_round_scores", "friesland", "jenv-1", 2)
    sc["decisions"]["ties"] = [{
        "award": ["friesland"],
        "not_award": ["flevoland"],
        "reason": "Gelijke eindscore op plaats 4; Friesland toegekend vanwege de sterkere uitwerking in het addendum.",
    }]
    return ("Variant of tranche 2022: Flevoland and Friesland tie at 82.00 on the last award place (4); staff award "
            "Friesland (after Flevoland by ref, so the decision, not the ref order, decides).")


def split_knockouts(sc):
    # zuid-holland-zuid: every sheet has a 'not met', but never all on the same criterion -> needs_decision.
    set_knockout(sc, "zuid-holland-zuid", "vng-1", "ko_budget", False)
    set_knockout(sc, "zuid-holland-zuid", "jenv-1", "ko_lived_experience", False)
    set_knockout(sc, "zuid-holland-zuid", "vws-1", "ko_budget", False)
    drop_final_sheets(sc, "zuid-holland-zuid")
    # ijsselland: all 'not met' on ko_rvt_composition, split on ko_budget -> still failed.
    set_knockout(sc, "ijsselland", "jenv-1", "ko_budget", False)
    sc["decisions"]["knockout"].append({
        "application": "zuid-holland-zuid",
        "verdict": "failed",
        "reason": "Consensusoverleg: projectbegroting onvoldoende onderbouwd; criterium niet aangetoond.",
    })
    return ("Variant of tranche 2022: split knock-outs. Haaglanden decided passed, Zuid-Holland-Zuid (every sheet a "
            "different 'not met') decided failed; IJsselland fails on one criterion while another is split.")


def requests_under_ceiling(sc):
    sc["call"]["budget_ceiling"] = "4500000.00"
    return ("Variant of tranche 2022: ceiling 4.5 million, so the 4 awarded requests (4,348,500.50 together) are "
            "granted in full, cents included; 151,499.50 stays unallocated.")


def five_awards_other_criteria(sc):
    call = sc["call"]
    call["max_awards"] = 5
    new = []
    for c in call["weighted_criteria"]:
        c = copy.deepcopy(c)
        if c["id"] == "w_pok_funds":  # merged with w_labour_market
            c = {"id": "w_pok_labour",
                 "label_nl": "Inzet POK-middelen en bijdrage aan de regionale arbeidsmarkt",
                 "label_en": "The region's POK funds and the contribution to the regional labour market",
                 "kind": "scale", "min": 2, "max": 12}
        elif c["id"] == "w_labour_market":
            continue
        elif c["id"] == "w_broad_approach":
            c["points_per_item"], c["max"] = 3, 12  # 5 items would give 15: capped at 12
        elif c["id"] == "w_general_impression":
            c["max"] = 23
        new.append(c)
    call["weighted_criteria"] = new
    order = [c["id"] for c in new]
    for rnd in ("first_round_scores", "final_round_scores"):
        for s in sc[rnd]:
            v = dict(s["scores"])
            v["w_pok_labour"] = v.pop("w_pok_funds") + v.pop("w_labour_market")
            v["w_general_impression"] = min(v["w_general_impression"], 23)
            s["scores"] = {cid: v[cid] for cid in order}
            if "motivations" in s:
                m = s["motivations"]
                m["w_pok_labour"] = m.pop("w_pok_funds", FINAL_MOTIVATION) + " " + m.pop("w_labour_market", "")
                s["motivations"] = {cid: m[cid].strip() for cid in order if cid in m}
    # Kennemerland's 2-3 life domains now weigh more: 49.67 -> 52.00, so it is invited in this call.
    add_final_sheets(sc, "kennemerland", {"vng-1": 2, "jenv-1": 1, "vws-1": 3})
    kept = [ri for ri in sc["rejected_inputs"] if ri["kind"] != "score_out_of_range"]
    base = {"kind": "score_out_of_range", "application": "gelderland-zuid", "assessor": "vng-1", "expect_status": 422}
    oor = [
        dict(base, what="score above the scale maximum", criterion="w_administrative_relations", value=11),
        dict(base, what="score below the scale minimum", criterion="w_network_steering", value=0),
        dict(base, what="unknown life domain in a per-item criterion", criterion="w_broad_approach",
             value=["finances", "holidays"]),
        dict(base, what="merged criterion below its minimum", criterion="w_pok_labour", value=1),
        dict(base, what="general impression above its new maximum (valid in the 2022 call)",
             criterion="w_general_impression", value=24),
        dict(base, what="criterion that this call no longer has", criterion="w_pok_funds", value=3),
    ]
    i = next(i for i, ri in enumerate(sc["rejected_inputs"]) if ri["kind"] == "score_out_of_range")
    sc["rejected_inputs"] = kept[:i] + oor + kept[i:]
    return ("Variant of tranche 2022: 5 awards; criteria rebalanced (POK funds and labour market merged into a "
            "2-12 scale, life domains 3 points each capped at 12, general impression 0-23; still 100 in all). "
            "Kennemerland now scores 52.00 and is invited.")


VARIANTS = {
    "threshold-55-three-awards": threshold_55_three_awards,
    "tie-at-last-place": tie_at_last_place,
    "split-knockouts": split_knockouts,
    "requests-under-ceiling": requests_under_ceiling,
    "five-awards-other-criteria": five_awards_other_criteria,
}


def main():
    public_path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PUBLIC
    public = json.loads(public_path.read_text())
    problems = check(public)
    if problems:
        sys.exit(f"the public scenario does not pass the checks: {problems}")
    for name, build in VARIANTS.items():
        sc = copy.deepcopy(public)
        sc["description"] = build(sc)
        problems = check(sc)
        if problems:
            sys.exit(f"{name}: invalid variant:\n  " + "\n  ".join(problems))
        sc["expected"] = oracle.compute_expected(sc)
        flagged = {k: v for k, v in spreads(sc).items() if v > 15}
        out = HERE / f"{name}.json"
        out.write_text(json.dumps({k: sc[k] for k in KEY_ORDER}, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {out}" + (f"  (spread > 15: {flagged})" if flagged else ""))


if __name__ == "__main__":
    main()
