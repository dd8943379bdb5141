//! The checks of a call definition: every rule at once, each problem with its field.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset};

use super::{
    CallDefinition, CriterionKind, KEY_STAGES, PARTNER_ROLES, Stage, WeightedCriterion, is_code,
};
use crate::domain::points::Points;
use crate::error::FieldError;

impl CallDefinition {
    pub(super) fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |field: String, message: &str| errors.push(FieldError::new(field, message));
        self.figure_problems(&mut err);
        self.partner_role_problems(&mut err);
        self.criteria_problems(&mut err);
        self.stage_problems(&mut err);
        self.reminder_problems(&mut err);
        errors
    }

    /// The code, title and the call's figures.
    fn figure_problems(&self, err: &mut dyn FnMut(String, &str)) {
        if !is_code(&self.code) {
            err(
                "code".into(),
                "a code is lowercase letters, digits and hyphens, 1 to 80 characters",
            );
        }
        if self.title.trim().is_empty() {
            err("title".into(), "a call needs a title");
        }
        if self.currency != "EUR" {
            err("currency".into(), "only EUR is supported");
        }
        if self.budget_ceiling.is_zero() {
            err("budget_ceiling".into(), "the budget ceiling must be more than zero");
        }
        if self.spending_period.from > self.spending_period.to {
            err("spending_period".into(), "the spending period ends before it starts");
        }
        if self.max_awards < 1 {
            err("max_awards".into(), "at least one award");
        }
        if self.total_points < 1 {
            err("total_points".into(), "the total must be at least one point");
        }
        if self.min_sheets_per_application < 1 {
            err("min_sheets_per_application".into(), "at least one sheet per application");
        }
        if self.disagreement_spread < 0 {
            err("disagreement_spread".into(), "the spread cannot be negative");
        }
        if self.interview_threshold > Points::whole(i64::from(self.total_points)) {
            err("interview_threshold".into(), "the threshold is above the total points");
        }
    }

    fn partner_role_problems(&self, err: &mut dyn FnMut(String, &str)) {
        let mut seen_roles = HashSet::new();
        for (i, role) in self.required_partner_roles.iter().enumerate() {
            if !PARTNER_ROLES.contains(&role.as_str()) {
                err(
                    format!("required_partner_roles[{i}]"),
                    "unknown partner role; known roles are municipality, local_team, veilig_thuis, certified_institution, child_protection_board",
                );
            } else if !seen_roles.insert(role) {
                err(format!("required_partner_roles[{i}]"), "duplicate partner role");
            }
        }
    }

    /// The criteria: distinct ids over both kinds, each weighted criterion's range, and maxima
    /// that add up to the call's total points.
    fn criteria_problems(&self, err: &mut dyn FnMut(String, &str)) {
        let mut ids = HashSet::new();
        for (i, c) in self.knockout_criteria.iter().enumerate() {
            if c.id.trim().is_empty() {
                err(format!("knockout_criteria[{i}].id"), "a criterion needs an id");
            } else if !ids.insert(c.id.as_str()) {
                err(format!("knockout_criteria[{i}].id"), "duplicate criterion id");
            }
        }
        if self.weighted_criteria.is_empty() {
            err("weighted_criteria".into(), "a call needs at least one weighted criterion");
        }
        let mut max_sum: i64 = 0;
        for (i, c) in self.weighted_criteria.iter().enumerate() {
            let at = |f: &str| format!("weighted_criteria[{i}].{f}");
            if c.id.trim().is_empty() {
                err(at("id"), "a criterion needs an id");
            } else if !ids.insert(c.id.as_str()) {
                err(at("id"), "duplicate criterion id");
            }
            if c.min < 0 {
                err(at("min"), "the minimum cannot be negative");
            }
            if c.min > c.max {
                err(at("min"), "the minimum is above the maximum");
            }
            if c.max < 1 {
                err(at("max"), "the maximum must be at least one point");
            }
            Self::kind_problems(i, c, err);
            max_sum = max_sum.saturating_add(c.max);
        }
        if !self.weighted_criteria.is_empty() && max_sum != i64::from(self.total_points) {
            err(
                "weighted_criteria".into(),
                &format!(
                    "the maxima of the weighted criteria add up to {max_sum}, not to the call's total of {} points",
                    self.total_points
                ),
            );
        }
    }

    /// What a weighted criterion's kind needs: items and points per item for `per_item`, neither
    /// for the others.
    fn kind_problems(i: usize, c: &WeightedCriterion, err: &mut dyn FnMut(String, &str)) {
        let at = |f: &str| format!("weighted_criteria[{i}].{f}");
        match c.kind {
            CriterionKind::PerItem => {
                match &c.items {
                    Some(items) if !items.is_empty() => {
                        let mut seen = HashSet::new();
                        for (j, item) in items.iter().enumerate() {
                            if item.trim().is_empty() || !seen.insert(item) {
                                err(
                                    format!("weighted_criteria[{i}].items[{j}]"),
                                    "items must be distinct and not empty",
                                );
                            }
                        }
                    }
                    _ => err(at("items"), "a per_item criterion needs a list of items"),
                }
                match c.points_per_item {
                    Some(p) if p >= 1 => {}
                    Some(_) => err(at("points_per_item"), "points per item must be at least one"),
                    None => {
                        err(at("points_per_item"), "a per_item criterion needs points_per_item")
                    }
                }
            }
            CriterionKind::Scale | CriterionKind::Boolean => {
                if c.items.is_some() || c.points_per_item.is_some() {
                    err(at("kind"), "items and points_per_item belong to a per_item criterion");
                }
            }
        }
    }

    /// Each stage's own dates, and the key stages once each, in order, with a moment.
    fn stage_problems(&self, err: &mut dyn FnMut(String, &str)) {
        for (i, s) in self.stages.iter().enumerate() {
            if s.kind.trim().is_empty() {
                err(format!("stages[{i}].kind"), "a stage needs a kind");
            }
            if let (Some(a), Some(u)) = (s.at, s.until)
                && u < a
            {
                err(format!("stages[{i}].until"), "a stage ends before it starts");
            }
            if let (Some(a), Some(b)) = (s.starts_on, s.ends_on)
                && b < a
            {
                err(format!("stages[{i}].ends_on"), "a stage ends before it starts");
            }
        }
        let mut previous: Option<(&str, DateTime<FixedOffset>)> = None;
        for kind in KEY_STAGES {
            let found: Vec<(usize, &Stage)> =
                self.stages.iter().enumerate().filter(|(_, s)| s.kind == kind).collect();
            match found.as_slice() {
                [(i, s)] => match s.at {
                    Some(at) => {
                        if let Some((prev_kind, prev_at)) = previous
                            && at <= prev_at
                        {
                            err(
                                format!("stages[{i}].at"),
                                &format!("the {kind} stage must come after the {prev_kind} stage"),
                            );
                        }
                        previous = Some((kind, at));
                    }
                    None => err(
                        format!("stages[{i}].at"),
                        &format!("the {kind} stage needs a moment (at)"),
                    ),
                },
                [] => err("stages".into(), &format!("the call needs a {kind} stage")),
                [_, (i, _), ..] => {
                    err(format!("stages[{i}]"), &format!("more than one {kind} stage"))
                }
            }
        }
    }

    fn reminder_problems(&self, err: &mut dyn FnMut(String, &str)) {
        let mut seen_days = HashSet::new();
        for (i, d) in self.reminders.submission_deadline_days_before.iter().enumerate() {
            if *d == 0 || !seen_days.insert(d) {
                err(
                    format!("reminders.submission_deadline_days_before[{i}]"),
                    "reminder days are distinct and at least 1",
                );
            }
        }
        let mut seen_days = HashSet::new();
        for (i, d) in self.reminders.addendum_deadline_days_before.iter().enumerate() {
            if *d == 0 || !seen_days.insert(d) {
                err(
                    format!("reminders.addendum_deadline_days_before[{i}]"),
                    "reminder days are distinct and at least 1",
                );
            }
        }
    }
}

/// What an amendment of a call needs, all at once: a valid definition (its problems under
/// `call.`) and a reason.
pub fn amendment_problems(def: &CallDefinition, reason: &str) -> Vec<FieldError> {
    let mut problems = def.problems();
    for f in &mut problems {
        f.field = format!("call.{}", f.field);
    }
    if reason.trim().is_empty() {
        problems.push(FieldError::new("reason", "an amendment needs a reason"));
    }
    problems
}
