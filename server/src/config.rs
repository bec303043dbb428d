//! Command line and environment (every option has an environment variable).
use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "shopfloor",
    version,
    about = "Shopfloor: multi-tenant point of sale, inventory and billing.",
    long_about = "Shopfloor: multi-tenant point of sale, inventory and billing.\n\n\
        With no DATABASE_URL it starts a private PostgreSQL cluster in SHOPFLOOR_DATA_DIR \
        (from the machine's PostgreSQL binaries), migrates it and seeds the demo businesses. \
        With DATABASE_URL it uses that server and seeds nothing unless --seed-demo is given."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub options: Options,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Create the demo businesses and accounts (idempotent) and exit.
    SeedDemo,
    /// Platform administration (operators of the `admin.` console).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Start only the private PostgreSQL cluster, print its superuser URL on the
    /// first line of standard output, and keep it running until SIGINT/SIGTERM
    /// (used by the test command).
    #[command(hide = true)]
    EmbeddedDb,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Make an account a platform operator (creating it when new). The password
    /// of a new account is read from SHOPFLOOR_OPERATOR_PASSWORD or, when unset,
    /// from the first line of standard input. Operators are never made by sign-up.
    CreateOperator {
        email: String,
        #[arg(long, default_value = "Platform operator")]
        name: String,
    },
    /// Write a complete backup of one business (its rows, every table with a
    /// `tenant_id`, and its members' accounts with their password hashes) as
    /// JSON lines, from one consistent snapshot. Keep the file secret. Runs with
    /// the owner database URL.
    ExportTenant {
        /// The business's address (its subdomain).
        slug: String,
        /// Write here (created with mode 0600; replaced only once the backup is
        /// complete) instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Restore a backup made by `export-tenant` into this database (a fresh
    /// install or another shard; migrated first), in one transaction. Refused
    /// when the business's id or address exists here, or an account's email
    /// belongs to another account here.
    ImportTenant {
        /// The backup file (`-` reads standard input).
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct Options {
    /// PostgreSQL URL the app's tenant pool logs in with. Use a role that is not a
    /// superuser, not BYPASSRLS and owns no table, granted `shopfloor_tenant`.
    /// Unset: the private embedded cluster is used.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// PostgreSQL URL of the owner role: runs migrations and the few cross-tenant
    /// paths (tenant lookup, sign-up, log-in). Must be a superuser or BYPASSRLS.
    /// Defaults to DATABASE_URL.
    #[arg(
        long,
        env = "SHOPFLOOR_OWNER_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub owner_database_url: Option<String>,

    /// PostgreSQL URL of a read replica (a streaming standby of the database)
    /// that bill lists, their totals and the CSV and whole-business exports read
    /// from, in the same tenant transaction (role switch, tenant setting, READ
    /// ONLY). Log in as a tenant login role, as for DATABASE_URL. While it
    /// cannot be reached, those reads go to the primary. Unset: everything
    /// reads from the primary.
    #[arg(long, env = "SHOPFLOOR_REPLICA_URL", global = true, hide_env_values = true)]
    pub replica_url: Option<String>,

    /// Folder of the embedded PostgreSQL cluster (git-ignored).
    #[arg(long, env = "SHOPFLOOR_DATA_DIR", default_value = ".data", global = true)]
    pub data_dir: PathBuf,

    /// Tenants live on `<slug>.<base domain>`; the apex serves sign-up and log-in.
    /// The port of the Host header is ignored when matching.
    #[arg(
        long,
        env = "SHOPFLOOR_BASE_DOMAIN",
        default_value = "localhost",
        global = true
    )]
    pub base_domain: String,

    /// Address to listen on.
    #[arg(
        long,
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub site_addr: SocketAddr,

    /// Set when served over https (behind a TLS proxy): cookies get `Secure` and
    /// origins are expected as https.
    #[arg(long, env = "SHOPFLOOR_HTTPS", global = true)]
    pub https: bool,

    /// Reverse proxies (comma-separated IP addresses or CIDR networks, e.g.
    /// `10.0.0.0/8,192.0.2.7`) whose `X-Forwarded-For` header is believed for
    /// the client's address. Unset: the client is the socket's peer and the
    /// header is ignored.
    #[arg(long, env = "SHOPFLOOR_TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<app::state::IpNet>,

    /// Seed the demo businesses even on an external database.
    #[arg(long, env = "SHOPFLOOR_SEED_DEMO", global = true)]
    pub seed_demo: bool,

    /// Don't apply migrations at start-up (when they are run separately).
    #[arg(long, env = "SHOPFLOOR_SKIP_MIGRATIONS", global = true)]
    pub skip_migrations: bool,

    /// SMTP server for invitation emails, e.g. `smtps://user:pass@mail.example.com`
    /// (TLS), `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtp://localhost:25`. Unset: the invite link is shown to the inviter and
    /// logged at info level.
    #[arg(long, env = "SHOPFLOOR_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender of invitation emails. Default: `Shopfloor <no-reply@BASE_DOMAIN>`.
    #[arg(long, env = "SHOPFLOOR_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,

    /// Seconds a request may take before it is cancelled and answered 503 (its
    /// transaction rolls back). The event stream, the exports and the catalog
    /// import are exempt.
    #[arg(
        long,
        env = "SHOPFLOOR_REQUEST_TIMEOUT_SECS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Serve Prometheus metrics at `http://ADDR/metrics` (e.g. `127.0.0.1:9100`).
    /// Off when unset. Keep it off the public network.
    #[arg(long, env = "SHOPFLOOR_METRICS_ADDR", global = true)]
    pub metrics_addr: Option<SocketAddr>,

    /// Report server errors to Sentry (or a compatible service) at this DSN,
    /// tagged with request id, tenant and member. Off when unset.
    #[arg(long, env = "SENTRY_DSN", global = true, hide_env_values = true)]
    pub sentry_dsn: Option<String>,

    /// Log format: `text` or `json`. Filter with RUST_LOG.
    #[arg(long, env = "SHOPFLOOR_LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_a_comma_separated_list() {
        let cli = Cli::try_parse_from(["shopfloor", "--trusted-proxies", "10.0.0.0/8,192.0.2.7"]).unwrap();
        assert_eq!(cli.options.trusted_proxies.len(), 2);
        let none = Cli::try_parse_from(["shopfloor"]).unwrap();
        assert!(none.options.trusted_proxies.is_empty());
        assert!(Cli::try_parse_from(["shopfloor", "--trusted-proxies", "not-an-ip"]).is_err());
    }

    #[test]
    fn the_replica_is_optional() {
        let none = Cli::try_parse_from(["shopfloor"]).unwrap();
        assert!(none.options.replica_url.is_none());
        let some = Cli::try_parse_from(["shopfloor", "--replica-url", "postgres://r/shop"]).unwrap();
        assert_eq!(some.options.replica_url.as_deref(), Some("postgres://r/shop"));
    }
}
