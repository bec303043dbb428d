//! Cross-site request refusal for every non-GET request.
//!
//! Tenant subdomains share one *site*, so `SameSite` cookies do not stop a page on
//! `evil.localhost` from posting to `acme.localhost`. We accept a state-changing
//! request only when the browser says it is same-origin (`Sec-Fetch-Site`), or,
//! from clients that do not send that header, when `Origin` equals the request's
//! own origin. A request with neither header is refused.
use http::{HeaderMap, Method};

pub fn is_same_origin_request(method: &Method, headers: &HeaderMap, scheme: &str) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    let (Some(origin), Some(host)) = (headers.get(http::header::ORIGIN), headers.get(http::header::HOST))
    else {
        return false;
    };
    let (Ok(origin), Ok(host)) = (origin.to_str(), host.to_str()) else {
        return false;
    };
    origin.eq_ignore_ascii_case(&format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn reads_are_always_allowed() {
        assert!(is_same_origin_request(&Method::GET, &HeaderMap::new(), "http"));
    }

    #[test]
    fn posts_need_same_origin_proof() {
        let post = Method::POST;
        assert!(is_same_origin_request(
            &post,
            &headers(&[("sec-fetch-site", "same-origin")]),
            "http"
        ));
        assert!(!is_same_origin_request(
            &post,
            &headers(&[("sec-fetch-site", "same-site")]),
            "http"
        ));
        assert!(!is_same_origin_request(
            &post,
            &headers(&[("sec-fetch-site", "cross-site")]),
            "http"
        ));
        assert!(!is_same_origin_request(&post, &HeaderMap::new(), "http"));
        assert!(is_same_origin_request(
            &post,
            &headers(&[
                ("host", "acme.localhost:3000"),
                ("origin", "http://acme.localhost:3000")
            ]),
            "http"
        ));
        assert!(!is_same_origin_request(
            &post,
            &headers(&[
                ("host", "acme.localhost:3000"),
                ("origin", "http://globex.localhost:3000")
            ]),
            "http"
        ));
        assert!(!is_same_origin_request(
            &post,
            &headers(&[("host", "acme.localhost:3000"), ("origin", "null")]),
            "http"
        ));
        // Sec-Fetch-Site wins over a matching Origin.
        assert!(!is_same_origin_request(
            &post,
            &headers(&[
                ("sec-fetch-site", "same-site"),
                ("host", "acme.localhost"),
                ("origin", "http://acme.localhost")
            ]),
            "http"
        ));
    }
}
