//! Links that keep a page's query string: the same filters, another page.

/// `?key=value&…` of the query string `search` (with or without its `?`)
/// with `key` set to `value` (or removed when `None`) and empty values
/// dropped; `""` when nothing is left.
pub fn query_with(search: &str, key: &str, value: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> =
        form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
            .into_owned()
            .filter(|(k, v)| k != key && !v.is_empty())
            .collect();
    if let Some(value) = value {
        pairs.push((key.to_owned(), value.to_owned()));
    }
    if pairs.is_empty() {
        return String::new();
    }
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("?{}", encoded.join("&"))
}

/// Whether the query string `search` has `key`.
pub fn query_has(search: &str, key: &str) -> bool {
    form_urlencoded::parse(search.trim_start_matches('?').as_bytes()).any(|(k, _)| k == key)
}

/// The first non-empty value the query string `search` gives `key`.
pub fn query_value(search: &str, key: &str) -> Option<String> {
    form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
        .find(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
}

/// Percent-encodes a query key or value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_read_trimmed_and_empty_means_none() {
        assert_eq!(
            query_value("?view=mine&q=a", "view").as_deref(),
            Some("mine")
        );
        assert_eq!(
            query_value("?view=+&view=needs-me", "view").as_deref(),
            Some("needs-me")
        );
        assert_eq!(query_value("?q=a", "view"), None);
    }

    #[test]
    fn values_are_encoded() {
        assert_eq!(encode("ada@example.com"), "ada%40example.com");
        assert_eq!(encode("signed in"), "signed%20in");
    }

    #[test]
    fn one_key_is_replaced_and_the_rest_kept() {
        let search = "?model=churn+model&after=1.x&q=";
        assert_eq!(
            query_with(search, "after", Some("2.y")),
            "?model=churn%20model&after=2.y"
        );
        assert_eq!(query_with(search, "after", None), "?model=churn%20model");
        assert_eq!(query_with("", "after", None), "");
    }

    #[test]
    fn keys_are_found() {
        assert!(query_has("?model=a&after=1.x", "after"));
        assert!(!query_has("model=after", "after"));
    }

    #[test]
    fn encoded_values_survive_a_round_trip() {
        let search = query_with("", "actor", Some("ada@example.com & co"));
        assert_eq!(query_with(&search, "after", None), search);
    }
}
