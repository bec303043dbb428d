use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
};

use app::{
    domain::{demo::seed_demo, org::tenant_backup},
    state::SiteConfig,
};
use clap::Parser;
use server::{
    config::{AdminCommand, Cli, Command, Options},
    database, embedded, telemetry,
};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before anything logs: the Sentry client (when configured) then the logs.
    let error_reports = match cli.options.sentry_dsn.as_deref().map(server::error_reports::init) {
        Some(Ok(guard)) => Some(guard),
        Some(Err(error)) => {
            eprintln!("error: SENTRY_DSN is not a valid DSN: {error}");
            return ExitCode::FAILURE;
        }
        None => None,
    };
    telemetry::init(&cli.options.log_format, error_reports.is_some());
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.options).await,
        Command::Migrate => migrate(cli.options).await,
        Command::SeedDemo => seed(cli.options).await,
        Command::Admin(AdminCommand::CreateOperator { email, name }) => {
            create_operator(cli.options, email, name).await
        }
        Command::Admin(AdminCommand::ExportTenant { slug, output }) => {
            export_tenant(cli.options, slug, output).await
        }
        Command::Admin(AdminCommand::ImportTenant { file }) => import_tenant(cli.options, file).await,
        Command::EmbeddedDb => embedded_db(cli.options).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error + Send + Sync>;

async fn serve(options: Options) -> Result<(), AnyError> {
    let opened = database::open(&options).await?;
    let result = async {
        if opened.embedded.is_some() || options.seed_demo {
            seed_demo(&opened.db).await?;
            tracing::info!("demo businesses ready: acme, globex (password: shopfloor-demo)");
        }
        let mut state = server::app_state(
            opened.db.clone(),
            SiteConfig {
                base_domain: options.base_domain.clone(),
                https: options.https,
                trusted_proxies: options.trusted_proxies.clone(),
            },
            server::leptos_options(options.site_addr),
        );
        if let Some(url) = &options.smtp_url {
            let from = options
                .mail_from
                .clone()
                .unwrap_or_else(|| format!("Shopfloor <no-reply@{}>", options.base_domain));
            state.mailer = app::mail::Mailer::smtp(url, &from)?;
            tracing::info!(%from, "invitation emails go out over SMTP");
        }
        let cleanup = server::routes::spawn_session_cleanup(&state);
        let metrics = match options.metrics_addr {
            Some(addr) => {
                let metrics = server::metrics::Metrics::new();
                let listener = tokio::net::TcpListener::bind(addr).await?;
                tracing::info!("metrics on http://{addr}/metrics");
                let router = server::metrics::router(metrics.clone(), state.db.clone());
                tokio::spawn(async move {
                    if let Err(error) = axum::serve(listener, router).await {
                        tracing::error!(%error, "the metrics listener stopped");
                    }
                });
                Some(metrics)
            }
            None => None,
        };
        let app = server::router_with(
            state,
            server::HttpOptions {
                request_timeout: std::time::Duration::from_secs(options.request_timeout_secs),
                metrics,
                error_reports: options.sentry_dsn.is_some(),
            },
        );
        let listener = tokio::net::TcpListener::bind(options.site_addr).await?;
        tracing::info!(
            "listening on http://{}  (try http://acme.{}:{})",
            options.site_addr,
            options.base_domain,
            options.site_addr.port()
        );
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        cleanup.abort();
        Ok::<(), AnyError>(())
    }
    .await;
    opened.db.close().await;
    if let Some(pg) = opened.embedded {
        tokio::task::spawn_blocking(move || pg.stop()).await?;
    }
    result
}

async fn migrate(options: Options) -> Result<(), AnyError> {
    let opened = database::open(&options).await?;
    tracing::info!("migrations applied");
    opened.db.close().await;
    if let Some(pg) = opened.embedded {
        pg.stop();
    }
    Ok(())
}

async fn seed(options: Options) -> Result<(), AnyError> {
    let opened = database::open(&options).await?;
    let result = seed_demo(&opened.db).await;
    opened.db.close().await;
    if let Some(pg) = opened.embedded {
        pg.stop();
    }
    result?;
    tracing::info!("demo businesses ready");
    Ok(())
}

async fn create_operator(options: Options, email: String, name: String) -> Result<(), AnyError> {
    let password = match std::env::var("SHOPFLOOR_OPERATOR_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("Password for {email} (used only if the account is new):");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let opened = database::open(&options).await?;
    let result = app::domain::org::platform::create_operator(&opened.db, &email, &name, &password).await;
    opened.db.close().await;
    if let Some(pg) = opened.embedded {
        pg.stop();
    }
    let id = result.map_err(|e| e.to_string())?;
    println!("{email} is a platform operator (user {id}); sign in at admin.<your domain>.");
    Ok(())
}

async fn export_tenant(options: Options, slug: String, output: Option<PathBuf>) -> Result<(), AnyError> {
    let opened = database::open(&options).await?;
    let result = match &output {
        Some(path) => backup_to_file(&opened.db, &slug, path).await,
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            tenant_backup::export(&opened.db, &slug, &mut out)
                .await
                .map_err(AnyError::from)
        }
    };
    opened.db.close().await;
    if let Some(pg) = opened.embedded {
        pg.stop();
    }
    let summary = result?;
    eprintln!(
        "backed up {} ({}): {} rows in {} tables{}",
        summary.slug,
        summary.tenant_id,
        summary.total_rows(),
        summary.rows.len(),
        output.map(|p| format!(" to {}", p.display())).unwrap_or_default()
    );
    Ok(())
}

/// Writes the backup next to `path` first and renames it into place once it is
/// whole, so a failed run never leaves a file that looks like a backup.
async fn backup_to_file(
    db: &app::tenancy::Db,
    slug: &str,
    path: &Path,
) -> Result<tenant_backup::BackupSummary, AnyError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)?;
    let mut out = std::io::BufWriter::new(file);
    let written = async {
        let summary = tenant_backup::export(db, slug, &mut out).await?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&partial, path)?;
        Ok::<_, AnyError>(summary)
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

async fn import_tenant(options: Options, file: PathBuf) -> Result<(), AnyError> {
    let input: Box<dyn std::io::BufRead> = if file.as_os_str() == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        let opened = std::fs::File::open(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        Box::new(std::io::BufReader::new(opened))
    };
    let opened = database::open(&options).await?;
    let result = tenant_backup::import(&opened.db, input).await;
    opened.db.close().await;
    if let Some(pg) = opened.embedded {
        pg.stop();
    }
    let summary = result?;
    eprintln!(
        "restored {} ({}): {} rows in {} tables, {} accounts already here kept as they are",
        summary.slug,
        summary.tenant_id,
        summary.total_rows(),
        summary.rows.len(),
        summary.accounts_kept
    );
    Ok(())
}

async fn embedded_db(options: Options) -> Result<(), AnyError> {
    let data_dir = options.data_dir.clone();
    let pg = tokio::task::spawn_blocking(move || embedded::EmbeddedPostgres::start(&data_dir)).await??;
    println!("{}", pg.url(embedded::SUPERUSER, "postgres"));
    shutdown_signal().await;
    tokio::task::spawn_blocking(move || pg.stop()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
