//! The PostgreSQL schema, as numbered migrations applied in order.
//!
//! [`migrate`] runs in one transaction holding a transaction-scoped advisory
//! lock, so two ingesters starting together apply each migration once; the
//! versions applied are recorded in `ferret_fleet_migrations`.

use crate::FleetError;

/// The advisory lock key migrations hold ("FERRET" + 1).
const LOCK_KEY: i64 = 0x0046_4552_5245_5401;

/// Version 1: findings, incidents, the hosts whose incidents are stale, and
/// the messages that were not findings.
const V1: &str = "
CREATE TABLE findings (
    host            text        NOT NULL,
    id              text        NOT NULL,
    time            timestamptz NOT NULL,
    published_at    timestamptz NULL,
    ingested_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    severity        text        NOT NULL,
    severity_rank   smallint    NOT NULL,
    technique       text        NOT NULL,
    rule            text        NOT NULL,
    subject_kind    text        NOT NULL,
    subject         text        NOT NULL,
    sha256          text        NULL,
    incident        text        NULL,
    stream_seq      bigint      NULL,
    doc             jsonb       NOT NULL,
    PRIMARY KEY (host, id)
);
CREATE INDEX findings_sha256 ON findings (sha256) WHERE sha256 IS NOT NULL;
CREATE TABLE incidents (
    host            text        NOT NULL,
    id              text        NOT NULL,
    severity        text        NOT NULL,
    severity_rank   smallint    NOT NULL,
    title           text        NOT NULL,
    first_seen      timestamptz NULL,
    last_seen       timestamptz NULL,
    finding_count   integer     NOT NULL,
    doc             jsonb       NOT NULL,
    PRIMARY KEY (host, id)
);
CREATE TABLE dirty_hosts (
    host            text        PRIMARY KEY,
    gen             bigint      NOT NULL DEFAULT 1,
    marked_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE rejects (
    stream_seq      bigint      PRIMARY KEY,
    subject         text        NOT NULL,
    reason          text        NOT NULL,
    payload         bytea       NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
";

/// Every migration, in order: (version, SQL).
const MIGRATIONS: &[(i32, &str)] = &[(1, V1)];

/// The newest schema version this build knows.
pub(crate) const LATEST: i32 = 1;

/// Applies the migrations the database lacks; returns how many were applied.
pub(crate) async fn migrate(db: &mut tokio_postgres::Client) -> Result<usize, FleetError> {
    let tx = db
        .transaction()
        .await
        .map_err(|e| FleetError::db("starting the migration transaction", &e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .await
        .map_err(|e| FleetError::db("taking the migration lock", &e))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS ferret_fleet_migrations (
             version    integer     PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT clock_timestamp())",
    )
    .await
    .map_err(|e| FleetError::db("creating ferret_fleet_migrations", &e))?;
    let current: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM ferret_fleet_migrations",
            &[],
        )
        .await
        .map_err(|e| FleetError::db("reading the schema version", &e))?
        .get(0);
    if current > LATEST {
        return Err(FleetError::Config(format!(
            "the database's fleet schema is version {current}, newer than this Ferret knows ({LATEST}): upgrade Ferret"
        )));
    }
    let mut applied = 0;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql)
            .await
            .map_err(|e| FleetError::db(format!("applying migration {version}"), &e))?;
        tx.execute(
            "INSERT INTO ferret_fleet_migrations (version) VALUES ($1)",
            &[version],
        )
        .await
        .map_err(|e| FleetError::db(format!("recording migration {version}"), &e))?;
        applied += 1;
    }
    tx.commit()
        .await
        .map_err(|e| FleetError::db("committing the migrations", &e))?;
    Ok(applied)
}

/// Fails with a clear message when the database has no fleet schema.
pub(crate) async fn require(db: &tokio_postgres::Client) -> Result<(), FleetError> {
    let row = db
        .query_one(
            "SELECT to_regclass('ferret_fleet_migrations') IS NOT NULL",
            &[],
        )
        .await
        .map_err(|e| FleetError::db("looking for the fleet schema", &e))?;
    if row.get::<_, bool>(0) {
        Ok(())
    } else {
        Err(FleetError::Config(
            "this database holds no Ferret fleet data: run `ferret fleet ingest` against it first"
                .into(),
        ))
    }
}
