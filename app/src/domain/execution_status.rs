//! A Step Functions execution's status, as `DescribeExecution` and the
//! execution status events name it. Step Functions has added statuses
//! before (`PENDING_REDRIVE`), so one it adds later is kept as it said it,
//! never refused: the review it concerns is then closed with that name in
//! its reason, not left pending for ever.

use std::fmt;

/// Where an execution is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
    /// A failed execution waiting to be redriven: it may run again.
    PendingRedrive,
    /// A status not known here, as Step Functions names it (only for
    /// names none of the above has: [`ExecutionStatus::parse`] makes it).
    Other(String),
}

impl ExecutionStatus {
    /// The statuses known here.
    pub const KNOWN: [ExecutionStatus; 6] = [
        ExecutionStatus::Running,
        ExecutionStatus::Succeeded,
        ExecutionStatus::Failed,
        ExecutionStatus::TimedOut,
        ExecutionStatus::Aborted,
        ExecutionStatus::PendingRedrive,
    ];

    /// Step Functions' name for it (`RUNNING`, `TIMED_OUT`, …).
    pub fn as_str(&self) -> &str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
            ExecutionStatus::PendingRedrive => "PENDING_REDRIVE",
            ExecutionStatus::Other(name) => name,
        }
    }

    /// The status Step Functions names `text`; any name not known here is
    /// [`ExecutionStatus::Other`].
    pub fn parse(text: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|status| status.as_str() == text)
            .unwrap_or_else(|| ExecutionStatus::Other(text.to_owned()))
    }

    /// Whether the execution may still take a task's answer: it runs, or
    /// it may run again.
    pub fn still_waits(&self) -> bool {
        matches!(
            self,
            ExecutionStatus::Running | ExecutionStatus::PendingRedrive
        )
    }
}

impl fmt::Display for ExecutionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_read_back_as_their_status() {
        for status in ExecutionStatus::KNOWN {
            assert_eq!(ExecutionStatus::parse(status.as_str()), status);
            assert_eq!(status.to_string(), status.as_str());
        }
        assert_eq!(ExecutionStatus::TimedOut.as_str(), "TIMED_OUT");
        assert_eq!(
            ExecutionStatus::parse("PENDING_REDRIVE"),
            ExecutionStatus::PendingRedrive
        );
    }

    #[test]
    fn a_status_added_later_is_kept_as_named() {
        let later = ExecutionStatus::parse("PAUSED");
        assert_eq!(later, ExecutionStatus::Other("PAUSED".into()));
        assert_eq!(later.as_str(), "PAUSED");
        assert!(!later.still_waits());
        assert_eq!(
            ExecutionStatus::parse("running"),
            ExecutionStatus::Other("running".into()),
            "names are Step Functions' own, in capitals"
        );
    }

    #[test]
    fn only_a_running_or_redrivable_execution_still_waits() {
        let waiting: Vec<ExecutionStatus> = ExecutionStatus::KNOWN
            .into_iter()
            .filter(ExecutionStatus::still_waits)
            .collect();
        assert_eq!(
            waiting,
            [ExecutionStatus::Running, ExecutionStatus::PendingRedrive]
        );
    }
}
