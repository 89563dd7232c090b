//! `cargo xtask bench`: the release site, a fresh emulator, the Slack
//! stand-in, and the load benchmark (server/benches/load), which seeds its
//! own database, starts the release server on it and prints the figures
//! docs/benchmarks.md keeps.

use crate::paths::Paths;
use crate::process::{cargo, check, free_port, step};
use crate::{emulator, setup, site, slack};
use anyhow::{bail, Context};

const USAGE: &str = "usage: cargo xtask bench [--reviews N] [--audit-entries N] [--requests N] [--concurrency N] [--rounds N] [--decisions N] [--slack-reviews N] [--pages WORDS] | --fuzz-intake N";

/// Flags and the benchmark's environment variable each one sets.
const FLAGS: [(&str, &str); 9] = [
    ("--reviews", "SIGNOFF_BENCH_REVIEWS"),
    ("--audit-entries", "SIGNOFF_BENCH_AUDIT_ENTRIES"),
    ("--requests", "SIGNOFF_BENCH_REQUESTS"),
    ("--concurrency", "SIGNOFF_BENCH_CONCURRENCY"),
    ("--rounds", "SIGNOFF_BENCH_ROUNDS"),
    ("--decisions", "SIGNOFF_BENCH_DECISIONS"),
    ("--slack-reviews", "SIGNOFF_BENCH_SLACK_REVIEWS"),
    // Only the pages whose row names one of these comma-separated words
    // (the bare page always, as the yardstick), and no decisions: for
    // looking at one page while working on it ("slack" for the Slack rows).
    (PAGES, "SIGNOFF_BENCH_PAGES"),
    // Only the intake fuzz run: no site, no emulator, no server.
    ("--fuzz-intake", FUZZ_INTAKE),
];
const FUZZ_INTAKE: &str = "SIGNOFF_BENCH_FUZZ_INTAKE";
/// The one flag whose value is words, not a number.
const PAGES: &str = "--pages";

pub fn run(paths: &Paths, args: &[String]) -> anyhow::Result<()> {
    let settings = parse(args)?;
    if settings
        .iter()
        .any(|(variable, _)| *variable == FUZZ_INTAKE)
    {
        step("fuzzing the intake path (release build of the benchmark)");
        let mut bench = cargo();
        bench
            .args(["bench", "-p", "server", "--bench", "load"])
            .envs(settings);
        return check(&mut bench);
    }
    site::build_site(paths, site::Profile::Release)?;
    let runs = paths.runs();
    std::fs::create_dir_all(&runs)?;
    setup::moto(paths)?;
    let emulator = emulator::start(paths, free_port()?, &runs.join("bench-emulator.log"))?;
    // Each click the benchmark asks for names the server it is meant for.
    let stand_in = slack::start(
        paths,
        free_port()?,
        "http://127.0.0.1:9/slack/interactions",
        &runs.join("bench-slack.log"),
    )?;
    let stand_in_base = stand_in.page_url.trim_end_matches('/');
    step("running the benchmark (release build of the server and the benchmark)");
    let mut bench = cargo();
    bench
        .args(["bench", "-p", "server", "--bench", "load"])
        .env("SIGNOFF_BENCH_AWS_ENDPOINT", &emulator.url)
        .env("SIGNOFF_BENCH_SITE_ROOT", paths.site())
        .env("SIGNOFF_BENCH_SLACK_URL", stand_in_base)
        .env("SIGNOFF_BENCH_SLACK_TOKEN", slack::TEST_TOKEN)
        .env(
            "SIGNOFF_BENCH_SLACK_SIGNING_SECRET",
            slack::TEST_SIGNING_SECRET,
        )
        .envs(settings);
    check(&mut bench)
}

/// `--flag N` pairs as environment variables for the benchmark.
fn parse(args: &[String]) -> anyhow::Result<Vec<(&'static str, String)>> {
    let mut settings = Vec::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let Some((_, variable)) = FLAGS.iter().find(|(name, _)| name == flag) else {
            bail!("unknown option {flag:?}\n{USAGE}");
        };
        let value = rest
            .next()
            .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
        if flag != PAGES {
            value
                .parse::<usize>()
                .with_context(|| format!("{flag} {value}: not a number\n{USAGE}"))?;
        }
        settings.push((*variable, value.clone()));
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_become_the_benchmarks_settings() {
        let settings = parse(&strings(&["--reviews", "500", "--requests", "20"])).unwrap();
        assert_eq!(
            settings,
            vec![
                ("SIGNOFF_BENCH_REVIEWS", "500".to_owned()),
                ("SIGNOFF_BENCH_REQUESTS", "20".to_owned())
            ]
        );
    }

    #[test]
    fn the_fuzz_flag_sets_its_count() {
        let settings = parse(&strings(&["--fuzz-intake", "1000000"])).unwrap();
        assert_eq!(settings, vec![(FUZZ_INTAKE, "1000000".to_owned())]);
    }

    #[test]
    fn unknown_flags_and_missing_numbers_are_refused() {
        assert!(parse(&strings(&["--fast"])).is_err());
        assert!(parse(&strings(&["--reviews"])).is_err());
        assert!(parse(&strings(&["--reviews", "many"])).is_err());
        assert!(parse(&strings(&["--pages"])).is_err());
    }

    #[test]
    fn pages_are_words() {
        let settings = parse(&strings(&["--pages", "review,queue"])).unwrap();
        assert_eq!(
            settings,
            vec![("SIGNOFF_BENCH_PAGES", "review,queue".to_owned())]
        );
    }
}
