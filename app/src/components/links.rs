//! Links that keep a page's query string: the same filters, another page.

use leptos_router::params::ParamsMap;

/// `?key=value&…` of `query` with `key` set to `value` (or removed when
/// `None`) and empty values dropped; `""` when nothing is left.
pub fn query_with(query: &ParamsMap, key: &str, value: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query
        .clone()
        .into_iter()
        .filter(|(k, v)| k != key && !v.is_empty())
        .map(|(k, v)| (k.to_string(), v))
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
    fn values_are_encoded() {
        assert_eq!(encode("ada@example.com"), "ada%40example.com");
        assert_eq!(encode("signed in"), "signed%20in");
    }

    #[test]
    fn one_key_is_replaced_and_the_rest_kept() {
        let mut query = ParamsMap::new();
        query.insert("model", "churn model".to_owned());
        query.insert("after", "1.x".to_owned());
        query.insert("q", String::new());
        assert_eq!(
            query_with(&query, "after", Some("2.y")),
            "?model=churn%20model&after=2.y"
        );
        assert_eq!(query_with(&query, "after", None), "?model=churn%20model");
        assert_eq!(query_with(&ParamsMap::new(), "after", None), "");
    }
}
