//! URLs as Signoff shows them (on `/settings`, in `Debug` output): without
//! the credentials a URL can carry: the password of `user:password@`, and
//! the values of query parameters that name a secret (`password`,
//! `X-Amz-Signature`, `token`, …).

use url::Url;

/// What a query parameter's name says it holds a secret.
const SECRET_PARAMETERS: [&str; 8] = [
    "pass",
    "secret",
    "token",
    "key",
    "signature",
    "credential",
    "auth",
    "session",
];

const REDACTED: &str = "[redacted]";

/// `url` without its credentials. Text that is not a URL is shown only up
/// to a `user:password@` part it may hold.
pub fn url(text: &str) -> String {
    let Ok(mut url) = Url::parse(text) else {
        return without_userinfo_password(text);
    };
    let mut changed = false;
    if url.password().is_some() {
        // Only fails for URLs that cannot have credentials, which have none.
        changed = url.set_password(None).is_ok();
    }
    let secret = |name: &str| {
        let name = name.to_ascii_lowercase();
        SECRET_PARAMETERS.iter().any(|part| name.contains(part))
    };
    if url.query_pairs().any(|(name, _)| secret(&name)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| {
                let value = if secret(&name) {
                    REDACTED.into()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        changed = true;
    }
    // Unchanged, it is shown as given (the parser would add a `/`).
    if changed {
        url.to_string()
    } else {
        text.to_owned()
    }
}

/// `scheme://user:secret@rest` → `scheme://user@rest`, for text the URL
/// parser refuses.
fn without_userinfo_password(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &text[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{user}{}", &text[..scheme + 3], &text[at..])
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::url;

    #[test]
    fn passwords_in_urls_are_not_shown() {
        assert_eq!(
            url("postgres://app:s3cret@db:5432/signoff"),
            "postgres://app@db:5432/signoff"
        );
        assert_eq!(
            url("https://user:pa%40ss@sqs.eu-west-1.amazonaws.com/123/q"),
            "https://user@sqs.eu-west-1.amazonaws.com/123/q"
        );
        assert_eq!(url("sqlite://signoff.db"), "sqlite://signoff.db");
        assert_eq!(url("http://127.0.0.1:5000"), "http://127.0.0.1:5000");
    }

    #[test]
    fn secret_query_parameters_are_redacted() {
        let shown =
            url("postgres://db/signoff?sslmode=require&password=s3cret&X-Amz-Signature=abc");
        assert!(
            !shown.contains("s3cret") && !shown.contains("abc"),
            "{shown}"
        );
        assert!(shown.contains("sslmode=require"), "{shown}");
        assert!(shown.contains("password=%5Bredacted%5D"), "{shown}");
    }

    #[test]
    fn text_that_is_not_a_url_loses_its_password_too() {
        assert_eq!(url("db://a:b@c d"), "db://a@c d");
        assert_eq!(url("signoff.db"), "signoff.db");
    }
}
