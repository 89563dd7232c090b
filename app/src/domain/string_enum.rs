//! One macro for the domain's small vocabularies: a fieldless enum whose
//! every variant has one name, the name it is stored, sent and configured
//! by. Writing the table once keeps `as_str` and `parse` from drifting
//! apart (a name added to one and forgotten in the other) and gives every
//! such enum the same `ALL`, `as_str`, `parse` and `Display`.

/// Declares a fieldless `Copy` enum with its string table:
///
/// ```ignore
/// string_enum! {
///     /// Which way a decision goes.
///     #[derive(Debug, Clone, Copy, PartialEq, Eq)]
///     pub enum Verdict {
///         /// Let the workflow go on.
///         Approve => "approve",
///         Reject => "reject",
///     }
/// }
/// ```
///
/// generates `Verdict::ALL` (every variant, in the order declared),
/// `as_str(self) -> &'static str`, `parse(&str) -> Option<Self>` (exact
/// names only) and `Display` (the name). Attributes and doc comments on
/// the enum and its variants are kept; the derives are the caller's, and
/// must include `Clone` and `Copy`.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident => $text:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in the order declared.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name: the stored, sent and configured form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// The variant with exactly this name; `None` for any other text.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use string_enum;

#[cfg(test)]
mod tests {
    string_enum! {
        /// A vocabulary for the test.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Colour {
            /// Documented variants keep their comments.
            Red => "red",
            DarkBlue => "dark blue",
            Green => "green",
        }
    }

    #[test]
    fn every_variant_round_trips_through_its_name() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue, Colour::Green]);
        for colour in Colour::ALL {
            assert_eq!(Colour::parse(colour.as_str()), Some(*colour));
            assert_eq!(colour.to_string(), colour.as_str());
        }
        assert_eq!(Colour::DarkBlue.as_str(), "dark blue");
    }

    #[test]
    fn unknown_text_is_no_variant() {
        for text in ["", "blue", "Red", " red", "red ", "dark  blue"] {
            assert_eq!(Colour::parse(text), None, "{text:?}");
        }
    }
}
