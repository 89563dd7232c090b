//! Which S3 artefacts Signoff opens (`--artefact-buckets`): a list of
//! bucket globs, each optionally narrowed to keys matching a glob
//! (`ml-artefacts`, `ml-*/churn/*`). Links and previews act with Signoff's
//! own role, so without a list any object that role can read is open to
//! whoever can send a review request; with one, intake refuses the rest and
//! the review page never asks S3 about them.

use super::S3Location;
use crate::domain::intake::{Artefact, FieldError};
use glob::{MatchOptions, Pattern};

/// One entry of the list: a bucket glob and, optionally, a key glob.
#[derive(Debug, Clone)]
struct Entry {
    bucket: Pattern,
    key: Option<Pattern>,
}

/// The buckets (and key prefixes) Signoff opens.
#[derive(Debug, Clone)]
pub struct ArtefactBuckets {
    entries: Vec<Entry>,
    /// As configured, for `/settings`.
    text: Vec<String>,
}

/// Bucket names hold no `/`, and in a key `*` spans folders (`churn/*` is
/// everything under `churn/`).
const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

impl ArtefactBuckets {
    /// `bucket[/key-glob]` entries separated by commas. A key glob ending in
    /// `/` means everything under it. Every mistake is named.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        let mut shown = Vec::new();
        let mut errors = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match entry(item) {
                Ok(entry) => {
                    entries.push(entry);
                    shown.push(item.to_owned());
                }
                Err(error) => errors.push(error),
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        if entries.is_empty() {
            return Err(
                "names no bucket: give bucket globs such as ml-artefacts,ml-*/churn/*".into(),
            );
        }
        Ok(Self {
            entries,
            text: shown,
        })
    }

    /// The entries as configured.
    pub fn entries(&self) -> &[String] {
        &self.text
    }

    /// Whether Signoff opens this object.
    pub fn allows(&self, at: &S3Location) -> bool {
        self.refusal(at).is_none()
    }

    /// Why Signoff does not open this object, in words; `None` when it
    /// does. A key with a `.` or `..` segment is never opened: a store or
    /// proxy that resolves it would leave the prefix the list allows.
    pub fn refusal(&self, at: &S3Location) -> Option<String> {
        if at
            .key
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            return Some("Signoff does not open keys with . or .. segments".into());
        }
        let in_bucket: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|entry| entry.bucket.matches_with(&at.bucket, OPTIONS))
            .collect();
        if in_bucket.is_empty() {
            return Some(format!(
                "Signoff does not open artefacts in bucket \"{}\"",
                at.bucket
            ));
        }
        let opened = in_bucket.iter().any(|entry| {
            entry
                .key
                .as_ref()
                .is_none_or(|key| key.matches_with(&at.key, OPTIONS))
        });
        (!opened).then(|| {
            format!(
                "Signoff does not open artefacts in bucket \"{}\" outside the key prefixes it allows there",
                at.bucket
            )
        })
    }

    /// Intake's reasons for refusing a request's artefacts: one for each
    /// `s3://` artefact Signoff does not open, naming its label and bucket.
    pub fn refusals(&self, artefacts: &[Artefact]) -> Vec<FieldError> {
        artefacts
            .iter()
            .enumerate()
            .filter_map(|(n, artefact)| {
                let at = S3Location::parse(&artefact.uri)?;
                let refusal = self.refusal(&at)?;
                Some(FieldError {
                    field: format!("review.artefacts[{n}].uri"),
                    reason: format!(
                        "artefact \"{}\": {refusal} (--artefact-buckets)",
                        artefact.label
                    ),
                })
            })
            .collect()
    }
}

fn entry(item: &str) -> Result<Entry, String> {
    let (bucket, key) = match item.split_once('/') {
        Some((bucket, key)) => (bucket, Some(key)),
        None => (item, None),
    };
    if bucket.is_empty() {
        return Err(format!("\"{item}\" names no bucket"));
    }
    let glob = |text: &str| {
        Pattern::new(text).map_err(|e| format!("\"{item}\": \"{text}\" is not a glob: {e}"))
    };
    let key = match key {
        None | Some("") | Some("*") => None,
        Some(key) if key.split('/').any(|s| s == "." || s == "..") => {
            return Err(format!(
                "\"{item}\": a key prefix cannot hold . or .. segments"
            ));
        }
        Some(key) if key.ends_with('/') => Some(glob(&format!("{key}*"))?),
        Some(key) => Some(glob(key)?),
    };
    Ok(Entry {
        bucket: glob(bucket)?,
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(uri: &str) -> S3Location {
        S3Location::parse(uri).expect("an s3 URI")
    }

    #[test]
    fn a_bare_bucket_opens_all_its_keys_and_no_other_bucket() {
        let list = ArtefactBuckets::parse("ml-artefacts").unwrap();
        assert!(list.allows(&at("s3://ml-artefacts/churn/42/report.html")));
        assert!(!list.allows(&at("s3://ml-artefacts-private/x")));
        assert!(!list.allows(&at("s3://secrets/ml-artefacts/x")));
    }

    #[test]
    fn bucket_and_key_are_matched_apart() {
        let list = ArtefactBuckets::parse("ml-*/churn/*, reports/").unwrap();
        assert!(list.allows(&at("s3://ml-prod/churn/42/report.html")));
        assert!(!list.allows(&at("s3://ml-prod/fraud/1/report.html")));
        // The bucket glob does not reach into the key.
        assert!(!list.allows(&at("s3://ml-prod/x/churn/1")));
        assert!(!list.allows(&at("s3://other/churn/1")));
        // "reports/" is the bucket, all of it.
        assert!(list.allows(&at("s3://reports/a/b")));
        assert_eq!(list.entries(), ["ml-*/churn/*", "reports/"]);
    }

    #[test]
    fn a_key_prefix_ending_in_a_slash_means_everything_under_it() {
        let list = ArtefactBuckets::parse("ml-artefacts/churn/").unwrap();
        assert!(list.allows(&at("s3://ml-artefacts/churn/42/report.html")));
        assert!(!list.allows(&at("s3://ml-artefacts/churn-secret/x")));
    }

    #[test]
    fn dot_segments_never_leave_the_prefix() {
        let list = ArtefactBuckets::parse("ml-artefacts/churn/*,open").unwrap();
        assert!(!list.allows(&at("s3://ml-artefacts/churn/../secrets/key.pem")));
        assert!(!list.allows(&at("s3://ml-artefacts/churn/./x")));
        assert!(!list.allows(&at("s3://open/a/../b")));
        // Dots inside a name are just dots.
        assert!(list.allows(&at("s3://ml-artefacts/churn/v1..2/report.html")));
    }

    #[test]
    fn refusals_say_which_bucket() {
        let list = ArtefactBuckets::parse("ml-artefacts/churn/*").unwrap();
        assert_eq!(
            list.refusal(&at("s3://secrets/key.pem")).unwrap(),
            "Signoff does not open artefacts in bucket \"secrets\""
        );
        assert!(list
            .refusal(&at("s3://ml-artefacts/fraud/x"))
            .unwrap()
            .contains("outside the key prefixes"));
        assert_eq!(list.refusal(&at("s3://ml-artefacts/churn/x")), None);
    }

    #[test]
    fn intake_names_the_label_and_bucket_of_each_refused_artefact() {
        let list = ArtefactBuckets::parse("ml-artefacts").unwrap();
        let artefacts = [
            Artefact {
                label: "Report".into(),
                uri: "s3://ml-artefacts/churn/report.html".into(),
            },
            Artefact {
                label: "Keys".into(),
                uri: "s3://secrets/key.pem".into(),
            },
            Artefact {
                label: "Dashboard".into(),
                uri: "https://dashboards.example.com/x".into(),
            },
        ];
        let refused = list.refusals(&artefacts);
        assert_eq!(refused.len(), 1);
        assert_eq!(
            refused[0].to_string(),
            "review.artefacts[1].uri: artefact \"Keys\": Signoff does not open artefacts in bucket \"secrets\" (--artefact-buckets)"
        );
    }

    #[test]
    fn mistakes_are_named() {
        let error = ArtefactBuckets::parse("[bad,/key,ok/../x").unwrap_err();
        assert!(error.contains("\"[bad\""), "{error}");
        assert!(error.contains("\"/key\" names no bucket"), "{error}");
        assert!(error.contains("cannot hold . or .."), "{error}");
        assert!(ArtefactBuckets::parse(" , ").is_err());
    }
}
