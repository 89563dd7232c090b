//! How log lines are written: every field of every event, the message
//! included, has its control characters escaped (`\n` becomes `\\n`), so a
//! value from a request or a message (a `return_to`, a field of a rejected
//! intake message, an artefact URI) can never start a line of its own and
//! forge an entry, whichever way the call site formatted it.

use std::fmt;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::{debug_fn, Writer};
use tracing_subscriber::fmt::FormatFields;

/// The field formatter `main` installs: `name=value` pairs after the
/// message, as tracing-subscriber's default, with control characters escaped.
pub fn escaped_fields() -> impl for<'w> FormatFields<'w> + Send + Sync + 'static {
    debug_fn(
        |writer: &mut Writer<'_>, field: &tracing::field::Field, value: &dyn fmt::Debug| {
            let text = escape_controls(&format!("{value:?}"));
            if field.name() == "message" {
                writer.write_str(&text)
            } else {
                write!(writer, "{}={text}", field.name())
            }
        },
    )
    .delimited(" ")
}

/// `text` with each control character (newlines, carriage returns, escape
/// sequences) written as its Rust escape.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_value_with_a_newline_logs_as_one_line() {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(escaped_fields())
            .with_ansi(false)
            .with_writer({
                let captured = captured.clone();
                move || captured.clone()
            })
            .finish();
        let forged = "/reviews\n2026-01-01T00:00:00Z  INFO signed in subject=root";
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(return_to = %forged, "refused an unsafe return path");
            tracing::warn!("rejected intake message: {forged}\r\x1b[2K");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].ends_with(
            r"refused an unsafe return path return_to=/reviews\n2026-01-01T00:00:00Z  INFO signed in subject=root"
        ), "{}", lines[0]);
        assert!(
            lines[1].contains(r"subject=root\r\u{1b}[2K"),
            "{}",
            lines[1]
        );
    }

    #[test]
    fn only_control_characters_are_escaped() {
        assert_eq!(escape_controls("a\tb\nc ü \"q\""), "a\\tb\\nc ü \"q\"");
    }
}
