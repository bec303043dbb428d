//! The error type every server function returns.
//!
//! Variants carry only text a person can act on; internal detail (SQL errors,
//! constraint names) is logged on the server and never serialized.
use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Bad input; the message says what to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("You don't have permission to do that.")]
    Forbidden,
    /// Refused by a rule about who may do what; the message names the rule.
    #[error("{0}")]
    Denied(String),
    #[error("{0}")]
    NotFound(String),
    /// The request clashes with existing data (e.g. a taken name).
    #[error("{0}")]
    Conflict(String),
    /// The request is bigger than the endpoint takes; the message gives the limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("Too many attempts. Please wait a few minutes and try again.")]
    RateLimited,
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The server gave up on the request after its time limit
    /// (`SHOPFLOOR_REQUEST_TIMEOUT_SECS`); answered 503.
    #[error("The server took too long to answer. Please try again in a moment.")]
    TimedOut,
    /// The database cannot be reached just now (down, restarting, or every
    /// connection busy); answered 503 with `Retry-After`. Nothing was saved.
    #[error(
        "Shopfloor cannot reach its database just now. Nothing was saved; please try again in a moment."
    )]
    Unavailable,
    /// The connection was lost during the commit itself: the change may or may
    /// not have been saved, and nobody can tell from here. Answered 503; a
    /// sale can be sent again safely (its idempotency key), anything else is
    /// to be checked before it is repeated.
    #[error(
        "The connection to the database was lost while saving, so it is not known whether this was saved. \
         Check before doing it again (a sale can be sent again safely)."
    )]
    Unconfirmed,
    /// The request never got a proper answer (network, decoding).
    #[error("Could not reach the server. Check the connection and try again.")]
    Transport(String),
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid(message.into())
    }

    /// Whether sending the same request again can succeed: the request may
    /// never have reached the server, or its answer was lost or late. A
    /// refusal by a rule (bad input, permission, stock, a limit) is answered
    /// the same way every time, so retrying it cannot help.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            AppError::Transport(_)
                | AppError::TimedOut
                | AppError::Unavailable
                | AppError::Unconfirmed
                | AppError::Internal
        )
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            AppError::Invalid(_) => S::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => S::UNAUTHORIZED,
            AppError::Forbidden | AppError::Denied(_) => S::FORBIDDEN,
            AppError::NotFound(_) => S::NOT_FOUND,
            AppError::Conflict(_) => S::CONFLICT,
            AppError::TooLarge(_) => S::PAYLOAD_TOO_LARGE,
            AppError::RateLimited => S::TOO_MANY_REQUESTS,
            AppError::TimedOut | AppError::Unavailable | AppError::Unconfirmed => S::SERVICE_UNAVAILABLE,
            AppError::Internal | AppError::Transport(_) => S::INTERNAL_SERVER_ERROR,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        answered(match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::Invalid("Some fields are missing or malformed.".into())
            }
            // On the server, a request body that cannot be read whole (over the
            // body limit) or decoded (a JSON body with a number beyond 64 bits)
            // is the request's fault, not ours.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(message) if message.contains("length limit exceeded") => {
                AppError::TooLarge("The request is too large.".into())
            }
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => {
                AppError::Invalid("Some fields are missing or malformed.".into())
            }
            other => AppError::Transport(other.to_string()),
        })
    }
}

/// On the server, an error met before the server function ran (its arguments)
/// is answered with the error's own status (422, 413), not leptos's 500.
#[cfg(feature = "ssr")]
fn answered(error: AppError) -> AppError {
    crate::api::context::fail(error)
}

#[cfg(not(feature = "ssr"))]
fn answered(error: AppError) -> AppError {
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_error_text_reveals_nothing() {
        assert_eq!(
            AppError::Internal.to_string(),
            "Something went wrong on our side. Please try again."
        );
    }

    #[test]
    fn only_network_and_server_failures_are_worth_retrying() {
        assert!(AppError::Transport("connection refused".into()).is_retryable());
        assert!(AppError::TimedOut.is_retryable());
        assert!(AppError::Internal.is_retryable());
        assert!(AppError::Unavailable.is_retryable());
        for refusal in [
            AppError::Invalid("Only 0 of X in stock.".into()),
            AppError::Denied("Discounts above 10.00 % need a manager's approval.".into()),
            AppError::Conflict("Only 0 of X in stock.".into()),
            AppError::Forbidden,
            AppError::Unauthorized,
            AppError::RateLimited,
        ] {
            assert!(!refusal.is_retryable(), "{refusal:?}");
        }
    }

    #[test]
    fn statuses_match_meaning() {
        assert_eq!(AppError::Unauthorized.status(), 401);
        assert_eq!(AppError::Forbidden.status(), 403);
        assert_eq!(AppError::RateLimited.status(), 429);
    }
}
