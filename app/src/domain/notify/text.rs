//! Text that goes into a message: what a workflow sent (a title, a model
//! name, a reason) made safe to show on one line, cut to a channel's
//! limit with an ellipsis, and escaped for where it goes (Slack's mrkdwn,
//! HTML) without ever cutting an escape in half.
//!
//! Lengths are counted in UTF-16 code units: Slack's "characters" are at
//! most that many, so a text within the count is within Slack's limit
//! whichever way Slack counts (a character outside the BMP is two units,
//! one code point).

use std::borrow::Cow;

/// Marks text that was cut.
pub const ELLIPSIS: char = '…';

/// How Slack would count `text` at most: its length in UTF-16 code units.
pub fn slack_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `text` on one line: line breaks, tabs and other control characters
/// become spaces, runs of spaces one space; characters that reorder or
/// hide text (bidirectional overrides, zero-width joiners at the edges of
/// words that spoof a name) are dropped. Trimmed.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    let mut space = false;
    for c in text.chars() {
        if hides_or_reorders(c) {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// Bidirectional embeddings, overrides and isolates, and the invisible
/// format characters that would make a title read other than it is.
fn hides_or_reorders(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// `text` escaped by `escape`, within `max` UTF-16 units: cut between
/// characters (never inside an escape) and ended with [`ELLIPSIS`] when it
/// does not fit.
pub fn fit(text: &str, max: usize, escape: impl Fn(char) -> Cow<'static, str>) -> String {
    let mut out = String::new();
    let mut used = 0;
    let ellipsis = ELLIPSIS.len_utf16();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let piece = escape(c);
        let len = slack_len(&piece);
        // The last character may use the room the ellipsis would need.
        let room = if chars.peek().is_some() {
            max.saturating_sub(ellipsis)
        } else {
            max
        };
        if used + len > room {
            if max >= ellipsis {
                out.push(ELLIPSIS);
            }
            return out;
        }
        used += len;
        out.push_str(&piece);
    }
    out
}

/// No escaping: for plain text (e-mail, SNS, Slack's `plain_text`).
pub fn plain(c: char) -> Cow<'static, str> {
    Cow::Owned(c.to_string())
}

/// Slack's mrkdwn: `&`, `<` and `>` are the three characters Slack asks to
/// be escaped (a `<` would otherwise start a link or a `<!channel>`).
pub fn mrkdwn(c: char) -> Cow<'static, str> {
    match c {
        '&' => Cow::Borrowed("&amp;"),
        '<' => Cow::Borrowed("&lt;"),
        '>' => Cow::Borrowed("&gt;"),
        _ => plain(c),
    }
}

/// HTML text and double-quoted attribute values.
pub fn html(c: char) -> Cow<'static, str> {
    let mut buffer = [0u8; 4];
    match html_escape::encode_double_quoted_attribute(c.encode_utf8(&mut buffer)) {
        Cow::Borrowed(same) => Cow::Owned(same.to_owned()),
        Cow::Owned(escaped) => Cow::Owned(escaped),
    }
}

/// A list cut to `max` items, the rest counted: `["a", "b", "and 3 more"]`.
pub fn and_more<T>(items: &[T], max: usize, show: impl Fn(&T) -> String) -> Vec<String> {
    let mut lines: Vec<String> = items.iter().take(max).map(show).collect();
    if items.len() > max {
        lines.push(format!("and {} more", items.len() - max));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_flattens_and_drops_what_hides_text() {
        assert_eq!(one_line("  a\n\tb\r\n  c  "), "a b c");
        assert_eq!(one_line("pay\u{202E}lanigiro"), "paylanigiro");
        assert_eq!(one_line("a\u{200B}b\u{0}c\u{7}"), "ab c");
        assert_eq!(one_line("\n\n"), "");
        assert_eq!(one_line("Ünïcødé 模型 🚀"), "Ünïcødé 模型 🚀");
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_within_the_limit() {
        assert_eq!(fit("abcdef", 6, plain), "abcdef");
        assert_eq!(fit("abcdefg", 6, plain), "abcde…");
        assert_eq!(fit("", 0, plain), "");
        assert_eq!(fit("abc", 0, plain), "");
        // An astral character counts two: it is never split, never over.
        let rockets = "🚀".repeat(10);
        let cut = fit(&rockets, 7, plain);
        assert_eq!(cut, "🚀🚀🚀…");
        assert!(slack_len(&cut) <= 7);
    }

    #[test]
    fn an_escape_is_never_cut_in_half() {
        assert_eq!(fit("a<b", 10, mrkdwn), "a&lt;b");
        assert_eq!(fit("<<<<", 10, mrkdwn), "&lt;&lt;…");
        for max in 0..30 {
            let cut = fit("<&>\"'x<", max, html);
            assert!(slack_len(&cut) <= max, "{max}: {cut}");
            assert!(!cut.contains("&l…") && !cut.contains("&am…"), "{cut}");
        }
        assert_eq!(
            fit("<a href=\"x\">'</a>", 100, html),
            "&lt;a href=&quot;x&quot;&gt;'&lt;/a&gt;"
        );
    }

    #[test]
    fn long_lists_end_with_a_count() {
        let items = [1, 2, 3, 4, 5];
        assert_eq!(
            and_more(&items, 2, |n| n.to_string()),
            ["1", "2", "and 3 more"]
        );
        assert_eq!(and_more(&items, 5, |n| n.to_string()).len(), 5);
    }
}
