//! Outgoing email (invitations, password resets, receipts), over SMTP when an
//! SMTP URL is configured.
//!
//! `SHOPFLOOR_SMTP_URL` takes lettre's URL form: `smtps://user:pass@host:465`
//! (TLS), `smtp://user:pass@host:587?tls=required` (STARTTLS), or
//! `smtp://localhost:25` (plain, for a local relay). Without it nothing is
//! sent and the caller shows the link instead.
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the SMTP URL is not valid: {0}")]
    Url(String),
    #[error("the sender address is not valid: {0}")]
    From(String),
    #[error("the recipient address is not valid: {0}")]
    To(String),
    #[error("the message could not be built: {0}")]
    Build(String),
    #[error("the SMTP server refused or could not be reached: {0}")]
    Send(String),
}

/// Sends mail, or knows that it cannot (no SMTP configured).
#[derive(Clone, Default)]
pub struct Mailer {
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the URL: it may hold the SMTP password.
        f.debug_struct("Mailer")
            .field("enabled", &self.enabled())
            .finish()
    }
}

impl Mailer {
    /// No SMTP: nothing is sent.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// SMTP through `url`, mail sent from `from` (`Name <address>`).
    pub fn smtp(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Url(e.to_string()))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::From(e.to_string()))?;
        Ok(Self {
            smtp: Some((transport, from)),
        })
    }

    pub fn enabled(&self) -> bool {
        self.smtp.is_some()
    }

    /// Sends the invitation link. `Ok(false)` when no SMTP is configured.
    pub async fn send_invitation(
        &self,
        to: &str,
        business: &str,
        role: &str,
        link: &str,
    ) -> Result<bool, MailError> {
        let subject = format!("You're invited to {business} on Shopfloor");
        self.send(to, subject, Body::Text(invitation_text(business, role, link)))
            .await
    }

    /// Sends a password-reset link. `Ok(false)` when no SMTP is configured.
    pub async fn send_password_reset(&self, to: &str, link: &str) -> Result<bool, MailError> {
        let subject = "Reset your Shopfloor password".to_owned();
        self.send(to, subject, Body::Text(password_reset_text(link)))
            .await
    }

    /// Sends a receipt as plain text with an HTML alternative. `Ok(false)` when
    /// no SMTP is configured.
    pub async fn send_receipt(
        &self,
        to: &str,
        subject: String,
        text: String,
        html: String,
    ) -> Result<bool, MailError> {
        self.send(to, subject, Body::Alternative { text, html }).await
    }

    async fn send(&self, to: &str, subject: String, body: Body) -> Result<bool, MailError> {
        let Some((transport, from)) = &self.smtp else {
            return Ok(false);
        };
        let to: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::To(e.to_string()))?;
        let builder = Message::builder().from(from.clone()).to(to).subject(subject);
        let message = match body {
            Body::Text(text) => builder.header(ContentType::TEXT_PLAIN).body(text),
            Body::Alternative { text, html } => {
                builder.multipart(MultiPart::alternative_plain_html(text, html))
            }
        }
        .map_err(|e| MailError::Build(e.to_string()))?;
        transport
            .send(message)
            .await
            .map_err(|e| MailError::Send(e.to_string()))?;
        Ok(true)
    }
}

enum Body {
    Text(String),
    Alternative { text: String, html: String },
}

/// The password-reset email's text.
pub fn password_reset_text(link: &str) -> String {
    format!(
        "Hello,\n\nSomeone asked to reset the password of the Shopfloor account with this\n\
         email address. Open this link to choose a new password (it works once and\n\
         expires in one hour):\n\n{link}\n\n\
         Resetting the password signs this account out everywhere. If you did not ask\n\
         for this, ignore this email: your password stays as it is.\n"
    )
}

/// The invitation email's text.
pub fn invitation_text(business: &str, role: &str, link: &str) -> String {
    format!(
        "Hello,\n\nYou have been invited to join {business} on Shopfloor as {role}.\n\n\
         Open this link to accept (it works once and expires in 7 days):\n\n{link}\n\n\
         Sign in or sign up with this email address to accept. If you did not expect\n\
         this invitation, ignore this email.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_refused_plainly() {
        assert!(matches!(
            Mailer::smtp("ftp://example.test", "a@b.test"),
            Err(MailError::Url(_))
        ));
        assert!(matches!(
            Mailer::smtp("smtp://localhost:2525", "not an address"),
            Err(MailError::From(_))
        ));
        let ok = Mailer::smtp("smtp://localhost:2525", "Shopfloor <no-reply@shopfloor.test>").unwrap();
        assert!(ok.enabled());
        assert!(!format!("{ok:?}").contains("localhost"));
        assert!(!Mailer::disabled().enabled());
    }

    #[test]
    fn the_text_holds_the_link_and_the_role() {
        let text = invitation_text("Acme", "cashier", "http://acme.localhost:3000/invite/abc");
        assert!(text.contains("Acme") && text.contains("as cashier") && text.contains("/invite/abc"));
    }
}
