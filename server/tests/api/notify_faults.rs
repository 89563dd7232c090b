//! Notifications under faults, on the real parts: a decision that cannot
//! reach Step Functions (its emulator gone, the port closed) past
//! `[notify] stuck_after_minutes` tells its route once, by e-mail through
//! the real SMTP server; and a notification waiting when `signoff serve` is
//! SIGKILLed (its SMTP server not up yet) is sent once by the restarted
//! server, to an SMTP server (aiosmtpd) the test starts only then.

use crate::channels::smtp_url;
use crate::faults::{
    serve_with, served_database, until_some, wait_healthy, PrivateEmulator, ServerProcess,
};
use crate::helpers::{
    config_file, emulator_endpoint, free_port, provision_stack, sample_review, short_id,
    spawn_app_on, until_listening,
};
use crate::http::ScratchDir;
use crate::notifications::{mails_in, mails_to};
use crate::probe::StoredNotification;
use serde_json::json;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const FROM: &str = "Signoff <signoff@example.com>";

#[tokio::test]
async fn a_delivery_stuck_while_step_functions_is_unreachable_tells_its_route_once() {
    let id = short_id();
    let leads = format!("leads-{id}@example.com");
    let (_config_dir, config) = config_file(&format!(
        "[notify]\nstuck_after_minutes = 1\n\n\
         [[notify.route]]\nname = \"leads\"\nevents = [\"delivery_stuck\"]\nemail = [\"{leads}\"]\n"
    ));
    let emulator = PrivateEmulator::start().await;
    let app = spawn_app_on(&emulator.url, |args| {
        args.config = Some(config);
        args.notify.smtp_url = Some(smtp_url());
        args.notify.email_from = Some(FROM.into());
    })
    .await;
    let mut review = sample_review();
    review["title"] = json!(format!("Promote churn-model {id}"));
    let (_arn, review_id) = app.new_review(&review, &json!({})).await;

    // Step Functions becomes unreachable: every attempt is refused at
    // once, so the delivery worker goes round every 200 ms, each round
    // sweeping for stuck deliveries.
    drop(emulator);
    let (status, body) = app.decide(&review_id, "approve", "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["delivery"], "queued", "{body}");
    // Its first attempt's refusal is recorded: it is retrying.
    let probe = &app.probe;
    let review = review_id.as_str();
    until_some(move || async move {
        probe
            .delivery_of(review)
            .await
            .last_error
            .is_some()
            .then_some(())
    })
    .await;
    // The minute of the configuration, passed: the row says the decision
    // was committed that long ago.
    app.probe.backdate_delivery(&review_id, 61_000).await;

    let told = mails_to(&leads, 1).await;
    // Many more rounds go by (a few seconds of them) before counting again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let told_later = mails_to(&leads, 1).await;
    let entries = app
        .probe
        .audit_entries_of(&review_id, "delivery stuck")
        .await;
    let delivery = app.probe.delivery_of(&review_id).await;
    println!(
        "stuck delivery: {} e-mail(s) to the route, {} audit entry(ies) {entries:?}; delivery {} after {} attempts",
        told_later.len(),
        entries.len(),
        delivery.state,
        delivery.attempts
    );
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(
        told_later.len(),
        1,
        "one e-mail however many sweeps: {told_later:?}"
    );
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(delivery.state, "queued");
    let detail = entries[0].1.clone().unwrap_or_default();
    assert!(detail.starts_with("Queued for 1m since "), "{detail}");
    assert!(
        detail.contains(" attempt") && detail.contains("; last error: Step Functions unreachable"),
        "{detail}"
    );
    let mail = &told[0];
    assert!(mail.contains("Delivery stuck"), "{mail}");
    assert!(
        mail.contains(&format!("Promote churn-model {id}")),
        "{mail}"
    );
    assert!(mail.contains(&format!("/reviews/{review_id}")), "{mail}");
    let token = app.probe.task_token(&review_id).await;
    for text in [mail.as_str(), detail.as_str()] {
        assert!(!text.contains(token.expose()), "a task token in {text}");
    }
    app.stop().await;
}

/// aiosmtpd from the emulator's venv, delivering to a Maildir; killed when
/// dropped.
struct SmtpProcess(Child);

impl SmtpProcess {
    async fn start(port: u16, maildir: &Path) -> Self {
        let python = std::env::var("SIGNOFF_TEST_PYTHON").expect(
            "SIGNOFF_TEST_PYTHON is not set: run the tests with `cargo xtask test` (the emulator's venv's python, which has aiosmtpd)",
        );
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let smtp = Self(child);
        until_listening(port, "the test's SMTP server").await;
        smtp
    }
}

impl Drop for SmtpProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_notification_waiting_when_the_server_is_killed_is_sent_once_after_restart() {
    let id = short_id();
    let team = format!("team-{id}@example.com");
    let stack = provision_stack(&emulator_endpoint()).await;
    let (_config_dir, config) = config_file(&format!(
        "[[notify.route]]\nname = \"reviewers\"\nevents = [\"arrived\"]\nemail = [\"{team}\"]\n"
    ));
    let smtp_port = free_port();
    let smtp = format!("smtp://127.0.0.1:{smtp_port}");
    let config = config.to_string_lossy().into_owned();
    let env = [
        ("SIGNOFF_CONFIG", config.as_str()),
        ("SIGNOFF_SMTP_URL", smtp.as_str()),
        ("SIGNOFF_EMAIL_FROM", FROM),
    ];
    let dir = ScratchDir::new();
    let port = free_port();
    let mut server = serve_with(&stack, &dir, port, "first", &env);
    wait_healthy(port).await;
    let probe = served_database(&dir).await;
    let probe = &probe;
    let mut review = sample_review();
    review["title"] = json!(format!("Promote churn-model {id}"));
    let input = json!({"review": review, "context": {}});
    server::aws::provision::start_execution(
        &stack.sfn,
        &stack.machine_arn,
        &format!("notify-kill-{id}"),
        &input,
    )
    .await
    .expect("started");
    let review_id =
        until_some(move || async move { probe.reviews().await.into_iter().next().map(|r| r.id) })
            .await;
    // The arrival's e-mail is tried and fails (nothing listens for SMTP
    // yet), its claim released: it waits in the outbox for its retry.
    let review = review_id.as_str();
    until_some(move || async move {
        let rows = probe.notifications_of(review).await;
        rows.iter()
            .any(|n| n.attempts >= 1 && n.last_error.is_some() && n.claimed_until.is_none())
            .then_some(())
    })
    .await;
    let status = Command::new("kill")
        .args(["-KILL", &server.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = server.0.wait().expect("the server's exit");
    let before = probe.notifications_of(&review_id).await;
    println!("killed ({exit}) with the arrival's notification waiting: {before:?}");

    let smtp_dir = ScratchDir::new();
    // aiosmtpd makes the Maildir (and its new/, cur/, tmp/) itself.
    let maildir = smtp_dir.path().join("maildir");
    let _smtp = SmtpProcess::start(smtp_port, &maildir).await;
    let restarted: ServerProcess = serve_with(&stack, &dir, port, "restarted", &env);
    wait_healthy(port).await;
    // A claim the kill left behind lapses after its lease (a minute).
    let mails = mails_in(&maildir, &team, 1, Duration::from_secs(90)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails_later = mails_in(&maildir, &team, 1, Duration::from_secs(1)).await;
    let after = probe.notifications_of(&review_id).await;
    drop(restarted);
    println!(
        "after restart: {} e-mail(s) to the route; {after:?}",
        mails_later.len()
    );
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails_later.len(), 1, "sent once: {mails_later:?}");
    assert!(
        mails[0].contains(&format!("Promote churn-model {id}")),
        "{}",
        mails[0]
    );
    let states: Vec<(&str, &str)> = after
        .iter()
        .map(|StoredNotification { route, state, .. }| (route.as_str(), state.as_str()))
        .collect();
    assert_eq!(states, [("reviewers", "sent")]);
}
