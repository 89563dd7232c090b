//! How server functions' answers travel: JSON, as with Leptos's `Json`,
//! but read in the browser from text instead of bytes.
//!
//! Why: island props and resources arrive as text, and `serde_json` builds
//! one deserializer per type *and* per kind of input. Reading answers from
//! text too means each type the browser receives has one deserializer in
//! the bundle instead of two. On the wire nothing changes.

use serde::{de::DeserializeOwned, Serialize};
use server_fn::codec::Post;
use server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};

/// JSON read from UTF-8 text.
pub struct JsonText;

/// The output encoding of every server function (`output = JsonAnswer`).
pub type JsonAnswer = Post<JsonText>;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_round_trip() {
        let sent = vec![Some("a".to_owned()), None];
        let bytes = <JsonText as Encodes<_>>::encode(&sent).expect("encodes");
        let read: Vec<Option<String>> = JsonText::decode(bytes).expect("decodes");
        assert_eq!(read, sent);
    }

    #[test]
    fn bytes_that_are_not_text_are_an_error() {
        let read: Result<String, _> = JsonText::decode(Bytes::from_static(b"\"\xff\""));
        assert!(read.is_err());
    }
}
