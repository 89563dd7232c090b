//! The people directory: written at each sign-in through the real
//! provider, and read by an escalation to a group, which e-mails the
//! group's members (as last seen) through the real SMTP server.

use crate::channels::{maildir, smtp_url};
use crate::helpers::{config_file, sample_review, short_id, spawn_app, spawn_app_with, PATIENCE};
use crate::signin::signed_in;
use app::domain::actor::Role;
use mail_parser::MessageParser;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_sign_in_records_the_person_found_by_verified_email() {
    let app = spawn_app().await;
    assert_eq!(app.probe.person_by_email("lee@example.com").await, None);
    signed_in(&app, "lee").await;
    let lee = app
        .probe
        .person_by_email("LEE@example.com")
        .await
        .expect("lee, found without regard to case");
    assert_eq!(
        (
            lee.subject.as_str(),
            lee.email.as_deref(),
            lee.email_verified,
            lee.display_name.as_str(),
            lee.role,
            lee.groups.clone()
        ),
        (
            "user-lee",
            Some("lee@example.com"),
            true,
            "Lee Lead",
            Role::Lead,
            vec!["ml-leads".to_owned()]
        )
    );
    assert!(lee.last_seen_ms > 0);
    app.stop().await;
}

#[tokio::test]
async fn a_directory_that_cannot_be_written_keeps_nobody_out() {
    let app = spawn_app().await;
    app.probe.lose_the_people_directory().await;
    let cookie = signed_in(&app, "ada").await;
    let me = app
        .http
        .post_form(&format!("{}/api/me", app.base), &[], Some(&cookie))
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert!(me.body.contains("ada@example.com"), "{}", me.body);
    app.stop().await;
}

/// Every e-mail mentioning `text`, as (recipient, subject and text part),
/// sorted by recipient.
fn mails_mentioning(text: &str) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(maildir().join("new")) else {
        return Vec::new();
    };
    let mut mails: Vec<(String, String)> = entries
        .filter_map(|entry| std::fs::read(entry.ok()?.path()).ok())
        .filter_map(|raw| {
            let mail = MessageParser::default().parse(&raw)?;
            let shown = format!(
                "{}\n{}",
                mail.subject().unwrap_or_default(),
                mail.body_text(0).unwrap_or_default()
            );
            let to = mail.header_raw("X-RcptTo").unwrap_or_default().trim();
            shown.contains(text).then(|| (to.to_owned(), shown))
        })
        .collect();
    mails.sort();
    mails
}

/// Waits until some e-mail mentioning `text` arrived, then a little
/// longer (so one too many shows); every one that did.
async fn mails_about(text: &str) -> Vec<(String, String)> {
    let deadline = Instant::now() + PATIENCE;
    while mails_mentioning(text).is_empty() {
        assert!(Instant::now() < deadline, "no e-mail mentions {text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    mails_mentioning(text)
}

#[tokio::test]
async fn an_escalation_to_a_group_e_mails_its_members_as_last_seen_and_nobody_else() {
    let id = short_id();
    let team = format!("team-{id}@example.com");
    let (_dir, config) = config_file(&format!(
        "[notify]\nreminders = []\nescalate_at = 0.3\n\
         [[notify.route]]\nname = \"reviewers\"\nevents = [\"escalated\"]\n\
         email = [\"{team}\"]\nescalate_to = \"leads\"\n\
         [[notify.route]]\nname = \"leads\"\nevents = [\"escalated\"]\nstages = [\"nowhere\"]\n\
         groups = [\"ml-leads\"]\n"
    ));
    let app = spawn_app_with(|args| {
        args.config = Some(config);
        args.notify.smtp_url = Some(smtp_url());
        args.notify.email_from = Some("Signoff <signoff@example.com>".into());
    })
    .await;
    // Lee leads; ada and bob review: all three signed in, so all three are
    // in the directory, but only lee is in ml-leads.
    for username in ["lee", "ada", "bob"] {
        signed_in(&app, username).await;
    }
    // Twenty seconds to the deadline: the escalation at 6 s.
    let mut review = sample_review();
    review["timeoutSeconds"] = json!(20);
    review["title"] = json!(format!("Escalates {id}"));
    let (_arn, review_id) = app.new_review(&review, &json!({})).await;

    let mails = mails_about(&format!("Escalates {id}")).await;
    let recipients: Vec<&str> = mails.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(
        recipients,
        ["lee@example.com"],
        "the escalation goes to the group route instead of the reviewers' own, once"
    );
    assert!(
        mails[0].1.contains(&format!("/reviews/{review_id}")),
        "{}",
        mails[0].1
    );
    assert_eq!(app.probe.audit_count_of(&review_id, "escalated").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn groups_without_e_mail_stop_start_up() {
    let (_dir, config) = config_file(
        "[[notify.route]]\nname = \"leads\"\nevents = [\"escalated\"]\ngroups = [\"ml-leads\"]\n",
    );
    let endpoint = crate::helpers::emulator_endpoint();
    let dir = crate::http::ScratchDir::new();
    let database_url = dir.database_url();
    let mut args = crate::helpers::serve_args(&endpoint, &database_url);
    args.config = Some(config);
    let error = match server::start(args).await {
        Ok(server) => {
            server.stop().await;
            panic!("started without e-mail for a group route");
        }
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("names groups") && error.contains("--smtp-url"),
        "{error}"
    );
}
