//! Whether the person deciding is the requester a workflow named: the rule
//! behind "nobody approves their own request". Names are compared as people
//! read them, not byte by byte: Unicode NFKC and full case folding on both
//! sides, invisible characters dropped, and names that look alike (UTS #39
//! confusables) counted as the same. A wrong "same" only stops someone
//! approving; a wrong "different" lets a requester approve their own
//! deployment, so every doubt falls on the side of "same" or "cannot tell".

use icu_casemap::CaseMapperBorrowed;
use icu_normalizer::ComposingNormalizerBorrowed;
use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory};
use icu_properties::{CodePointMapData, CodePointSetData};

/// The names the identity provider vouched for, as a decider is known by
/// them. Only a verified e-mail belongs here (one whose `email_verified`
/// claim is not false).
#[derive(Debug, Clone, Copy)]
pub struct KnownNames<'a> {
    pub subject: &'a str,
    pub verified_email: Option<&'a str>,
    /// Values of the configured username claims (`preferred_username`, `upn`).
    pub usernames: &'a [String],
}

/// What comparing a decider with a review's requester found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequesterMatch {
    /// The decider is (or looks like) the requester.
    Same,
    /// The decider is someone else.
    Different,
    /// The provider told Signoff nothing to compare the requester's name
    /// with (an e-mail address, but no verified e-mail; a username, but no
    /// username and no e-mail).
    CannotTell,
}

/// Compares the decider known by `names` with the requester `requested_by`.
pub fn compare_requester(names: KnownNames<'_>, requested_by: &str) -> RequesterMatch {
    let wanted = comparable(requested_by);
    if wanted.is_empty() {
        return RequesterMatch::CannotTell;
    }
    let mut full = vec![names.subject];
    full.extend(names.verified_email);
    full.extend(names.usernames.iter().map(String::as_str));
    if full.iter().any(|name| comparable(name) == wanted) {
        return RequesterMatch::Same;
    }
    let emails: Vec<&str> = names
        .verified_email
        .into_iter()
        .chain(names.usernames.iter().map(String::as_str))
        .filter(|name| name.contains('@'))
        .collect();
    if wanted.contains('@') {
        // An address is compared with addresses only.
        return if emails.is_empty() {
            RequesterMatch::CannotTell
        } else {
            RequesterMatch::Different
        };
    }
    // A bare name (`dana`) may be the local part of the decider's address.
    let local_parts = emails
        .iter()
        .filter_map(|email| email.rsplit_once('@').map(|(local, _)| local));
    if local_parts
        .into_iter()
        .any(|local| comparable(local) == wanted)
    {
        return RequesterMatch::Same;
    }
    if names.usernames.is_empty() && names.verified_email.is_none() {
        RequesterMatch::CannotTell
    } else {
        RequesterMatch::Different
    }
}

/// A name reduced to what a reader tells apart: NFKC, full case folding,
/// without default-ignorable characters (zero-width spaces, joiners, bidi
/// marks), trimmed, and then reduced to its UTS #39 skeleton (which
/// decomposes again), so that lookalike letters from other scripts meet.
pub fn comparable(name: &str) -> String {
    let nfkc = ComposingNormalizerBorrowed::new_nfkc();
    let folded = CaseMapperBorrowed::new()
        .fold_string(&nfkc.normalize(name))
        .into_owned();
    let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>();
    let visible: String = folded.chars().filter(|c| !ignorable.contains(*c)).collect();
    unicode_security::skeleton(visible.trim()).collect()
}

/// Why a requester's name cannot be accepted at intake: it holds a
/// character nobody sees (control, format or default-ignorable), so the page
/// would show a name that is not the one compared. Names the first such
/// character and where it is.
pub fn invisible_character(name: &str) -> Option<String> {
    let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>();
    let categories = CodePointMapData::<GeneralCategory>::new();
    name.chars().enumerate().find_map(|(position, c)| {
        let kind = match categories.get(c) {
            GeneralCategory::Control => "a control character",
            GeneralCategory::Format => "a format character",
            _ if ignorable.contains(c) => "a default-ignorable character",
            _ => return None,
        };
        Some(format!(
            "must not contain invisible characters: U+{:04X} ({kind}) at position {}",
            u32::from(c),
            position + 1
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dana<'a>(usernames: &'a [String], email: Option<&'a str>) -> KnownNames<'a> {
        KnownNames {
            subject: "user-dana",
            verified_email: email,
            usernames,
        }
    }

    const EMAIL: Option<&str> = Some("dana@example.com");

    #[test]
    fn the_same_address_in_any_disguise_is_the_same_person() {
        let cases = [
            "dana@example.com",
            "DANA@Example.COM",
            "dana@example.com\u{200B}", // zero-width space (trim() keeps it)
            "da\u{200D}na@example.com", // zero-width joiner
            "\u{FEFF}dana@example.com", // byte order mark
            "ｄａｎａ@ｅｘａｍｐｌｅ.ｃｏｍ", // fullwidth
            " dana@example.com ",
            "dаna@example.com", // Cyrillic а
        ];
        for requested in cases {
            assert_eq!(
                compare_requester(dana(&[], EMAIL), requested),
                RequesterMatch::Same,
                "{requested:?}"
            );
        }
    }

    #[test]
    fn unicode_case_and_normal_forms_meet() {
        let names = KnownNames {
            subject: "sub",
            verified_email: Some("José.Müller@example.com"),
            usernames: &[],
        };
        // NFD (e + combining acute, u + combining diaeresis) against NFC.
        assert_eq!(
            compare_requester(names, "jose\u{301}.mu\u{308}ller@example.com"),
            RequesterMatch::Same
        );
        // Full case folding: ß folds to ss, final sigma to sigma.
        let names = KnownNames {
            subject: "sub",
            verified_email: Some("strasse@example.com"),
            usernames: &[],
        };
        assert_eq!(
            compare_requester(names, "STRAßE@example.com"),
            RequesterMatch::Same
        );
        let greek = ["ΟΔΥΣΣΕΥΣ".to_owned()];
        let names = KnownNames {
            subject: "sub",
            verified_email: None,
            usernames: &greek,
        };
        assert_eq!(compare_requester(names, "οδυσσευς"), RequesterMatch::Same);
    }

    #[test]
    fn a_username_matches_the_local_part_of_an_address_and_the_username_claim() {
        assert_eq!(
            compare_requester(dana(&[], EMAIL), "dana"),
            RequesterMatch::Same
        );
        let usernames = ["dana.k".to_owned()];
        assert_eq!(
            compare_requester(dana(&usernames, None), "Dana.K"),
            RequesterMatch::Same
        );
        let upn = ["dana@corp.example".to_owned()];
        assert_eq!(
            compare_requester(dana(&upn, None), "dana@corp.example"),
            RequesterMatch::Same,
            "a upn is an address"
        );
        assert_eq!(
            compare_requester(dana(&[], EMAIL), "user-dana"),
            RequesterMatch::Same,
            "the subject"
        );
    }

    #[test]
    fn someone_else_is_different() {
        assert_eq!(
            compare_requester(dana(&[], EMAIL), "ci@example.com"),
            RequesterMatch::Different
        );
        assert_eq!(
            compare_requester(dana(&[], EMAIL), "ci-bot"),
            RequesterMatch::Different
        );
        let usernames = ["dana".to_owned()];
        assert_eq!(
            compare_requester(dana(&usernames, None), "eve"),
            RequesterMatch::Different
        );
    }

    #[test]
    fn without_a_claim_to_compare_signoff_cannot_tell() {
        // No e-mail claim (or an unverified one, which the caller leaves
        // out): an address cannot be compared.
        let usernames = ["dana".to_owned()];
        assert_eq!(
            compare_requester(dana(&usernames, None), "dana@example.com"),
            RequesterMatch::CannotTell
        );
        // Only a subject: neither an address nor a username can be compared.
        assert_eq!(
            compare_requester(dana(&[], None), "dana"),
            RequesterMatch::CannotTell
        );
        assert_eq!(
            compare_requester(dana(&[], None), "ci@example.com"),
            RequesterMatch::CannotTell
        );
        // A name that is nothing but invisible characters names nobody.
        assert_eq!(
            compare_requester(dana(&[], EMAIL), "\u{200B}"),
            RequesterMatch::CannotTell
        );
    }

    #[test]
    fn invisible_characters_are_named_with_their_position() {
        assert_eq!(invisible_character("dana@example.com"), None);
        assert_eq!(invisible_character("José Müller"), None);
        assert_eq!(
            invisible_character("dana@example.com\u{200B}").as_deref(),
            Some(
                "must not contain invisible characters: U+200B (a format character) at position 17"
            )
        );
        assert_eq!(
            invisible_character("da\u{7}na").as_deref(),
            Some(
                "must not contain invisible characters: U+0007 (a control character) at position 3"
            )
        );
        assert!(
            invisible_character("\u{2066}ci\u{2069}").is_some(),
            "bidi isolates"
        );
        assert!(
            invisible_character("ci\u{115F}").is_some(),
            "Hangul filler: default-ignorable"
        );
    }
}
