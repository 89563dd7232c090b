//! Which way is better for a metric, and who said so. A gate must never
//! paint a regression green, so a direction is only ever taken from
//! someone who knows: the request, its threshold, the platform's
//! configuration, or a short table of names whose meaning is not in doubt.
//! Anything else is unknown, and its change is shown as neutral.

use super::intake::Threshold;
use super::string_enum::string_enum;
use glob::{MatchOptions, Pattern};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

string_enum! {
    /// Which way is better for a metric. The names are the contract's and
    /// configuration's words (`"directions": {"p99_latency_ms": "lower"}`,
    /// `--metric-directions`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Direction {
        HigherIsBetter => "higher",
        LowerIsBetter => "lower",
    }
}

string_enum! {
    /// Where a metric's direction came from, strongest first.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum DirectionSource {
        /// The request's `directions`: the pipeline that made the metric.
        Request => "request",
        /// The request's threshold: a minimum only, or a maximum only.
        Threshold => "threshold",
        /// `--metric-directions`, set by whoever runs Signoff.
        Configuration => "configuration",
        /// The table of common metric names ([`COMMON_NAMES`]).
        CommonName => "common name",
    }
}

impl DirectionSource {
    /// How the review page credits it: "as the request says".
    pub fn phrase(self) -> &'static str {
        match self {
            DirectionSource::Request => "as the request says",
            DirectionSource::Threshold => "from its threshold",
            DirectionSource::Configuration => "as Signoff is configured",
            DirectionSource::CommonName => "usual for this name",
        }
    }
}

/// A direction with its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownDirection {
    pub direction: Direction,
    pub source: DirectionSource,
}

impl KnownDirection {
    /// "lower is better, from its threshold".
    pub fn describe(self) -> String {
        format!("{}, {}", self.direction.is_better(), self.source.phrase())
    }
}

impl Direction {
    /// "higher is better" or "lower is better".
    pub fn is_better(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher is better",
            Direction::LowerIsBetter => "lower is better",
        }
    }
}

/// Which way is better for named metrics, set by whoever runs Signoff
/// (`--metric-directions "p99_latency_ms=lower,coverage=higher"`). The
/// request and its thresholds speak first: they know the metric.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectionRules(Vec<(String, Direction)>);

impl DirectionRules {
    /// `name=higher|lower` pairs separated by commas; blank means none.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut rules = Vec::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, direction) = pair
                .split_once('=')
                .ok_or_else(|| format!("\"{pair}\" is not name=higher or name=lower"))?;
            let direction = Direction::parse(&direction.trim().to_ascii_lowercase())
                .ok_or_else(|| format!("\"{pair}\": the direction must be higher or lower"))?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("\"{pair}\" names no metric"));
            }
            rules.push((name.to_owned(), direction));
        }
        Ok(Self(rules))
    }

    fn get(&self, metric: &str) -> Option<Direction> {
        self.0
            .iter()
            .find(|(name, _)| name == metric)
            .map(|(_, direction)| *direction)
    }
}

/// Metric names whose direction is not in doubt, as case-insensitive globs,
/// first match wins. The few "higher" names come first because they would
/// otherwise match a "lower" pattern (`success_rate` is a `*_rate`).
/// README's "Which way is better" lists the same table.
pub const COMMON_NAMES: &[(&str, Direction)] = &[
    ("*auc*", Direction::HigherIsBetter),
    ("*accuracy*", Direction::HigherIsBetter),
    ("*precision*", Direction::HigherIsBetter),
    ("*recall*", Direction::HigherIsBetter),
    ("f1", Direction::HigherIsBetter),
    ("f1_*", Direction::HigherIsBetter),
    ("*_f1", Direction::HigherIsBetter),
    ("*ndcg*", Direction::HigherIsBetter),
    ("*coverage*", Direction::HigherIsBetter),
    ("*throughput*", Direction::HigherIsBetter),
    ("*success*", Direction::HigherIsBetter),
    ("*hit_rate*", Direction::HigherIsBetter),
    ("r2", Direction::HigherIsBetter),
    ("*latency*", Direction::LowerIsBetter),
    ("*error*", Direction::LowerIsBetter),
    ("*_rate", Direction::LowerIsBetter),
    ("*loss*", Direction::LowerIsBetter),
    ("mae", Direction::LowerIsBetter),
    ("mape", Direction::LowerIsBetter),
    ("smape", Direction::LowerIsBetter),
    ("mse", Direction::LowerIsBetter),
    ("rmse", Direction::LowerIsBetter),
    ("ece", Direction::LowerIsBetter),
    ("brier*", Direction::LowerIsBetter),
    ("*perplexity*", Direction::LowerIsBetter),
    ("*drift*", Direction::LowerIsBetter),
    ("*duration*", Direction::LowerIsBetter),
];

static COMMON_PATTERNS: LazyLock<Vec<(Pattern, Direction)>> = LazyLock::new(|| {
    COMMON_NAMES
        .iter()
        .filter_map(|(glob, direction)| Some((Pattern::new(glob).ok()?, *direction)))
        .collect()
});

const ANY_CASE: MatchOptions = MatchOptions {
    case_sensitive: false,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

fn common_name(metric: &str) -> Option<Direction> {
    COMMON_PATTERNS
        .iter()
        .find(|(pattern, _)| pattern.matches_with(metric, ANY_CASE))
        .map(|(_, direction)| *direction)
}

/// What a threshold says about direction: a floor means higher is better,
/// a ceiling lower; a band (both) says nothing.
fn from_threshold(threshold: Threshold) -> Option<Direction> {
    match (threshold.min, threshold.max) {
        (Some(_), None) => Some(Direction::HigherIsBetter),
        (None, Some(_)) => Some(Direction::LowerIsBetter),
        _ => None,
    }
}

/// Which way is better for `metric`: the request's word, else its
/// threshold, else configuration, else the common-name table; `None` when
/// nobody knows.
pub fn resolve(
    metric: &str,
    requested: Option<Direction>,
    threshold: Option<Threshold>,
    rules: &DirectionRules,
) -> Option<KnownDirection> {
    let known = |source| move |direction| KnownDirection { direction, source };
    requested
        .map(known(DirectionSource::Request))
        .or_else(|| {
            threshold
                .and_then(from_threshold)
                .map(known(DirectionSource::Threshold))
        })
        .or_else(|| rules.get(metric).map(known(DirectionSource::Configuration)))
        .or_else(|| common_name(metric).map(known(DirectionSource::CommonName)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOOR: Threshold = Threshold {
        min: Some(0.8),
        max: None,
    };
    const CEILING: Threshold = Threshold {
        min: None,
        max: Some(0.1),
    };
    const BAND: Threshold = Threshold {
        min: Some(0.1),
        max: Some(0.2),
    };

    fn resolved(
        metric: &str,
        requested: Option<Direction>,
        threshold: Option<Threshold>,
        rules: &str,
    ) -> Option<(Direction, DirectionSource)> {
        resolve(
            metric,
            requested,
            threshold,
            &DirectionRules::parse(rules).unwrap(),
        )
        .map(|k| (k.direction, k.source))
    }

    #[test]
    fn the_request_speaks_first_then_threshold_then_configuration_then_the_name() {
        use Direction::*;
        use DirectionSource::*;
        let rules = "p50_latency_ms=higher";
        // The request wins over everything else.
        assert_eq!(
            resolved("p50_latency_ms", Some(HigherIsBetter), Some(CEILING), rules),
            Some((HigherIsBetter, Request))
        );
        // A threshold over configuration.
        assert_eq!(
            resolved("p50_latency_ms", None, Some(CEILING), rules),
            Some((LowerIsBetter, Threshold))
        );
        assert_eq!(
            resolved("score", None, Some(FLOOR), ""),
            Some((HigherIsBetter, Threshold))
        );
        // Configuration over the name table.
        assert_eq!(
            resolved("p50_latency_ms", None, None, rules),
            Some((HigherIsBetter, Configuration))
        );
        // The name table last; a band says nothing, so it falls through.
        assert_eq!(
            resolved("p50_latency_ms", None, Some(BAND), ""),
            Some((LowerIsBetter, CommonName))
        );
    }

    #[test]
    fn a_metric_nobody_knows_has_no_direction() {
        assert_eq!(resolved("score", None, None, ""), None);
        assert_eq!(resolved("score", None, Some(BAND), ""), None);
        assert_eq!(resolved("calibration", None, None, "other=lower"), None);
    }

    #[test]
    fn common_names_read_as_a_practitioner_reads_them() {
        use Direction::*;
        for (name, direction) in [
            ("p50_latency_ms", LowerIsBetter),
            ("Latency_ms", LowerIsBetter),
            ("error_rate", LowerIsBetter),
            ("flagged_rate", LowerIsBetter),
            ("val_loss", LowerIsBetter),
            ("MAPE", LowerIsBetter),
            ("rmse", LowerIsBetter),
            ("ece", LowerIsBetter),
            ("auc", HigherIsBetter),
            ("roc_auc", HigherIsBetter),
            ("precision", HigherIsBetter),
            ("recall_at_10", HigherIsBetter),
            ("f1", HigherIsBetter),
            ("macro_f1", HigherIsBetter),
            ("success_rate", HigherIsBetter),
            ("cache_hit_rate", HigherIsBetter),
        ] {
            assert_eq!(common_name(name), Some(direction), "{name}");
        }
        for unknown in ["score", "mean", "f10", "rates", "map_version"] {
            assert_eq!(common_name(unknown), None, "{unknown}");
        }
        assert_eq!(
            COMMON_PATTERNS.len(),
            COMMON_NAMES.len(),
            "every pattern compiles"
        );
    }

    #[test]
    fn bad_direction_rules_are_named() {
        assert_eq!(
            DirectionRules::parse("auc").unwrap_err(),
            "\"auc\" is not name=higher or name=lower"
        );
        assert_eq!(
            DirectionRules::parse("auc=up").unwrap_err(),
            "\"auc=up\": the direction must be higher or lower"
        );
        assert_eq!(
            DirectionRules::parse("=lower").unwrap_err(),
            "\"=lower\" names no metric"
        );
        assert_eq!(
            DirectionRules::parse(" a = LOWER , b=higher,").unwrap(),
            DirectionRules(vec![
                ("a".into(), Direction::LowerIsBetter),
                ("b".into(), Direction::HigherIsBetter)
            ])
        );
        assert_eq!(
            DirectionRules::parse("").unwrap(),
            DirectionRules::default()
        );
    }

    #[test]
    fn the_page_credits_the_source() {
        let known = KnownDirection {
            direction: Direction::LowerIsBetter,
            source: DirectionSource::Threshold,
        };
        assert_eq!(known.describe(), "lower is better, from its threshold");
    }
}
