//! Notifications end to end: a review arriving and its decision reach the
//! routes of the configuration file through the real SMTP server and the
//! emulator's SNS, and the requester hears the outcome. No message holds
//! the task token, an artefact URI or a presigned link.

use crate::channels::{
    delivered_to, delivered_to_in, maildir, receive, smtp_url, topic_with_queue,
};
use crate::helpers::{config_file, sample_review, short_id, spawn_app_with, PATIENCE};
use mail_parser::MessageParser;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// Waits until `count` e-mails to `to` arrived, then a little longer, and
/// returns every one that did (so one too many shows).
pub async fn mails_to(to: &str, count: usize) -> Vec<String> {
    mails_in(&maildir(), to, count, PATIENCE).await
}

/// [`mails_to`] in the Maildir `maildir`, waiting at most `patience`.
pub async fn mails_in(maildir: &Path, to: &str, count: usize, patience: Duration) -> Vec<String> {
    let deadline = Instant::now() + patience;
    while delivered_to_in(maildir, to).len() < count {
        assert!(
            Instant::now() < deadline,
            "{} of {count} e-mails to {to} arrived",
            delivered_to_in(maildir, to).len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    delivered_to_in(maildir, to)
        .iter()
        .map(|raw| {
            let mail = MessageParser::default().parse(raw).expect("a MIME message");
            format!(
                "{}\n{}\n{}",
                mail.subject().unwrap_or_default(),
                mail.body_text(0).unwrap_or_default(),
                mail.body_html(0).unwrap_or_default()
            )
        })
        .collect()
}

/// An app with the configuration at `config`, sending e-mail through the
/// tests' SMTP server.
async fn notifying_app(config: std::path::PathBuf) -> crate::helpers::TestApp {
    spawn_app_with(|args| {
        args.config = Some(config);
        args.notify.smtp_url = Some(smtp_url());
        args.notify.email_from = Some("Signoff <signoff@example.com>".into());
    })
    .await
}

#[tokio::test]
async fn an_arrival_and_its_decision_reach_the_routes_and_the_requester() {
    let id = short_id();
    let team = format!("team-{id}@example.com");
    let requester = format!("requester-{id}@example.com");
    let (topic_arn, queue_url, sqs) = topic_with_queue(&id).await;
    let (_dir, config) = config_file(&format!(
        "[[notify.route]]\nname = \"reviewers\"\nevents = [\"arrived\", \"decided\"]\n\
         email = [\"{team}\"]\nsns = [\"{topic_arn}\"]\n"
    ));
    let app = notifying_app(config).await;
    let mut review = sample_review();
    review["title"] = json!(format!("Promote churn-model {id}"));
    review["requestedBy"] = json!(requester);
    let (_arn, review_id) = app.new_review(&review, &json!({})).await;
    let link = format!("/reviews/{review_id}");

    let arrived = mails_to(&team, 1).await;
    assert_eq!(arrived.len(), 1, "one arrival, one e-mail: {arrived:?}");
    assert!(
        arrived[0].contains(&format!("Promote churn-model {id}")),
        "{}",
        arrived[0]
    );
    assert!(arrived[0].contains(&link), "{}", arrived[0]);
    let published = receive(&sqs, &queue_url, 10).await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert!(published[0].contains(&link), "{}", published[0]);
    assert!(
        delivered_to(&requester).is_empty(),
        "the requester hears only the outcome"
    );

    let (status, _) = app.decide(&review_id, "approve", "looks right").await;
    assert_eq!(status, 200);
    let team_mails = mails_to(&team, 2).await;
    assert_eq!(team_mails.len(), 2, "arrival and decision: {team_mails:?}");
    let told = mails_to(&requester, 1).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].to_lowercase().contains("approved"), "{}", told[0]);

    let token = app.probe.task_token(&review_id).await;
    let everything = [team_mails, told, receive(&sqs, &queue_url, 1).await].concat();
    for message in &everything {
        assert!(
            !message.contains(token.expose()),
            "a task token in {message}"
        );
        assert!(!message.contains("s3://"), "an artefact URI in {message}");
        assert!(
            !message.contains("X-Amz-Signature"),
            "a presigned link in {message}"
        );
    }
    app.stop().await;
}

/// The worker sweeps the outbox on its interval and whenever the change
/// feed reports a change: with an interval of an hour, an arrival and its
/// decision still go out while the test waits.
#[tokio::test]
async fn a_change_wakes_the_notifier_before_its_interval() {
    let id = short_id();
    let team = format!("team-{id}@example.com");
    let (_dir, config) = config_file(&format!(
        "[[notify.route]]\nname = \"reviewers\"\nevents = [\"arrived\", \"decided\"]\n\
         email = [\"{team}\"]\n"
    ));
    let app = spawn_app_with(|args| {
        args.config = Some(config);
        args.notify.smtp_url = Some(smtp_url());
        args.notify.email_from = Some("Signoff <signoff@example.com>".into());
        args.delivery_interval_ms = 3_600_000;
    })
    .await;
    let mut review = sample_review();
    review["title"] = json!(format!("Promote churn-model {id}"));
    let (_arn, review_id) = app.new_review(&review, &json!({})).await;
    assert_eq!(mails_to(&team, 1).await.len(), 1, "the arrival is mailed");
    let (status, _) = app.decide(&review_id, "approve", "looks right").await;
    assert_eq!(status, 200);
    assert_eq!(mails_to(&team, 2).await.len(), 2, "and the decision");
    app.stop().await;
}

#[tokio::test]
async fn reminders_and_the_escalation_fire_at_their_shares_and_stop_after_a_decision() {
    let id = short_id();
    let team = format!("team-{id}@example.com");
    let leads = format!("leads-{id}@example.com");
    let (_dir, config) = config_file(&format!(
        "[notify]\nreminders = [0.3, 0.5]\nescalate_at = 0.7\n\
         [[notify.route]]\nname = \"reviewers\"\nevents = [\"reminder\", \"escalated\"]\n\
         email = [\"{team}\"]\nescalate_to = \"leads\"\n\
         [[notify.route]]\nname = \"leads\"\nevents = [\"escalated\"]\nemail = [\"{leads}\"]\n"
    ));
    let app = notifying_app(config).await;
    // Twenty seconds to the deadline: reminders at 6 s and 10 s, the
    // escalation at 14 s.
    let mut waiting = sample_review();
    waiting["timeoutSeconds"] = json!(20);
    waiting["title"] = json!(format!("Waits {id}"));
    let (_arn, waiting_id) = app.new_review(&waiting, &json!({})).await;
    let mut decided = waiting.clone();
    decided["title"] = json!(format!("Decided {id}"));
    let (_arn, decided_id) = app.new_review(&decided, &json!({})).await;

    // The first reminder of each, then the second review is approved.
    let first = mails_to(&team, 2).await;
    assert_eq!(first.len(), 2, "{first:?}");
    let (status, _) = app.decide(&decided_id, "approve", "done").await;
    assert_eq!(status, 200);

    let escalated = mails_to(&leads, 1).await;
    assert_eq!(escalated.len(), 1, "{escalated:?}");
    assert!(
        escalated[0].contains(&format!("Waits {id}")),
        "{}",
        escalated[0]
    );
    // Past the escalation of both: nothing more about the decided review.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let reminders = delivered_to(&team).len();
    assert_eq!(
        reminders, 3,
        "two reminders of the waiting review, one of the decided"
    );
    let about_decided = mails_to(&team, 3)
        .await
        .into_iter()
        .filter(|m| m.contains(&format!("Decided {id}")))
        .count();
    assert_eq!(about_decided, 1, "none after its decision");
    assert_eq!(
        app.probe.audit_count_of(&waiting_id, "reminder due").await,
        2
    );
    assert_eq!(app.probe.audit_count_of(&waiting_id, "escalated").await, 1);
    assert_eq!(
        app.probe.audit_count_of(&decided_id, "reminder due").await,
        1
    );
    app.stop().await;
}
