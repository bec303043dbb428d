//! The application stylesheet, generated at build time by `build.rs`.

/// The CSS for every Tailwind class the app uses.
pub const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/shopfloor.css"));

/// A digest of [`CSS`], so the served file name changes when its content does
/// and browsers may cache it for good.
pub const DIGEST: &str = include_str!(concat!(env!("OUT_DIR"), "/digest.txt"));

/// The path the server serves the stylesheet at.
pub fn href() -> String {
    format!("/pkg/shopfloor.{DIGEST}.css")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stylesheet_has_hover_and_responsive_variants() {
        // The reason we use encre-css: variants must survive generation.
        assert!(CSS.contains(":hover"), "no :hover rule generated");
        assert!(CSS.contains("@media"), "no responsive rule generated");
        assert!(CSS.contains(".bg-white"), "base utilities missing");
    }

    #[test]
    fn stylesheet_prints_receipts_alone() {
        assert!(
            CSS.contains("[data-receipt][data-paper=\"58mm\"]"),
            "no receipt print layout"
        );
        assert!(CSS.contains("@media print"), "no print rules");
    }

    #[test]
    fn digest_is_short_hex() {
        assert_eq!(DIGEST.len(), 12);
        assert!(DIGEST.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
