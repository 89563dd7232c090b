//! What a bulk decision will do, worked out before it is sent and said
//! after: which reviews go, which are skipped and why, which wait for a
//! tick (an approval despite failing thresholds), the confirm button's
//! words, and each review's line and the summary of the answers.
//!
//! The server re-checks every review it is sent; this only keeps the
//! dialog from promising, or sending, what will not happen.

use crate::api::{BulkOutcome, PreflightRow};
use crate::domain::decision::Verdict;

/// What becomes of one review of the pre-flight table if confirmed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Sent to be decided.
    Decide,
    /// Not sent: the pre-flight says the decision would be refused.
    Refused(String),
    /// Not sent: an approval despite failing thresholds, not ticked.
    NotTicked,
}

/// Whether this row asks for a tick before it is approved: an approval of
/// a review with failing thresholds that is not refused anyway. A
/// rejection needs no such opt-in.
pub fn needs_opt_in(verdict: Verdict, row: &PreflightRow) -> bool {
    verdict == Verdict::Approve && row.failing_thresholds > 0 && row.blocked.is_none()
}

/// What becomes of `row`, given the reviews ticked to approve anyway.
pub fn fate(verdict: Verdict, row: &PreflightRow, ticked: &[String]) -> Fate {
    if let Some(why) = &row.blocked {
        return Fate::Refused(why.clone());
    }
    if needs_opt_in(verdict, row) && !ticked.contains(&row.id) {
        return Fate::NotTicked;
    }
    Fate::Decide
}

/// A bulk decision as it would be sent now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub verdict: Verdict,
    /// Exactly the reviews to send, in the table's order.
    pub send: Vec<String>,
    /// Reviews not sent, each with its fate.
    pub skipped: Vec<(String, Fate)>,
    /// Whether some row could still be included by ticking it.
    pub can_tick: bool,
}

/// The plan for these pre-flight rows.
pub fn plan(verdict: Verdict, rows: &[PreflightRow], ticked: &[String]) -> Plan {
    let mut send = Vec::new();
    let mut skipped = Vec::new();
    for row in rows {
        match fate(verdict, row, ticked) {
            Fate::Decide => send.push(row.id.clone()),
            other => skipped.push((row.id.clone(), other)),
        }
    }
    let can_tick = rows.iter().any(|row| needs_opt_in(verdict, row));
    Plan {
        verdict,
        send,
        skipped,
        can_tick,
    }
}

impl Plan {
    /// Whether anything could be decided here, now or after a tick (if
    /// not, there is nothing to type either).
    pub fn anything_decidable(&self) -> bool {
        !self.send.is_empty() || self.can_tick
    }
}

fn verb(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Approve => "Approve",
        Verdict::Reject => "Reject",
    }
}

fn reviews(count: usize) -> String {
    match count {
        1 => "1 review".to_owned(),
        n => format!("{n} reviews"),
    }
}

/// The dialog's heading: what was asked for.
pub fn heading(verdict: Verdict, count: usize) -> String {
    format!("{} {}", verb(verdict), reviews(count))
}

/// The confirm button's words: only what will be decided, and how many
/// will be skipped.
pub fn confirm_label(plan: &Plan) -> String {
    let verb = verb(plan.verdict);
    match (plan.send.len(), plan.skipped.len()) {
        (0, _) => format!("{verb} none"),
        (n, 0) => format!("{verb} {}", reviews(n)),
        (n, skipped) => format!("{verb} {n} ({skipped} will be skipped)"),
    }
}

/// Why the confirm button is disabled when nothing would be decided.
pub fn nothing_to_decide(plan: &Plan) -> Option<&'static str> {
    if !plan.send.is_empty() {
        return None;
    }
    Some(match (plan.verdict, plan.can_tick) {
        (Verdict::Approve, true) => {
            "Nothing will be approved: each review is refused or has failing thresholds. \
             Tick “Approve anyway” on a review to include it."
        }
        (Verdict::Approve, false) => {
            "None of these reviews can be approved by you: the table says why for each."
        }
        (Verdict::Reject, _) => {
            "None of these reviews can be rejected by you: the table says why for each."
        }
    })
}

/// What the table's last column says of a row before anything is sent.
pub fn fate_text(verdict: Verdict, fate: &Fate) -> String {
    match (verdict, fate) {
        (Verdict::Approve, Fate::Decide) => "Will be approved.".to_owned(),
        (Verdict::Reject, Fate::Decide) => "Will be rejected.".to_owned(),
        (_, Fate::Refused(why)) => format!("✗ Will be skipped: {why}"),
        (_, Fate::NotTicked) => {
            "✗ Left out: thresholds fail. Tick to approve it anyway.".to_owned()
        }
    }
}

/// How one review of a bulk decision ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Decided,
    /// The server refused it (a rule, or someone decided first).
    Refused,
    /// Not recorded (the database failed): worth trying again.
    Failed,
    /// Not sent.
    Skipped,
}

/// One review's line after the answers: its title (for the link), how it
/// ended and the words for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultLine {
    pub id: String,
    pub title: String,
    pub ending: Ending,
    pub message: String,
}

/// A line per review of the table, in its order: the server's answer for
/// those sent, why not for those skipped.
pub fn result_lines(
    rows: &[PreflightRow],
    plan: &Plan,
    outcomes: &[BulkOutcome],
) -> Vec<ResultLine> {
    rows.iter()
        .map(|row| {
            let line = |ending, message: String| ResultLine {
                id: row.id.clone(),
                title: row.title.clone(),
                ending,
                message,
            };
            if let Some(outcome) = outcomes.iter().find(|o| o.id == row.id) {
                let ending = match (outcome.decided, outcome.failed) {
                    (true, _) => Ending::Decided,
                    (false, true) => Ending::Failed,
                    (false, false) => Ending::Refused,
                };
                return line(ending, outcome.message.clone());
            }
            let why = match plan.skipped.iter().find(|(id, _)| *id == row.id) {
                Some((_, Fate::Refused(why))) => why.clone(),
                Some((_, Fate::NotTicked)) => {
                    "Thresholds fail and it was not ticked to approve anyway.".to_owned()
                }
                _ => "No answer came for this review; open it to see where it stands.".to_owned(),
            };
            line(Ending::Skipped, why)
        })
        .collect()
}

/// The summary above the lines, and whether every review was decided (only
/// then is it shown as a success).
pub fn summary(lines: &[ResultLine]) -> (String, bool) {
    let count = |ending| lines.iter().filter(|l| l.ending == ending).count();
    let decided = count(Ending::Decided);
    let mut parts = vec![format!("{decided} decided")];
    for (ending, word) in [
        (Ending::Refused, "refused"),
        (Ending::Failed, "not recorded"),
        (Ending::Skipped, "skipped"),
    ] {
        let n = count(ending);
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    (format!("{}.", parts.join(", ")), decided == lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, failing: usize, blocked: Option<&str>) -> PreflightRow {
        PreflightRow {
            id: id.to_owned(),
            title: format!("Review {id}"),
            model: "m v1".to_owned(),
            thresholds: String::new(),
            failing_thresholds: failing,
            requested_by: None,
            blocked: blocked.map(str::to_owned),
        }
    }

    fn outcome(id: &str, decided: bool, failed: bool) -> BulkOutcome {
        BulkOutcome {
            id: id.to_owned(),
            decided,
            failed,
            message: format!("answer for {id}"),
        }
    }

    fn batch() -> Vec<PreflightRow> {
        vec![
            row("ok1", 0, None),
            row("own", 0, Some("You requested this review.")),
            row("failing", 1, None),
            row("ok2", 0, None),
        ]
    }

    #[test]
    fn an_approval_sends_only_what_will_be_decided() {
        let plan = plan(Verdict::Approve, &batch(), &[]);
        assert_eq!(plan.send, ["ok1", "ok2"]);
        assert_eq!(
            plan.skipped,
            [
                (
                    "own".to_owned(),
                    Fate::Refused("You requested this review.".into())
                ),
                ("failing".to_owned(), Fate::NotTicked),
            ]
        );
        assert!(plan.can_tick);
        assert_eq!(confirm_label(&plan), "Approve 2 (2 will be skipped)");
    }

    #[test]
    fn a_failing_review_goes_only_once_ticked() {
        let ticked = ["failing".to_owned()];
        let plan = plan(Verdict::Approve, &batch(), &ticked);
        assert_eq!(plan.send, ["ok1", "failing", "ok2"]);
        assert_eq!(confirm_label(&plan), "Approve 3 (1 will be skipped)");
        // A tick does not include what is refused anyway.
        let ticked = ["own".to_owned()];
        assert!(!super::plan(Verdict::Approve, &batch(), &ticked)
            .send
            .contains(&"own".to_owned()));
    }

    #[test]
    fn a_rejection_needs_no_opt_in() {
        let plan = plan(Verdict::Reject, &batch(), &[]);
        assert_eq!(plan.send, ["ok1", "failing", "ok2"]);
        assert!(!plan.can_tick);
        assert!(!needs_opt_in(Verdict::Reject, &row("f", 2, None)));
        assert_eq!(confirm_label(&plan), "Reject 3 (1 will be skipped)");
    }

    #[test]
    fn the_label_counts_reviews_when_none_are_skipped() {
        let rows = [row("a", 0, None)];
        assert_eq!(
            confirm_label(&plan(Verdict::Approve, &rows, &[])),
            "Approve 1 review"
        );
        let rows = [row("a", 0, None), row("b", 0, None)];
        assert_eq!(
            confirm_label(&plan(Verdict::Reject, &rows, &[])),
            "Reject 2 reviews"
        );
        assert_eq!(heading(Verdict::Approve, 5), "Approve 5 reviews");
        assert_eq!(heading(Verdict::Reject, 1), "Reject 1 review");
    }

    #[test]
    fn nothing_to_decide_says_why_and_whether_a_tick_helps() {
        let all_refused = [row("a", 0, Some("no")), row("b", 1, Some("no"))];
        let plan_refused = plan(Verdict::Approve, &all_refused, &[]);
        assert_eq!(confirm_label(&plan_refused), "Approve none");
        assert!(!plan_refused.anything_decidable());
        assert!(nothing_to_decide(&plan_refused)
            .unwrap()
            .contains("None of these"));

        let only_failing = [row("a", 1, None)];
        let plan_failing = plan(Verdict::Approve, &only_failing, &[]);
        assert!(plan_failing.anything_decidable());
        assert!(nothing_to_decide(&plan_failing).unwrap().contains("Tick"));
        let ticked = ["a".to_owned()];
        assert_eq!(
            nothing_to_decide(&plan(Verdict::Approve, &only_failing, &ticked)),
            None
        );
    }

    #[test]
    fn each_row_says_what_will_become_of_it() {
        assert_eq!(
            fate_text(Verdict::Approve, &Fate::Decide),
            "Will be approved."
        );
        assert_eq!(
            fate_text(Verdict::Reject, &Fate::Decide),
            "Will be rejected."
        );
        assert_eq!(
            fate_text(Verdict::Approve, &Fate::Refused("Not yours.".into())),
            "✗ Will be skipped: Not yours."
        );
        assert!(fate_text(Verdict::Approve, &Fate::NotTicked).starts_with("✗ Left out"));
    }

    #[test]
    fn result_lines_name_every_review_and_the_summary_is_mixed() {
        let rows = batch();
        let plan = plan(Verdict::Approve, &rows, &[]);
        let outcomes = [outcome("ok1", true, false), outcome("ok2", false, false)];
        let lines = result_lines(&rows, &plan, &outcomes);
        let seen: Vec<_> = lines.iter().map(|l| (l.title.as_str(), l.ending)).collect();
        assert_eq!(
            seen,
            [
                ("Review ok1", Ending::Decided),
                ("Review own", Ending::Skipped),
                ("Review failing", Ending::Skipped),
                ("Review ok2", Ending::Refused),
            ]
        );
        assert_eq!(lines[0].message, "answer for ok1");
        assert_eq!(lines[1].message, "You requested this review.");
        assert!(lines[2].message.contains("not ticked"));
        assert_eq!(
            summary(&lines),
            ("1 decided, 1 refused, 2 skipped.".to_owned(), false)
        );
    }

    #[test]
    fn only_a_full_batch_is_a_success() {
        let rows = [row("a", 0, None), row("b", 0, None)];
        let plan = plan(Verdict::Approve, &rows, &[]);
        let all = [outcome("a", true, false), outcome("b", true, false)];
        assert_eq!(
            summary(&result_lines(&rows, &plan, &all)),
            ("2 decided.".to_owned(), true)
        );
        let broken = [outcome("a", true, false), outcome("b", false, true)];
        let lines = result_lines(&rows, &plan, &broken);
        assert_eq!(lines[1].ending, Ending::Failed);
        assert_eq!(
            summary(&lines),
            ("1 decided, 1 not recorded.".to_owned(), false)
        );
    }
}
