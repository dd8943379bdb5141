//! The table of a run (printed) and its JSON (for comparisons between commits).

use serde::Serialize;

/// One line of the table.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Row {
    pub step: String,
    /// What was done, e.g. `10000 applications`.
    pub work: String,
    pub seconds: f64,
    /// Items per second (the unit is in `work`).
    pub rate: Option<f64>,
    /// The floor's rate, measured in the same run.
    pub floor_rate: Option<f64>,
    /// rate / floor_rate.
    pub ratio: Option<f64>,
    pub target: String,
    /// `None`: nothing to judge.
    pub met: Option<bool>,
    /// The server's peak resident memory (VmHWM) at the end of the step, in bytes.
    pub server_peak_rss: Option<u64>,
    /// Anything worth knowing beside the figures (p99, completed requests, ...).
    pub note: String,
}

impl Row {
    pub fn new(step: &str, work: String, seconds: f64, count: f64) -> Row {
        Row {
            step: step.into(),
            work,
            seconds,
            rate: (seconds > 0.0).then(|| count / seconds),
            ..Row::default()
        }
    }

    pub fn floor(mut self, floor_rate: f64) -> Row {
        self.floor_rate = Some(floor_rate);
        self.ratio = self.rate.map(|r| r / floor_rate.max(f64::MIN_POSITIVE));
        self
    }

    pub fn target(mut self, target: &str, met: bool) -> Row {
        self.target = target.into();
        self.met = Some(met);
        self
    }

    pub fn rss(mut self, bytes: u64) -> Row {
        self.server_peak_rss = Some(bytes);
        self
    }

    pub fn note(mut self, note: String) -> Row {
        self.note = note;
        self
    }
}

/// Counts the test checks: what the run did, as the service answered it.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Counts {
    pub applications: usize,
    pub assessors: usize,
    pub applications_submitted: usize,
    pub first_round_sheets: usize,
    pub invited: usize,
    pub final_round_sheets: usize,
    pub letters: usize,
    pub emails_queued: u64,
    pub emails_received: u64,
    pub emails_with_pdf: u64,
    pub outcome_reads_completed: u64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub started_at: String,
    pub database: String,
    pub seed: u64,
    pub counts: Counts,
    pub rows: Vec<Row>,
    pub server_peak_rss: u64,
    pub server_idle_rss: u64,
    pub driver_peak_rss: u64,
    /// Every step completed (the test's first check).
    pub completed: bool,
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1_048_576.0)
}

fn num(x: f64) -> String {
    if x >= 100.0 { format!("{x:.0}") } else { format!("{x:.2}") }
}

impl Report {
    /// The table, in Markdown (it goes into the README as it is).
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| step | work | time | rate | floor | ratio | target | met? | server peak RSS |\n\
             | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for r in &self.rows {
            let work =
                if r.note.is_empty() { r.work.clone() } else { format!("{} ({})", r.work, r.note) };
            out.push_str(&format!(
                "| {} | {} | {:.3} s | {} | {} | {} | {} | {} | {} |\n",
                r.step,
                work,
                r.seconds,
                r.rate.map(|x| format!("{}/s", num(x))).unwrap_or_else(|| "-".into()),
                r.floor_rate.map(|x| format!("{}/s", num(x))).unwrap_or_else(|| "-".into()),
                r.ratio.map(num).unwrap_or_else(|| "-".into()),
                if r.target.is_empty() { "-" } else { &r.target },
                match r.met {
                    Some(true) => "yes",
                    Some(false) => "**MISSED**",
                    None => "-",
                },
                r.server_peak_rss.map(mb).unwrap_or_else(|| "-".into()),
            ));
        }
        out
    }

    pub fn summary(&self) -> String {
        let missed: Vec<&str> =
            self.rows.iter().filter(|r| r.met == Some(false)).map(|r| r.step.as_str()).collect();
        let mut s = format!(
            "server peak RSS {}, idle {}; driver peak RSS {}\n",
            mb(self.server_peak_rss),
            mb(self.server_idle_rss),
            mb(self.driver_peak_rss)
        );
        if missed.is_empty() {
            s.push_str("every target met\n");
        } else {
            s.push_str(&format!("TARGETS MISSED ({}): {}\n", missed.len(), missed.join("; ")));
        }
        s
    }
}
