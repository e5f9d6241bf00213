//! The cross-host view: one summary per host, and campaigns — the same
//! content hash (a web shell, a module image) on several hosts.
//!
//! The database is opened read-only (`default_transaction_read_only`) and
//! read in one repeatable-read snapshot. Every text that came from the
//! database is escaped once more (control and invisible characters) before
//! it reaches the report, so neither the table nor the JSON can carry a
//! terminal sequence that a scanned host slipped into a finding.

use crate::pg::{self, printable};
use crate::FleetError;
use ferret_core::Severity;
use std::io::Write;

/// What to show.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// A campaign needs at least this many hosts (default 2; 0 counts as 1).
    pub min_hosts: usize,
    /// At most this many distinct paths are listed per campaign (default 10).
    pub max_paths: usize,
}

impl Default for ReportQuery {
    fn default() -> Self {
        ReportQuery {
            min_hosts: 2,
            max_paths: 10,
        }
    }
}

/// One host's summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HostSummary {
    /// The host name (escaped).
    pub host: String,
    /// Findings stored for it.
    pub findings: u64,
    /// Incidents correlated for it.
    pub incidents: u64,
    /// The strongest severity of its findings.
    pub worst_severity: Severity,
    /// The latest finding time (RFC 3339, UTC).
    pub last_seen: String,
}

/// One hash on several hosts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Campaign {
    /// The content's SHA-256 (lowercase hex).
    pub sha256: String,
    /// The hosts holding it, sorted (escaped).
    pub hosts: Vec<String>,
    /// Distinct subject paths holding it, sorted, at most `max_paths` (escaped).
    pub paths: Vec<String>,
    /// How many distinct paths there are in all.
    pub paths_total: u64,
    /// The strongest severity of its findings.
    pub severity: Severity,
    /// The earliest finding time (RFC 3339, UTC).
    pub first_seen: String,
    /// The latest finding time (RFC 3339, UTC).
    pub last_seen: String,
    /// Findings about it, across hosts.
    pub findings: u64,
    /// ATT&CK technique ids of those findings, sorted.
    pub techniques: Vec<String>,
    /// A few distinct titles (escaped).
    pub titles: Vec<String>,
}

/// Totals over the whole database.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    /// Hosts with findings.
    pub hosts: u64,
    /// Findings stored.
    pub findings: u64,
    /// Incidents stored.
    pub incidents: u64,
    /// Campaigns in this report.
    pub campaigns: u64,
    /// Messages that were not findings.
    pub rejects: u64,
}

/// The cross-host view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FleetReport {
    /// Every host, worst first.
    pub hosts: Vec<HostSummary>,
    /// Hashes on at least `min_hosts` hosts, strongest first.
    pub campaigns: Vec<Campaign>,
    /// Totals.
    pub totals: Totals,
}

fn severity(rank: i16) -> Severity {
    usize::try_from(rank)
        .ok()
        .and_then(|r| Severity::ALL.get(r).copied())
        .unwrap_or(Severity::Info)
}

const UTC: &str = r#"'YYYY-MM-DD"T"HH24:MI:SS"Z"'"#;

/// Reads the cross-host view.
pub fn fleet_report(db_url: &str, q: &ReportQuery) -> Result<FleetReport, FleetError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FleetError::Other(format!("starting the runtime: {e}")))?;
    rt.block_on(read(db_url, q))
}

async fn read(db_url: &str, q: &ReportQuery) -> Result<FleetReport, FleetError> {
    let mut db = pg::connect(db_url).await?;
    db.batch_execute("SET default_transaction_read_only = on")
        .await
        .map_err(|e| FleetError::db("opening the database read-only", &e))?;
    crate::schema::require(&db).await?;
    let tx = db
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(|e| FleetError::db("starting a read-only snapshot", &e))?;

    let hosts_sql = format!(
        "SELECT f.host, count(*)::int8, max(f.severity_rank)::int2,
                to_char(max(f.time) AT TIME ZONE 'UTC', {UTC}),
                coalesce((SELECT count(*) FROM incidents i WHERE i.host = f.host), 0)::int8
         FROM findings f GROUP BY f.host
         ORDER BY max(f.severity_rank) DESC, count(*) DESC, f.host"
    );
    let hosts = tx
        .query(&hosts_sql, &[])
        .await
        .map_err(|e| FleetError::db("reading hosts", &e))?
        .iter()
        .map(|r| HostSummary {
            host: printable(r.get(0)),
            findings: r.get::<_, i64>(1) as u64,
            worst_severity: severity(r.get(2)),
            last_seen: r.get(3),
            incidents: r.get::<_, i64>(4) as u64,
        })
        .collect::<Vec<_>>();

    let campaigns_sql = format!(
        "SELECT sha256,
                array_agg(DISTINCT host ORDER BY host),
                (array_agg(DISTINCT subject ORDER BY subject))[1:$2::int4],
                count(DISTINCT subject)::int8,
                max(severity_rank)::int2,
                to_char(min(time) AT TIME ZONE 'UTC', {UTC}),
                to_char(max(time) AT TIME ZONE 'UTC', {UTC}),
                count(*)::int8,
                array_agg(DISTINCT technique ORDER BY technique),
                (array_agg(DISTINCT coalesce(doc->>'title', '') ORDER BY coalesce(doc->>'title', '')))[1:3]
         FROM findings WHERE sha256 IS NOT NULL
         GROUP BY sha256 HAVING count(DISTINCT host) >= $1::int8
         ORDER BY max(severity_rank) DESC, count(DISTINCT host) DESC, count(*) DESC, sha256"
    );
    let min_hosts = q.min_hosts.max(1) as i64;
    let max_paths = q.max_paths.min(i32::MAX as usize) as i32;
    let campaigns = tx
        .query(&campaigns_sql, &[&min_hosts, &max_paths])
        .await
        .map_err(|e| FleetError::db("reading campaigns", &e))?
        .iter()
        .map(|r| {
            let texts = |i: usize| -> Vec<String> {
                r.get::<_, Vec<String>>(i)
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| printable(s))
                    .collect()
            };
            Campaign {
                sha256: printable(r.get(0)),
                hosts: texts(1),
                paths: if max_paths == 0 { Vec::new() } else { texts(2) },
                paths_total: r.get::<_, i64>(3) as u64,
                severity: severity(r.get(4)),
                first_seen: r.get(5),
                last_seen: r.get(6),
                findings: r.get::<_, i64>(7) as u64,
                techniques: texts(8),
                titles: texts(9),
            }
        })
        .collect::<Vec<_>>();

    let t = tx
        .query_one(
            "SELECT (SELECT count(DISTINCT host) FROM findings)::int8,
                    (SELECT count(*) FROM findings)::int8,
                    (SELECT count(*) FROM incidents)::int8,
                    (SELECT count(*) FROM rejects)::int8",
            &[],
        )
        .await
        .map_err(|e| FleetError::db("reading totals", &e))?;
    let totals = Totals {
        hosts: t.get::<_, i64>(0) as u64,
        findings: t.get::<_, i64>(1) as u64,
        incidents: t.get::<_, i64>(2) as u64,
        campaigns: campaigns.len() as u64,
        rejects: t.get::<_, i64>(3) as u64,
    };
    tx.commit()
        .await
        .map_err(|e| FleetError::db("ending the snapshot", &e))?;
    Ok(FleetReport {
        hosts,
        campaigns,
        totals,
    })
}

fn paint(s: Severity, color: bool) -> String {
    if !color {
        return s.as_str().to_owned();
    }
    let code = match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    };
    format!("\x1b[{code}m{}\x1b[0m", s.as_str())
}

impl FleetReport {
    /// Writes the report for people: a host table, then each campaign.
    /// Text is already escaped; `color` adds ANSI colors to severities.
    pub fn write_table(&self, w: &mut dyn Write, color: bool) -> std::io::Result<()> {
        let t = &self.totals;
        writeln!(
            w,
            "Fleet: {} hosts, {} findings, {} incidents, {} campaigns{}",
            t.hosts,
            t.findings,
            t.incidents,
            t.campaigns,
            if t.rejects > 0 {
                format!(", {} rejected messages", t.rejects)
            } else {
                String::new()
            }
        )?;
        if !self.hosts.is_empty() {
            let width = self
                .hosts
                .iter()
                .map(|h| h.host.chars().count())
                .max()
                .unwrap_or(4)
                .clamp(4, 48);
            writeln!(w)?;
            writeln!(
                w,
                "{:<width$}  {:>8}  {:>9}  {:<8}  LAST SEEN",
                "HOST", "FINDINGS", "INCIDENTS", "WORST"
            )?;
            for h in &self.hosts {
                let pad = 8usize.saturating_sub(h.worst_severity.as_str().len());
                writeln!(
                    w,
                    "{:<width$}  {:>8}  {:>9}  {}{}  {}",
                    h.host,
                    h.findings,
                    h.incidents,
                    paint(h.worst_severity, color),
                    " ".repeat(pad),
                    h.last_seen
                )?;
            }
        }
        if self.campaigns.is_empty() {
            writeln!(w)?;
            writeln!(w, "No campaigns: no content hash is on more than one host.")?;
            return Ok(());
        }
        writeln!(w)?;
        writeln!(
            w,
            "Campaigns (the same content on several hosts), strongest first:"
        )?;
        for c in &self.campaigns {
            writeln!(w)?;
            writeln!(
                w,
                "[{}] sha256 {} on {} hosts, {} findings, {} .. {}",
                paint(c.severity, color),
                c.sha256,
                c.hosts.len(),
                c.findings,
                c.first_seen,
                c.last_seen
            )?;
            writeln!(w, "  hosts: {}", c.hosts.join(", "))?;
            let more = c.paths_total.saturating_sub(c.paths.len() as u64);
            writeln!(
                w,
                "  paths: {}{}",
                c.paths.join(", "),
                if more > 0 {
                    format!(" (+{more} more)")
                } else {
                    String::new()
                }
            )?;
            writeln!(w, "  techniques: {}", c.techniques.join(", "))?;
            for title in &c.titles {
                writeln!(w, "  title: {title}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_hosts_and_campaigns() {
        let r = FleetReport {
            hosts: vec![HostSummary {
                host: "web01".into(),
                findings: 3,
                incidents: 1,
                worst_severity: Severity::Critical,
                last_seen: "2026-01-01T00:00:00Z".into(),
            }],
            campaigns: vec![Campaign {
                sha256: "ab".repeat(32),
                hosts: vec!["a".into(), "b".into()],
                paths: vec!["/x.php".into()],
                paths_total: 3,
                severity: Severity::High,
                first_seen: "2026-01-01T00:00:00Z".into(),
                last_seen: "2026-01-02T00:00:00Z".into(),
                findings: 2,
                techniques: vec!["T1505.003".into()],
                titles: vec!["t".into()],
            }],
            totals: Totals {
                hosts: 1,
                findings: 3,
                incidents: 1,
                campaigns: 1,
                rejects: 0,
            },
        };
        let mut out = Vec::new();
        r.write_table(&mut out, false).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("web01") && s.contains("critical"), "{s}");
        assert!(
            s.contains("on 2 hosts") && s.contains("hosts: a, b") && s.contains("(+2 more)"),
            "{s}"
        );
        assert!(!s.contains('\x1b'));
        let mut colored = Vec::new();
        r.write_table(&mut colored, true).unwrap();
        assert!(String::from_utf8(colored)
            .unwrap()
            .contains("\x1b[1;31mcritical"));
    }
}
