//! A small HTTP client for the tests, made of what the server already
//! compiles (hyper-util's client), so that building the tests changes no
//! shared crate's features and recompiles nothing of the server's tree.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

/// An answer: status, the headers tests look at, and the body as text.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub content_disposition: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Reply {
    /// A header's value as text (`""` when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl Http {
    pub fn new() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Sends one request (redirects are not followed).
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: String,
        cookie: Option<&str>,
    ) -> Reply {
        let headers: Vec<(&str, &str)> = [("content-type", content_type), ("cookie", cookie)]
            .into_iter()
            .filter_map(|(name, value)| value.map(|v| (name, v)))
            .collect();
        self.send_with(method, url, &headers, body).await
    }

    /// A form POST that a page on `origin` made (browsers add `Origin`).
    pub async fn send_from(
        &self,
        origin: &str,
        url: &str,
        form: &str,
        cookie: Option<&str>,
    ) -> Reply {
        let mut headers = vec![
            ("origin", origin),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        headers.extend(cookie.map(|c| ("cookie", c)));
        self.send_with("POST", url, &headers, form.to_owned()).await
    }

    pub async fn send_with(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Reply {
        self.try_send_with(method, url, headers, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"))
    }

    /// Like [`Http::send_with`], but a failed connection is an `Err` (for
    /// requests to a server the test is about to kill).
    pub async fn try_send_with(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<Reply, String> {
        let mut request = hyper::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| e.to_string())?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("location");
        let content_disposition = header("content-disposition");
        let set_cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok(Reply {
            status,
            location,
            content_disposition,
            set_cookies,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    pub async fn get(&self, url: &str, cookie: Option<&str>) -> Reply {
        self.send("GET", url, None, String::new(), cookie).await
    }

    pub async fn post_form(&self, url: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(
            "POST",
            url,
            Some("application/x-www-form-urlencoded"),
            body,
            cookie,
        )
        .await
    }

    pub async fn post_json(&self, url: &str, body: &str) -> Reply {
        self.send("POST", url, Some("application/json"), body.to_owned(), None)
            .await
    }
}

/// A directory under the system temp dir, removed when dropped.
/// GETs `url` with `cookie` and hands back the response unread, for
/// bodies read as they stream (server-sent events, exports).
pub async fn open_stream(url: &str, cookie: &str) -> hyper::Response<hyper::body::Incoming> {
    let client = Client::builder(TokioExecutor::new()).build_http::<http_body_util::Empty<Bytes>>();
    let request = hyper::Request::get(url)
        .header("cookie", cookie)
        .body(http_body_util::Empty::new())
        .expect("a request");
    client.request(request).await.expect("the response starts")
}

pub struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    pub fn new() -> Self {
        let path =
            std::env::temp_dir().join(format!("signoff-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("scratch directory");
        crate::engine::create_database(&path);
        Self(path)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    /// The database of this directory, on the suite's engine
    /// ([`crate::engine`]): a file in it, or a PostgreSQL database named
    /// after it.
    pub fn database_url(&self) -> String {
        crate::engine::database_url(&self.0)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        // Not from a panicking test: the panic would abort the run.
        if !std::thread::panicking() {
            crate::engine::drop_database(&self.0);
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
