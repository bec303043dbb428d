//! What the server sends over the wire: compressed when the client accepts it,
//! and cached as long as the asset cannot change.
use std::io::Read;

use axum::{
    body::Body,
    http::{header, Request, StatusCode},
};
use tower::ServiceExt;

use crate::helpers::spawn_app;

const ACME: &str = "acme.localhost";

/// GETs `path` on acme with `accept_encoding`; the status, headers and raw body.
async fn fetch(
    app: &crate::helpers::TestApp,
    path: &str,
    accept_encoding: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::get(path)
        .header(header::HOST, ACME)
        .header(header::ACCEPT, "text/html");
    if let Some(encoding) = accept_encoding {
        req = req.header(header::ACCEPT_ENCODING, encoding);
    }
    let res = app
        .router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .expect("router answers");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .expect("body");
    (status, headers, bytes.to_vec())
}

fn encoding(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn pages_and_the_stylesheet_leave_compressed_when_the_client_accepts_it() {
    let app = spawn_app().await;

    let (status, headers, plain) = fetch(&app, "/login", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding(&headers), None, "no Accept-Encoding, no compression");
    let plain = String::from_utf8(plain).expect("plain HTML");
    assert!(plain.contains("<html"), "{plain}");

    let (status, headers, gzipped) = fetch(&app, "/login", Some("gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding(&headers), Some("gzip"));
    let mut html = String::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_string(&mut html)
        .expect("valid gzip");
    assert!(html.contains("<html"), "{html}");
    assert!(gzipped.len() * 2 < html.len(), "HTML shrinks");

    let (status, headers, _) = fetch(&app, "/login", Some("br, gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding(&headers), Some("br"), "brotli preferred when offered");

    let (status, headers, css) = fetch(&app, &style::href(), Some("gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding(&headers), Some("gzip"));
    assert!(css.len() < style::CSS.len() / 2, "CSS shrinks");
    assert_eq!(
        headers.get(header::CACHE_CONTROL).unwrap(),
        "public, max-age=31536000, immutable",
        "the stylesheet's name carries its digest"
    );
}
