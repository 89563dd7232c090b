//! The object store port with a memory: what S3 said of an object
//! (`HeadObject`: exists, size, type) and the bytes of its preview are kept
//! for a few minutes, so reloading a review page, or many people opening
//! it, makes no S3 calls. Concurrent look-ups of one object wait for one
//! call. "S3 did not answer" is never kept: the next view asks again.
//! Presigning is local and passes straight through.

use app::ssr::ports::{ObjectError, ObjectInfo, ObjectStore};
use async_trait::async_trait;
use moka::future::Cache;
use std::sync::Arc;
use std::time::Duration;

/// How long an answer is kept. A newly uploaded artefact may read as
/// missing for this long.
pub const KEEP_FOR: Duration = Duration::from_secs(180);
/// Objects described at most (a few hundred bytes each).
const MAX_DESCRIBED: u64 = 100_000;
/// Preview bytes kept at most, in all (each preview is at most 64 KiB).
const MAX_PREVIEW_BYTES: u64 = 16 * 1024 * 1024;

type Key = (String, String);
/// An object and how many of its first bytes were read.
type ReadKey = (String, String, u64);
/// A definitive answer: the object, or that it is missing or forbidden.
type Answer<T> = Result<T, ObjectError>;

pub struct CachedObjects {
    inner: Arc<dyn ObjectStore>,
    described: Cache<Key, Answer<ObjectInfo>>,
    read: Cache<ReadKey, Answer<Arc<Vec<u8>>>>,
}

impl CachedObjects {
    pub fn new(inner: Arc<dyn ObjectStore>, keep_for: Duration) -> Self {
        Self {
            inner,
            described: Cache::builder()
                .max_capacity(MAX_DESCRIBED)
                .time_to_live(keep_for)
                .build(),
            read: Cache::builder()
                .max_capacity(MAX_PREVIEW_BYTES)
                .weigher(|_, answer: &Answer<Arc<Vec<u8>>>| {
                    answer
                        .as_ref()
                        .map_or(64, |bytes| u32::try_from(bytes.len()).unwrap_or(u32::MAX))
                })
                .time_to_live(keep_for)
                .build(),
        }
    }
}

/// Splits a look-up's outcome into what may be kept (the object, or a
/// definitive "missing" or "forbidden") and what may not (S3 unavailable).
fn keepable<T>(outcome: Result<T, ObjectError>) -> Result<Answer<T>, String> {
    match outcome {
        Err(ObjectError::Unavailable(detail)) => Err(detail),
        definitive => Ok(definitive),
    }
}

fn unavailable(detail: Arc<String>) -> ObjectError {
    ObjectError::Unavailable(detail.as_ref().clone())
}

#[async_trait]
impl ObjectStore for CachedObjects {
    async fn describe(&self, bucket: &str, key: &str) -> Result<ObjectInfo, ObjectError> {
        self.described
            .try_get_with((bucket.to_owned(), key.to_owned()), async {
                keepable(self.inner.describe(bucket, key).await)
            })
            .await
            .map_err(unavailable)?
    }

    async fn read(&self, bucket: &str, key: &str, max_bytes: u64) -> Result<Vec<u8>, ObjectError> {
        let bytes = self
            .read
            .try_get_with((bucket.to_owned(), key.to_owned(), max_bytes), async {
                keepable(self.inner.read(bucket, key, max_bytes).await.map(Arc::new))
            })
            .await
            .map_err(unavailable)??;
        Ok(bytes.as_ref().clone())
    }

    async fn presign(
        &self,
        bucket: &str,
        key: &str,
        valid_ms: i64,
        download_as: Option<&str>,
    ) -> Result<String, ObjectError> {
        self.inner.presign(bucket, key, valid_ms, download_as).await
    }
}

#[cfg(test)]
mod tests {
    //! The cache's own rules over a counting stand-in for S3 (the real S3
    //! path is tested against the emulator in tests/api/artefacts.rs).
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// Answers from a script, counting calls; each call waits a moment so
    /// that concurrent callers overlap.
    struct Scripted {
        calls: AtomicUsize,
        answers: Mutex<Vec<Result<ObjectInfo, ObjectError>>>,
    }

    impl Scripted {
        fn new(answers: Vec<Result<ObjectInfo, ObjectError>>) -> Arc<Self> {
            Arc::new(Self {
                calls: AtomicUsize::new(0),
                answers: Mutex::new(answers),
            })
        }
        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    #[async_trait]
    impl ObjectStore for Scripted {
        async fn describe(&self, _: &str, _: &str) -> Result<ObjectInfo, ObjectError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            let mut answers = self.answers.lock().unwrap();
            if answers.len() > 1 {
                answers.remove(0)
            } else {
                answers[0].clone()
            }
        }
        async fn read(&self, _: &str, _: &str, max: u64) -> Result<Vec<u8>, ObjectError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(vec![b'x'; max as usize])
        }
        async fn presign(
            &self,
            b: &str,
            k: &str,
            _: i64,
            _: Option<&str>,
        ) -> Result<String, ObjectError> {
            Ok(format!("signed:{b}/{k}"))
        }
    }

    fn info() -> ObjectInfo {
        ObjectInfo {
            size_bytes: 12,
            content_type: Some("application/json".into()),
        }
    }

    #[tokio::test]
    async fn concurrent_look_ups_of_one_object_make_one_call() {
        let s3 = Scripted::new(vec![Ok(info())]);
        let cache = CachedObjects::new(s3.clone(), KEEP_FOR);
        let looks = (0..20).map(|_| cache.describe("b", "k"));
        let answers = futures::future::join_all(looks).await;
        assert!(answers.iter().all(|a| *a == Ok(info())));
        assert_eq!(s3.calls(), 1);
        let reads = (0..20).map(|_| cache.read("b", "k", 4));
        for bytes in futures::future::join_all(reads).await {
            assert_eq!(bytes.unwrap(), b"xxxx");
        }
        assert_eq!(s3.calls(), 2);
        // Another object is its own call.
        cache.describe("b", "other").await.unwrap();
        assert_eq!(s3.calls(), 3);
    }

    #[tokio::test]
    async fn missing_is_kept_but_unavailable_is_asked_again() {
        let s3 = Scripted::new(vec![
            Err(ObjectError::Unavailable("S3 is down".into())),
            Err(ObjectError::NoSuchObject),
        ]);
        let cache = CachedObjects::new(s3.clone(), KEEP_FOR);
        assert_eq!(
            cache.describe("b", "k").await,
            Err(ObjectError::Unavailable("S3 is down".into()))
        );
        assert_eq!(
            cache.describe("b", "k").await,
            Err(ObjectError::NoSuchObject)
        );
        assert_eq!(
            cache.describe("b", "k").await,
            Err(ObjectError::NoSuchObject)
        );
        assert_eq!(s3.calls(), 2);
    }

    #[tokio::test]
    async fn presigning_is_never_cached() {
        let s3 = Scripted::new(vec![Ok(info())]);
        let cache = CachedObjects::new(s3.clone(), KEEP_FOR);
        assert_eq!(
            cache.presign("b", "k", 1, None).await.unwrap(),
            "signed:b/k"
        );
        assert_eq!(s3.calls(), 0);
    }
}
