//! The embedded default: a private cluster that survives a crash of its own.
use std::{path::PathBuf, time::Duration};

use nix::{sys::signal, unistd::Pid};
use server::embedded::{EmbeddedPostgres, SUPERUSER};
use sqlx::{Connection, PgConnection};

fn scratch_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/test-embedded")
        .join(uuid::Uuid::new_v4().simple().to_string())
}

async fn query_marker(pg: &EmbeddedPostgres) -> Option<String> {
    let mut conn = PgConnection::connect_with(&pg.connect_options(SUPERUSER, "postgres"))
        .await
        .ok()?;
    sqlx::query_scalar("SELECT note FROM crash_marker")
        .fetch_optional(&mut conn)
        .await
        .ok()?
}

#[test]
fn embedded_cluster_restarts_after_a_crash_and_keeps_its_data() {
    let dir = scratch_dir();
    let rt = tokio::runtime::Runtime::new().unwrap();

    let pg = EmbeddedPostgres::start(&dir).expect("first start creates the cluster");
    rt.block_on(async {
        let mut conn = PgConnection::connect_with(&pg.connect_options(SUPERUSER, "postgres"))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE crash_marker (note text)")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO crash_marker VALUES ('still here')")
            .execute(&mut conn)
            .await
            .unwrap();
        // No TCP: the cluster listens on its socket only.
        let listen: String = sqlx::query_scalar("SHOW listen_addresses")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(listen, "");
        conn.close().await.unwrap();
    });

    // Crash: the postmaster dies without cleaning up its pid file.
    let pid_file = pg.data_dir().join("postmaster.pid");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    signal::kill(Pid::from_raw(pid), signal::Signal::SIGKILL).unwrap();
    // Its backends notice and exit on their own.
    std::thread::sleep(Duration::from_secs(3));
    assert!(pid_file.exists(), "the crash leaves a stale pid file behind");
    drop(pg);

    let pg = EmbeddedPostgres::start(&dir).expect("starts again over the stale pid file");
    let marker = rt.block_on(query_marker(&pg));
    assert_eq!(marker.as_deref(), Some("still here"), "data survived the crash");
    pg.stop();
    assert!(!pid_file.exists(), "a clean stop removes the pid file");

    // A second start reuses the data.
    let pg = EmbeddedPostgres::start(&dir).unwrap();
    assert_eq!(rt.block_on(query_marker(&pg)).as_deref(), Some("still here"));
    pg.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
