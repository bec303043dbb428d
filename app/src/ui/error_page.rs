//! Plain HTML error pages for answers given before the app renders (unknown
//! host, suspended tenant, internal errors in middleware), and the hand-off
//! confirmation.
use axum::response::{Html, IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

use crate::{domain::db_errors::is_unavailable, error::AppError};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(status: StatusCode, title: &str, message: &str, home: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Shopfloor</title><link rel="stylesheet" href="{css}"></head>
<body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
<main class="mx-auto max-w-xl px-4 py-24 text-center">
<p class="text-sm font-semibold text-indigo-600">{code}</p>
<h1 class="mt-2 text-3xl font-bold tracking-tight">{title}</h1>
<p class="mt-4 text-slate-600">{message}</p>
<a class="mt-8 inline-block rounded-md bg-indigo-600 px-4 py-2 text-white hover:bg-indigo-700" href="{home}/">Go to the home page</a>
</main></body></html>"#,
        title = escape(title),
        message = escape(message),
        home = escape(home),
        code = status.as_u16(),
        css = style::href(),
    )
}

pub fn response(status: StatusCode, title: &str, message: &str, home: &str) -> Response {
    (status, Html(render(status, title, message, home))).into_response()
}

/// How long a client is asked to wait before retrying a 503, in seconds.
pub const RETRY_AFTER_SECS: &str = "5";

/// 503 with `Retry-After` for a request that could not be served now (`error`
/// is [`AppError::TimedOut`] or [`AppError::Unavailable`]): server functions
/// (`/api/…`) get the error as JSON, like any of their errors; pages get the
/// HTML page.
pub fn unavailable(path: &str, home: &str, title: &str, error: &AppError) -> Response {
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let mut res = if path.starts_with("/api/") {
        let body = serde_json::to_string(error).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response()
    } else {
        response(status, title, &error.to_string(), home)
    };
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
    res
}

/// The answer when the database failed before the app could run: 503 when it
/// is out of reach (see [`is_unavailable`]), else the internal-error page.
pub fn database_failure(path: &str, home: &str, error: &sqlx::Error) -> Response {
    if is_unavailable(error) {
        unavailable(path, home, "Please try again in a moment", &AppError::Unavailable)
    } else {
        internal(home)
    }
}

pub fn internal(home: &str) -> Response {
    response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "We could not complete this request. Please try again in a moment.",
        home,
    )
}

/// Asks before completing a hand-off that did not come from our own site:
/// whom the link signs in, and a button that posts it back to this origin.
/// `token` is 64 hex digits (checked before this is called).
pub fn confirm_handoff(business: &str, name: &str, email: &str, token: &str, home: &str) -> Response {
    let page = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Continue to {business} · Shopfloor</title><link rel="stylesheet" href="{css}"></head>
<body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
<main class="mx-auto max-w-xl px-4 py-24 text-center">
<h1 class="text-3xl font-bold tracking-tight">Continue to {business}?</h1>
<p class="mt-4 text-slate-600">This link signs this browser in as <strong>{name}</strong> ({email}).
If you did not just ask for it, close this page.</p>
<form method="post" action="/auth/handoff" class="mt-8">
<input type="hidden" name="token" value="{token}">
<button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-700">Continue as {name}</button>
</form>
<a class="mt-6 inline-block text-sm text-slate-500 hover:text-slate-700" href="{home}/">Go to the home page</a>
</main></body></html>"#,
        business = escape(business),
        name = escape(name),
        email = escape(email),
        token = escape(token),
        home = escape(home),
        css = style::href(),
    );
    (StatusCode::OK, Html(page)).into_response()
}
