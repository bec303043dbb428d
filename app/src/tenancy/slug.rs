//! Rules for tenant slugs (the subdomain a business lives on).

/// Names that can never be a tenant: they are, or may become, the platform's own.
pub const RESERVED_SLUGS: &[&str] = &[
    "www",
    "app",
    "api",
    "admin",
    "static",
    "assets",
    "mail",
    "smtp",
    "imap",
    "pop",
    "ftp",
    "ns1",
    "ns2",
    "dns",
    "cdn",
    "status",
    "help",
    "support",
    "docs",
    "blog",
    "login",
    "signup",
    "auth",
    "account",
    "accounts",
    "billing",
    "dashboard",
    "pkg",
    "platform",
    "root",
    "system",
    "internal",
    "test",
    "dev",
    "staging",
    "demo-admin",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("The address must be 3 to 40 characters long.")]
    Length,
    #[error("The address may contain only lowercase letters, digits and hyphens.")]
    Characters,
    #[error("The address must start and end with a letter or a digit.")]
    Edges,
    #[error("That address is reserved. Please choose another.")]
    Reserved,
}

/// Checks a slug: 3–40 characters of `a-z`, `0-9` and `-`, starting and ending
/// with a letter or digit, and not reserved. The schema checks the same shape.
pub fn validate_slug(slug: &str) -> Result<(), SlugError> {
    let len = slug.chars().count();
    if !(3..=40).contains(&len) {
        return Err(SlugError::Length);
    }
    if !slug
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(SlugError::Characters);
    }
    if slug.starts_with('-') || slug.ends_with('-') {
        return Err(SlugError::Edges);
    }
    if is_reserved(slug) {
        return Err(SlugError::Reserved);
    }
    Ok(())
}

pub fn is_reserved(slug: &str) -> bool {
    RESERVED_SLUGS.contains(&slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_slugs_pass() {
        for s in ["acme", "globex", "a1b", "corner-shop-42", &"a".repeat(40)] {
            assert_eq!(validate_slug(s), Ok(()), "{s}");
        }
    }

    #[test]
    fn bad_slugs_say_why() {
        assert_eq!(validate_slug("ab"), Err(SlugError::Length));
        assert_eq!(validate_slug(&"a".repeat(41)), Err(SlugError::Length));
        assert_eq!(validate_slug("Acme"), Err(SlugError::Characters));
        assert_eq!(validate_slug("ac.me"), Err(SlugError::Characters));
        assert_eq!(validate_slug("acmé"), Err(SlugError::Characters));
        assert_eq!(validate_slug("-acme"), Err(SlugError::Edges));
        assert_eq!(validate_slug("acme-"), Err(SlugError::Edges));
        assert_eq!(validate_slug("admin"), Err(SlugError::Reserved));
        assert_eq!(validate_slug("www"), Err(SlugError::Reserved));
    }
}
