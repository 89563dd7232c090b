//! The configuration file (TOML, `--config`): the platform's approval
//! policy, one `[[policy]]` table per rule (the fields of
//! [`app::domain::policy::PolicyRule`]). Unknown keys are refused, so a
//! typo in a security rule stops start-up instead of loosening it. The
//! file's SHA-256 is its version: every policy resolved from it carries it.

use anyhow::Context;
use app::domain::policy::{Policies, PolicyRule};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    policy: Vec<PolicyRule>,
}

/// Reads and checks the file at `path`. `Ok(None)`: it holds no policy
/// rules, so each request sets its own (as without a file).
pub fn load(path: &Path) -> anyhow::Result<Option<Policies>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("reading the configuration {}", path.display()))?;
    parse(&bytes).with_context(|| format!("in the configuration {}", path.display()))
}

/// Parses a configuration file's bytes.
pub fn parse(bytes: &[u8]) -> anyhow::Result<Option<Policies>> {
    let text = std::str::from_utf8(bytes).context("the file is not UTF-8")?;
    let file: ConfigFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    if file.policy.is_empty() {
        return Ok(None);
    }
    let version = hex::encode(Sha256::digest(bytes));
    Policies::new(file.policy, version)
        .map(Some)
        .map_err(|problems| anyhow::anyhow!("{}", problems.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_example_is_valid_and_asks_two_approvals_for_production() {
        let example = include_bytes!("../../deploy/signoff.example.toml");
        let policies = parse(example).unwrap().expect("rules");
        let production = policies
            .rules()
            .iter()
            .find(|r| r.stages.iter().any(|s| s.matches("production")))
            .expect("a production rule");
        assert!(production.min_approvals >= 2, "{}", production.name);
        assert_eq!(policies.version().len(), 64);
    }

    #[test]
    fn the_demos_file_is_valid() {
        parse(include_bytes!("../../end2end/signoff-demo.toml"))
            .unwrap()
            .expect("rules");
    }

    #[test]
    fn mistakes_are_named() {
        let typo = parse(b"[[policy]]\nname = \"a\"\nmin_aprovals = 2\n").unwrap_err();
        assert!(
            format!("{typo:#}").contains("unknown field `min_aprovals`"),
            "{typo:#}"
        );
        let rule = parse(
            b"[[policy]]\nname = \"a\"\n[policy.auto_approve]\nstage_not = [\"production\"]\n",
        )
        .unwrap_err();
        assert!(
            format!("{rule:#}").contains("auto_approve checks no thresholds"),
            "{rule:#}"
        );
        assert!(parse(b"").unwrap().is_none(), "no rules: the requests' own");
    }

    #[test]
    fn the_version_changes_with_the_file() {
        let one = parse(b"[[policy]]\nname = \"a\"\n").unwrap().unwrap();
        let two = parse(b"[[policy]]\nname = \"a\"\nmin_approvals = 2\n")
            .unwrap()
            .unwrap();
        assert_ne!(one.version(), two.version());
    }
}
