//! Rate limits per address (sign-in, decisions) through `tower_governor`,
//! and the count of live-update streams each session holds.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, Request, Response, StatusCode};
use governor::middleware::NoOpMiddleware;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

/// The address a rate limit counts a request against: the peer's (a proxy
/// in front of Signoff is one address), an IPv6 peer by its /64, which one
/// host or one home network usually holds whole.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddress;

impl KeyExtractor for PeerAddress {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        Ok(request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| network_of(peer.ip()))
            // Called without a socket (a router driven in-process): all
            // such callers share one allowance.
            .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED)))
    }
}

fn network_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

pub type Limiter = Arc<GovernorConfig<PeerAddress, NoOpMiddleware>>;

/// A limit of `per_minute` requests per address, in a burst or spread
/// over the minute; `None` for a limit of zero.
pub fn per_minute(per_minute: u32) -> Option<Limiter> {
    let period = Duration::from_secs(60) / per_minute.max(1);
    GovernorConfigBuilder::default()
        .period(period)
        .burst_size(per_minute)
        .key_extractor(PeerAddress)
        .finish()
        .map(Arc::new)
}

/// The layer enforcing `limiter`: a refusal is a bare 429 with
/// `Retry-After`, which the router's part puts in words.
pub fn layer(limiter: &Limiter) -> GovernorLayer<PeerAddress, NoOpMiddleware, Body> {
    GovernorLayer::new(limiter.clone()).error_handler(|error| {
        let mut response = Response::new(Body::empty());
        match error {
            GovernorError::TooManyRequests { wait_time, .. } => {
                *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(wait_time.max(1)));
            }
            other => {
                tracing::error!("rate limit: {other}");
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            }
        }
        response
    })
}

/// Forgets, once a minute, addresses whose allowance is full again, so the
/// limiters' memory follows the addresses of the last minute, not of all
/// time.
pub async fn forget_idle(limiters: Vec<Limiter>, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = every.tick() => {
                for limiter in &limiters {
                    limiter.limiter().retain_recent();
                }
            }
        }
    }
}

/// Live-update streams open per session.
#[derive(Debug, Clone)]
pub struct StreamCounts {
    limit: u64,
    open: Arc<Mutex<HashMap<String, u64>>>,
}

/// One open stream; dropping it (the stream ended) frees its place.
#[derive(Debug)]
pub struct StreamPlace {
    counts: StreamCounts,
    session: String,
}

impl StreamCounts {
    pub fn new(limit: u64) -> Self {
        Self {
            limit,
            open: Arc::default(),
        }
    }

    /// A place for one more stream of `session`, or `None` at the limit.
    pub fn open(&self, session: String) -> Option<StreamPlace> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(session.clone()).or_default();
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(StreamPlace {
            counts: self.clone(),
            session,
        })
    }

    #[cfg(test)]
    fn sessions(&self) -> usize {
        self.open.lock().map(|open| open.len()).unwrap_or_default()
    }
}

impl Drop for StreamPlace {
    fn drop(&mut self) {
        let mut open = self.counts.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.session) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.session);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_holds_at_most_its_limit_of_streams() {
        let counts = StreamCounts::new(2);
        let first = counts.open("a".into()).expect("first");
        let _second = counts.open("a".into()).expect("second");
        assert!(counts.open("a".into()).is_none(), "a third is refused");
        assert!(counts.open("b".into()).is_some(), "another session is not");
        drop(first);
        assert!(
            counts.open("a".into()).is_some(),
            "a closed stream frees its place"
        );
    }

    #[test]
    fn sessions_without_streams_are_forgotten() {
        let counts = StreamCounts::new(1);
        drop(counts.open("a".into()));
        assert_eq!(counts.sessions(), 0);
    }

    #[test]
    fn addresses_are_counted_by_host_or_ipv6_network() {
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(network_of(v4), v4);
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(network_of(mapped), v4);
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network_of(a), network_of(b));
        assert_ne!(network_of(a), network_of(c));
    }

    #[test]
    fn a_request_without_a_socket_still_has_a_key() {
        let request = Request::new(());
        assert!(PeerAddress.extract(&request).is_ok());
        let mut request = Request::new(());
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 9], 4000))));
        assert_eq!(
            PeerAddress.extract(&request).unwrap(),
            IpAddr::from([192, 0, 2, 9])
        );
    }
}
