//! The object store port on S3: `HeadObject` (with `HeadBucket` to tell a
//! missing bucket from a missing object), a ranged `GetObject` for previews,
//! and presigned `GetObject` links. Presigning is local: no call to S3.

use app::ssr::ports::{ObjectError, ObjectInfo, ObjectStore};
use async_trait::async_trait;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::Client;
use std::time::Duration;

pub struct S3Objects {
    client: Client,
}

impl S3Objects {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// After `HeadObject` answered 404: is it the bucket or the object?
    async fn missing(&self, bucket: &str) -> ObjectError {
        match self.client.head_bucket().bucket(bucket).send().await {
            Err(error) if status(&error) == Some(404) => ObjectError::NoSuchBucket,
            _ => ObjectError::NoSuchObject,
        }
    }
}

#[async_trait]
impl ObjectStore for S3Objects {
    async fn describe(&self, bucket: &str, key: &str) -> Result<ObjectInfo, ObjectError> {
        match self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(ObjectInfo {
                size_bytes: head
                    .content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                content_type: head.content_type().map(str::to_owned),
            }),
            Err(error) if status(&error) == Some(404) => Err(self.missing(bucket).await),
            Err(error) => Err(classify(&error)),
        }
    }

    async fn read(&self, bucket: &str, key: &str, max_bytes: u64) -> Result<Vec<u8>, ObjectError> {
        let object = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .range(format!("bytes=0-{}", max_bytes.saturating_sub(1)))
            .send()
            .await
            .map_err(|error| classify(&error))?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|error| ObjectError::Unavailable(format!("reading the object: {error}")))?
            .into_bytes();
        // A store that ignores Range still must not fill the page.
        let keep = usize::try_from(max_bytes)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        Ok(bytes[..keep].to_vec())
    }

    async fn presign(
        &self,
        bucket: &str,
        key: &str,
        valid_ms: i64,
        download_as: Option<&str>,
    ) -> Result<String, ObjectError> {
        let valid = Duration::from_millis(u64::try_from(valid_ms).unwrap_or(0));
        let config = PresigningConfig::expires_in(valid)
            .map_err(|error| ObjectError::Unavailable(format!("link lifetime: {error}")))?;
        let mut request = self.client.get_object().bucket(bucket).key(key);
        if let Some(name) = download_as {
            request =
                request.response_content_disposition(format!("attachment; filename=\"{name}\""));
        }
        let presigned = request.presigned(config).await.map_err(|error| {
            ObjectError::Unavailable(format!("presigning: {}", DisplayErrorContext(&error)))
        })?;
        Ok(presigned.uri().to_owned())
    }
}

fn status<E>(error: &SdkError<E, HttpResponse>) -> Option<u16> {
    error
        .raw_response()
        .map(|response| response.status().as_u16())
}

fn classify<E>(error: &SdkError<E, HttpResponse>) -> ObjectError
where
    E: std::error::Error + 'static,
{
    match status(error) {
        Some(404) => ObjectError::NoSuchObject,
        Some(403) => ObjectError::AccessDenied,
        _ => ObjectError::Unavailable(DisplayErrorContext(error).to_string()),
    }
}
