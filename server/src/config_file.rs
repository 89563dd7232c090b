//! The configuration file (TOML, `--config`): the platform's approval
//! policy, one `[[policy]]` table per rule (the fields of
//! [`app::domain::policy::PolicyRule`]), and who is told about reviews,
//! the `[notify]` section with its `[[notify.route]]` tables
//! ([`app::domain::notify::route::NotifySection`]). Unknown keys are
//! refused, so a typo in a security rule stops start-up instead of
//! loosening it. The file's SHA-256 is its version: every policy resolved
//! from it carries it.

use anyhow::Context;
use app::domain::notify::route::{NotifySection, NotifySettings};
use app::domain::policy::{Policies, PolicyRule};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    policy: Vec<PolicyRule>,
    notify: Option<NotifySection>,
}

/// The file, checked as a whole; its default is no file at all.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `None`: the file holds no policy rules, so each request sets its
    /// own (as without a file).
    pub policies: Option<Policies>,
    /// The `[notify]` section, or its defaults when there is none.
    pub notify: NotifySettings,
}

/// Reads and checks the file at `path`. `Ok(None)`: it holds no policy
/// rules, so each request sets its own (as without a file).
pub fn load(path: &Path) -> anyhow::Result<Option<Policies>> {
    Ok(load_config(path)?.policies)
}

/// Parses a configuration file's bytes.
pub fn parse(bytes: &[u8]) -> anyhow::Result<Option<Policies>> {
    Ok(parse_config(bytes)?.policies)
}

/// Reads and checks the whole file at `path`: policies and notifications.
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("reading the configuration {}", path.display()))?;
    parse_config(&bytes).with_context(|| format!("in the configuration {}", path.display()))
}

/// Parses a whole configuration file's bytes; the problems of every
/// section are named at once.
pub fn parse_config(bytes: &[u8]) -> anyhow::Result<Config> {
    let text = std::str::from_utf8(bytes).context("the file is not UTF-8")?;
    let file: ConfigFile = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let version = hex::encode(Sha256::digest(bytes));
    let policies = if file.policy.is_empty() {
        Ok(None)
    } else {
        Policies::new(file.policy, version).map(Some)
    };
    let notify = NotifySettings::new(file.notify.unwrap_or_default());
    match (policies, notify) {
        (Ok(policies), Ok(notify)) => Ok(Config { policies, notify }),
        (policies, notify) => {
            let problems: Vec<String> = [policies.err(), notify.err()]
                .into_iter()
                .flatten()
                .flatten()
                .collect();
            Err(anyhow::anyhow!("{}", problems.join("\n")))
        }
    }
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
    fn the_shipped_examples_notify_section_is_valid_once_uncommented() {
        let example = include_str!("../../deploy/signoff.example.toml");
        let (_, section) = example
            .split_once("# [notify]\n")
            .expect("a commented [notify] example");
        // Its settings are commented with "# ", its prose with "## ".
        let uncommented: String = std::iter::once("[notify]")
            .chain(
                section
                    .lines()
                    .filter(|l| !l.starts_with("##"))
                    .map(|line| {
                        line.strip_prefix("# ")
                            .or(line.strip_prefix('#'))
                            .unwrap_or(line)
                    }),
            )
            .map(|line| format!("{line}\n"))
            .collect();
        let config = parse_config(uncommented.as_bytes()).unwrap();
        let notify = config.notify;
        assert!(notify.routes().len() >= 2, "{uncommented}");
        assert!(notify
            .routes()
            .iter()
            .any(|r| r.escalate_to.is_some() && r.digest_minutes.is_none()));
        assert!(parse_config(example.as_bytes())
            .unwrap()
            .notify
            .routes()
            .is_empty());
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
    fn a_file_without_notify_has_the_defaults() {
        let config = parse_config(b"[[policy]]\nname = \"a\"\n").unwrap();
        assert!(config.policies.is_some());
        assert_eq!(config.notify.reminders(), [0.5, 0.8]);
        assert_eq!(config.notify.escalate_at(), 0.9);
        assert!(config.notify.routes().is_empty());
        let empty = parse_config(b"").unwrap();
        assert!(empty.policies.is_none() && empty.notify.notify_requester());
    }

    #[test]
    fn the_notify_section_is_read_with_its_routes() {
        let config = parse_config(
            br#"
[notify]
reminders = [0.25]
escalate_at = 0.75
stuck_after_minutes = 10
notify_requester = false

[[notify.route]]
name = "prod-reviewers"
state_machines = ["model-release-*"]
stages = ["production"]
events = ["arrived", "escalated"]
slack = ["C0123ABCD"]
webhook = [{ url = "https://hooks.example.com/x", secret_env = "SIGNOFF_WEBHOOK_SECRET" }]
digest_minutes = 15
escalate_to = "ml-leads"

[[notify.route]]
name = "ml-leads"
email = ["ml-leads@example.com"]
"#,
        )
        .unwrap();
        assert!(config.policies.is_none(), "notify alone sets no policy");
        let notify = &config.notify;
        assert_eq!(
            (notify.reminders(), notify.escalate_at()),
            (&[0.25][..], 0.75)
        );
        assert_eq!(notify.stuck_after_ms(), 600_000);
        assert!(!notify.notify_requester());
        let names: Vec<&str> = notify.routes().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["prod-reviewers", "ml-leads"]);
        let prod = &notify.routes()[0];
        assert_eq!(prod.digest_minutes, Some(15));
        assert_eq!(prod.webhook[0].secret_env, "SIGNOFF_WEBHOOK_SECRET");
    }

    #[test]
    fn notify_mistakes_are_named_with_the_policys() {
        let typo = parse_config(b"[notify]\nreminder = [0.5]\n").unwrap_err();
        assert!(
            format!("{typo:#}").contains("unknown field `reminder`"),
            "{typo:#}"
        );
        let route_typo =
            parse_config(b"[[notify.route]]\nname = \"a\"\nchannels = [\"C1\"]\n").unwrap_err();
        assert!(
            format!("{route_typo:#}").contains("unknown field `channels`"),
            "{route_typo:#}"
        );
        let both = parse_config(
            b"[[policy]]\nname = \"two words\"\n[notify]\nescalate_at = 2.0\n[[notify.route]]\nname = \"a\"\n",
        )
        .unwrap_err();
        assert_eq!(
            format!("{both}"),
            "policy 1 (\"two words\"): name must be 1 to 64 letters, digits, '-', '_' or '.'\n\
             notify.escalate_at must be above 0 and at most 1\n\
             notify.route 1 (\"a\"): no destination: name at least one slack, email, sns, webhook or groups"
        );
        assert!(
            parse(b"[notify]\nescalate_at = 2.0\n").is_err(),
            "parse checks it too"
        );
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
