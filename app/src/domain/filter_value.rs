//! Filter values as a page's query string gives them: decoded into pairs,
//! and bounded, so that a link cannot ask the store to search for a novel.

/// The decoded `key=value` pairs of a query string (with or without its `?`).
pub fn query_pairs(search: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
        .into_owned()
        .collect()
}

/// Longest filter value accepted (anything longer is not a real search).
pub const MAX_FILTER_CHARS: usize = 200;

/// `value` if it is at most [`MAX_FILTER_CHARS`] long; otherwise an error
/// that names `what` it was.
pub fn limited(value: &str, what: &str) -> Result<String, String> {
    if value.chars().count() > MAX_FILTER_CHARS {
        return Err(format!(
            "the {what} is longer than {MAX_FILTER_CHARS} characters"
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_decoded() {
        assert_eq!(
            query_pairs("?q=fraud+detector&model=a%40b"),
            [
                ("q".into(), "fraud detector".into()),
                ("model".into(), "a@b".into())
            ]
        );
        assert!(query_pairs("").is_empty());
    }

    #[test]
    fn long_values_are_refused_by_name() {
        assert_eq!(limited("churn", "model").as_deref(), Ok("churn"));
        let error = limited(&"x".repeat(201), "model").unwrap_err();
        assert_eq!(error, "the model is longer than 200 characters");
        assert!(
            limited(&"é".repeat(200), "model").is_ok(),
            "characters, not bytes"
        );
    }
}
