//! Pages rendered on the server keep their request's context for every
//! server function they call.
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use crate::helpers::{spawn_app, ACME_OWNER, PASSWORD};

/// Log lines written while a guard from [`CapturedLogs::install`] lives, on
/// this thread (the test's runtime runs the request on it).
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let logs = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || logs.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn the_settings_page_renders_without_losing_its_request_context() {
    let app = spawn_app().await;
    let owner = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let logs = CapturedLogs::default();
    let guard = logs.install();
    let res = app.get("acme.localhost", "/settings", Some(&owner)).await;
    drop(guard);
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.body.contains("settings-form"),
        "the form is rendered: {}",
        res.body
    );
    assert!(
        res.body.contains("download-business"),
        "owners see the whole-business download"
    );
    let logged = logs.text();
    assert!(!logged.contains("request context missing"), "{logged}");
    assert!(!logged.contains("ERROR"), "{logged}");
}

/// The till's page loads the till's own browser bundle, every other page the
/// back office's: the till does not download the back office's pages.
#[tokio::test]
async fn the_till_page_is_served_with_the_tills_own_bundle() {
    let app = spawn_app().await;
    let owner = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    let till = app.get("acme.localhost", "/pos", Some(&owner)).await;
    assert_eq!(till.status, StatusCode::OK);
    assert!(till.body.contains("/pkg/till.js"), "{}", till.body);
    assert!(till.body.contains("/pkg/till.wasm"), "{}", till.body);
    assert!(!till.body.contains("/pkg/shopfloor.js"), "{}", till.body);
    assert!(!till.body.contains("/pkg/shopfloor.wasm"), "{}", till.body);

    for path in ["/products", "/bills", "/"] {
        let page = app.get("acme.localhost", path, Some(&owner)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains("/pkg/shopfloor.js"), "{path}: {}", page.body);
        assert!(!page.body.contains("/pkg/till."), "{path}: {}", page.body);
    }
}

/// The books' pages call several server functions each (the chart, the
/// statement, the journal, today's date): all of them with the request's
/// context, so the page is drawn in full with nothing logged.
#[tokio::test]
async fn the_books_pages_render_without_losing_their_request_context() {
    let app = spawn_app().await;
    let owner = app.login("acme.localhost", ACME_OWNER, PASSWORD).await;
    for (path, marker) in [
        ("/books", "books-table"),
        ("/books?statement=ledger&account=1000", "books-ledger-account"),
        ("/books/journal", "journal-form"),
        ("/books/accounts", "accounts-table"),
    ] {
        let logs = CapturedLogs::default();
        let guard = logs.install();
        let res = app.get("acme.localhost", path, Some(&owner)).await;
        drop(guard);
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert!(res.body.contains(marker), "{path} is drawn in full: {}", res.body);
        let logged = logs.text();
        assert!(!logged.contains("request context missing"), "{path}: {logged}");
        assert!(!logged.contains("ERROR"), "{path}: {logged}");
    }
}
