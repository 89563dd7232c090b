//! Several stores on one database, as replicas of the server are: each
//! opened by URL with a pool of its own, all writing at once. Told over the
//! ports alone, on both engines: one audit chain whoever appends, one
//! decision per review whoever decides, each delivery claimed by one, each
//! heartbeat sent by one, and one reconciling sweep per turn between them.

use super::store_story::{
    add, decision, final_commit, new_review, received, stored, verify, LEASE_MS, T0,
};
use super::Stores;
use app::domain::audit_action::Action;
use app::domain::decision::Verdict;
use app::ssr::ports::{AuditRecord, Committed, Inserted};
use futures::future::join_all;
use serde_json::json;
use std::collections::BTreeSet;

/// How many replicas each chapter runs.
const REPLICAS: usize = 3;

/// Tells the story on `replicas` stores that share one fresh database.
pub async fn tell(replicas: &[Stores]) {
    assert_eq!(replicas.len(), REPLICAS);
    one_audit_chain_whoever_appends(replicas).await;
    one_decision_whoever_decides(replicas).await;
    each_delivery_is_claimed_by_one_replica(replicas).await;
    the_clock_sweeps_once_whoever_ticks(replicas).await;
}

/// 1,000 entries, written concurrently by every replica, form one chain.
async fn one_audit_chain_whoever_appends(replicas: &[Stores]) {
    const ENTRIES: usize = 1_000;
    const WRITERS_PER_REPLICA: usize = 4;
    let before = verify(&replicas[0]).await;
    let writers = (0..REPLICAS * WRITERS_PER_REPLICA).map(|writer| {
        let store = replicas[writer % REPLICAS].reviews.clone();
        async move {
            for n in (writer..ENTRIES).step_by(REPLICAS * WRITERS_PER_REPLICA) {
                let entry = AuditRecord::system(
                    T0 + i64::try_from(n).expect("small"),
                    Action::Received,
                    None,
                    Some(format!("entry {n}")),
                );
                store.record(&entry).await.expect("appended");
            }
        }
    });
    join_all(writers).await;
    let checked = verify(&replicas[1]).await;
    assert_eq!(checked - before, ENTRIES, "every entry is in the one chain");
    println!(
        "replicas: {ENTRIES} entries appended by {REPLICAS} replicas, chain of {checked} verified"
    );
}

/// Twenty deciders on one review, spread over the replicas: one decision
/// recorded, nineteen told they lost.
async fn one_decision_whoever_decides(replicas: &[Stores]) {
    add(&replicas[0], "contested", json!({}), T0).await;
    let review = stored(&replicas[0], "review-contested").await;
    let deciders = (0..20).map(|n| {
        let store = replicas[n % REPLICAS].reviews.clone();
        let verdict = if n % 2 == 0 {
            Verdict::Approve
        } else {
            Verdict::Reject
        };
        let commit = final_commit(&review, decision(&format!("user-{n}"), verdict, T0 + 5_000));
        async move { store.commit_decision(&commit).await.expect("committed") }
    });
    let outcomes = join_all(deciders).await;
    let recorded = outcomes
        .iter()
        .filter(|o| matches!(o, Committed::Recorded(_)))
        .count();
    let lost = outcomes
        .iter()
        .filter(|o| matches!(o, Committed::Conflict))
        .count();
    assert_eq!((recorded, lost), (1, 19));
    let decided = stored(&replicas[2], "review-contested").await;
    assert_eq!(decided.decisions.len(), 1, "one decision stored");
    assert_eq!(decided.version, review.version + 1);
    assert!(decided.delivery.is_some(), "and one delivery queued");
    println!("replicas: 20 concurrent decisions, {recorded} recorded, {lost} told who decided");
}

/// Fifty decided reviews: the replicas, claiming at once in small batches,
/// take each delivery once.
async fn each_delivery_is_claimed_by_one_replica(replicas: &[Stores]) {
    const REVIEWS: usize = 50;
    for n in 0..REVIEWS {
        let key = format!("outbox-{n}");
        let review = new_review(&key, json!({}), T0);
        let inserted = replicas[n % REPLICAS]
            .reviews
            .insert_review(&review, &received(T0))
            .await
            .expect("stored");
        assert_eq!(inserted, Inserted::Created(review.id.clone()));
        let review = stored(&replicas[0], &review.id).await;
        let commit = final_commit(&review, decision("user-ada", Verdict::Approve, T0 + 1_000));
        assert!(matches!(
            replicas[n % REPLICAS]
                .reviews
                .commit_decision(&commit)
                .await
                .expect("committed"),
            Committed::Recorded(Some(_))
        ));
    }
    // Past the deciders' own lease: every delivery is the workers' to take.
    let now = T0 + 1_000 + LEASE_MS + 1;
    let claimers = (0..REPLICAS * 2).map(|n| {
        let store = replicas[n % REPLICAS].reviews.clone();
        async move {
            let mut claimed = Vec::new();
            loop {
                let jobs = store
                    .claim_deliveries(now, LEASE_MS, 3)
                    .await
                    .expect("claimed");
                if jobs.is_empty() {
                    return claimed;
                }
                claimed.extend(jobs.into_iter().map(|job| job.review_id));
            }
        }
    });
    let claims: Vec<String> = join_all(claimers).await.into_iter().flatten().collect();
    let distinct: BTreeSet<&String> = claims.iter().collect();
    assert_eq!(distinct.len(), REVIEWS, "every delivery claimed");
    assert_eq!(claims.len(), REVIEWS, "none claimed twice");
    println!(
        "replicas: {REVIEWS} deliveries, {} claims over {REPLICAS} replicas",
        claims.len()
    );
}

/// Every replica's clock ticks at the same moment: each due heartbeat is
/// claimed by one of them, and one of them sweeps the reviews to check.
async fn the_clock_sweeps_once_whoever_ticks(replicas: &[Stores]) {
    const HELD: usize = 12;
    for n in 0..HELD {
        add(
            &replicas[n % REPLICAS],
            &format!("held-{n}"),
            json!({"heartbeatSeconds": 60}),
            T0,
        )
        .await;
    }
    let now = T0 + 3_600_000;
    let claims = join_all((0..REPLICAS * 2).map(|n| {
        let store = replicas[n % REPLICAS].reviews.clone();
        async move {
            store
                .claim_heartbeats(now, 5_000, 5)
                .await
                .expect("claimed")
                .into_iter()
                .map(|job| job.review_id)
                .collect::<Vec<_>>()
        }
    }))
    .await;
    let claimed: Vec<String> = claims.into_iter().flatten().collect();
    let distinct: BTreeSet<&String> = claimed.iter().collect();
    assert!(
        distinct.len() >= HELD,
        "every due heartbeat claimed: {}",
        distinct.len()
    );
    assert_eq!(claimed.len(), distinct.len(), "none claimed twice");

    let sweeps = join_all((0..REPLICAS).map(|n| {
        let store = replicas[n].reviews.clone();
        async move {
            store
                .claim_reviews_to_check(now, now, 1_000, 5)
                .await
                .expect("claimed")
                .len()
        }
    }))
    .await;
    assert_eq!(
        sweeps
            .iter()
            .filter(|checked| **checked > 0)
            .collect::<Vec<_>>(),
        [&5],
        "one replica sweeps in a turn: {sweeps:?}"
    );
    println!(
        "replicas: {} heartbeats claimed once each; one sweep of {:?} per turn",
        claimed.len(),
        sweeps
    );
}

/// [`REPLICAS`] stores on the database at `url`, opened (and migrated) at
/// once, as servers started together would open it.
async fn open_replicas(url: &str) -> Vec<Stores> {
    join_all((0..REPLICAS).map(|_| crate::db::connect(url)))
        .await
        .into_iter()
        .map(|stores| stores.expect("a database"))
        .collect()
}

mod sqlite {
    use crate::db::test_databases::{scratch, sqlite_url};

    /// Three pools on one SQLite file.
    #[tokio::test]
    async fn sqlite_replicas_share_one_database() {
        let dir = scratch("replicas");
        let replicas = super::open_replicas(&sqlite_url(&dir)).await;
        super::tell(&replicas).await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}

mod postgres {
    use crate::db::test_databases::postgres_url;

    /// Three pools on one PostgreSQL database.
    #[tokio::test]
    async fn postgres_replicas_share_one_database() {
        let replicas = super::open_replicas(&postgres_url().await).await;
        super::tell(&replicas).await;
    }
}
