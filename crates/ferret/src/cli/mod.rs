//! The command line: one module per subcommand, each with its clap args and
//! an `exec` function. Flags shared by several subcommands live here.

mod audit_db;
mod baseline;
mod fleet;
mod hunt;
mod inventory;
mod live;
mod output;
mod posture;
mod progress;
mod report;
mod rules;
mod scan;
mod watch;

use clap::{Parser, Subcommand};

/// Ferret finds server software component persistence (MITRE ATT&CK T1505):
/// web shells, rogue server modules and their kin, with the evidence for each.
///
/// Exit status: 0 when nothing at or above --fail-on was found, 1 when
/// something was, 2 when an error happened (results found so far are still
/// written).
#[derive(Debug, Parser)]
#[command(
    name = "ferret",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan files for web shells (T1505.003) and report each with its evidence.
    ///
    /// Examples:
    ///   ferret scan /var/www
    ///   ferret scan --root /mnt/image            # a mounted disk image
    ///   ferret scan --root ./kape-collection     # C/ or C%3A/ drive folders
    ///   ferret scan /srv --format jsonl --output findings.jsonl
    ///   ferret scan /srv --yara ./signature-base/yara --exclude '*.min.js'
    ///
    /// Exit status: 0 nothing at or above --fail-on, 1 findings, 2 errors
    /// (unreadable items, refused rule files; results are still written).
    #[command(verbatim_doc_comment)]
    Scan(scan::ScanArgs),
    /// List every server software component and judge each (T1505.002/.004/.005/.006).
    ///
    /// Reads server configuration offline: IIS applicationHost.config and
    /// web.config (native and managed modules, handlers, ISAPI filters),
    /// Exchange agents.config, the SYSTEM hive's TermService ServiceDll (every
    /// ControlSet), ESXi's image database and install logs, Apache LoadModule,
    /// nginx load_module, PHP extensions and auto_prepend_file (php.ini,
    /// .user.ini, .htaccess), Tomcat valves, filters and -javaagent, Redis
    /// loadmodule, PostgreSQL preload libraries. Each component is stock,
    /// unknown or suspicious, with the reasons: known-good lists under
    /// rules/known-good/, image location, Authenticode signature, package
    /// ownership and checksum. `ferret scan` reports the same findings.
    ///
    /// Examples:
    ///   ferret inventory                          # this host
    ///   ferret inventory --root ./kape-collection # Windows triage collection
    ///   ferret inventory --root /mnt/esxi --not-stock
    ///   ferret inventory ./applicationHost.config ./SYSTEM --format jsonl
    ///
    /// Exit status: 0 nothing at or above --fail-on, 1 findings, 2 errors.
    #[command(verbatim_doc_comment)]
    Inventory(inventory::InventoryArgs),
    /// Hunt through event and web logs for T1505 activity with Sigma rules and web-log analysis.
    ///
    /// Reads EVTX, JSON lines (Winlogbeat/ECS, Sysmon for Linux, OTRF/Mordor
    /// exports), Linux audit.log, IIS W3C, Apache/nginx/Tomcat access logs,
    /// ESXi shell.log/hostd.log and SQL Server ERRORLOG, plain or in .gz/.zip,
    /// and runs Ferret's T1505 Sigma rules (rules/sigma/) plus any --sigma tree
    /// (SigmaHQ loads unchanged; logsource mappings in rules/mappings/). Web
    /// logs are also scored per URI for web-shell use: POSTs to a script that
    /// never had them, one or few clients, new scripts under /owa/auth/ or
    /// /aspnet_client/, web-shell parameter shapes, missing Referer, swinging
    /// response sizes. Each finding names the log, the record or line, the
    /// rule and the matched fields.
    ///
    /// Examples:
    ///   ferret hunt C/Windows/System32/winevt/Logs
    ///   ferret hunt ./logs --sigma ./sigma/rules/windows --min-severity low
    ///   ferret hunt u_ex*.log access.log.gz --from 2024-03-01 --format jsonl
    ///   ferret hunt collection.zip --no-builtin-rules --sigma ./my-rules
    ///
    /// Exit status: 0 nothing at or above --fail-on, 1 findings, 2 errors
    /// (unreadable files or records; results are still written).
    #[command(verbatim_doc_comment)]
    Hunt(hunt::HuntArgs),
    /// Audit live database servers, read-only, for server-side persistence (T1505.001).
    ///
    /// Connects in a read-only session with connect and statement timeouts,
    /// lists every function, trigger, event trigger, extension, preload
    /// setting, privileged role and large object, and reports the dangerous
    /// ones (untrusted-language and C functions, COPY ... PROGRAM, SECURITY
    /// DEFINER owned by superusers, MySQL UDFs and plugins, Redis modules and
    /// dump paths...). postgres://, mysql:// (MariaDB too) and redis://.
    ///
    /// Examples:
    ///   ferret audit-db postgres://postgres@127.0.0.1:5432
    ///   FERRET_DB_URL=postgres://audit@db1 ferret audit-db --format jsonl
    ///   ferret audit-db postgres://audit@db1 --inventory
    #[command(verbatim_doc_comment)]
    AuditDb(audit_db::AuditDbArgs),
    /// Record server components and their files in a sealed store, and report what changed since (M1047).
    ///
    /// `create` records every component `ferret inventory` finds, every file
    /// under the component locations (web roots, module and plugin
    /// directories, agent and VIB locations) with SHA-256, size, mode, owner
    /// and times, and with --db-url every database object. The store (SQLite)
    /// is sealed with a key kept outside it (HMAC-SHA256); an anchor beside
    /// the key catches a store put back to an older copy. `diff` reports each
    /// added, changed and removed item as a finding whose severity depends on
    /// where it is (a new script in an upload directory is high, a changed
    /// module whose package checksum still matches is info); unchanged files
    /// are not re-read (size, mtime, ctime, inode). `accept` records reviewed
    /// changes with who and why.
    ///
    /// Examples:
    ///   ferret baseline create
    ///   ferret baseline diff --format jsonl
    ///   ferret baseline accept --all --why 'patched php8.2 (CHG-1234)'
    ///   ferret baseline create --root /mnt/appliance --db ./appliance.db --key ./appliance.key
    ///
    /// Exit status: 0 no change at or above --fail-on, 1 changes, 2 errors or
    /// a store that cannot be trusted (altered, truncated, rolled back).
    #[command(verbatim_doc_comment)]
    Baseline(baseline::BaselineArgs),
    /// Watch component locations and logs, and report each finding the moment it lands.
    ///
    /// A daemon: inotify watches on the web roots, module directories and
    /// server configuration; each created or modified file is judged like
    /// `ferret scan` once it settles, each changed configuration re-read like
    /// `ferret inventory`; web and audit logs are tailed through the Sigma
    /// rules and the web-log analysis of `ferret hunt` (rotation and
    /// truncation followed). A kernel queue overflow rescans the roots. Log
    /// offsets, files seen and findings reported are kept in the store, so a
    /// restart neither loses nor repeats a finding. SIGTERM stops it cleanly,
    /// SIGHUP reloads the rules. A systemd unit: docs/ferret-watch.service.
    ///
    /// Examples:
    ///   ferret watch
    ///   ferret watch /var/www --log /var/log/nginx/access.log --format jsonl
    ///   ferret watch --output /var/log/ferret/findings.jsonl --syslog --format none
    #[command(verbatim_doc_comment)]
    Watch(watch::WatchArgs),
    /// Report which of T1505's mitigations this server has in place (met / not met / unknown, with evidence).
    ///
    /// M1047 a sealed, recent baseline; M1045 modules signed or package-owned
    /// with matching checksums; M1042 PHP disable_functions, no script
    /// execution in upload directories, no untrusted PostgreSQL languages,
    /// xp_cmdshell off; M1018/M1026 web roots and module directories not
    /// writable by the server's user, few superusers; M1024 registry
    /// permissions; M1046 Secure Boot / ESXi execInstalledOnly. Each check
    /// names the file, line and value that decided it.
    ///
    /// Examples:
    ///   ferret posture
    ///   ferret posture --root /mnt/image --format json
    ///   ferret posture --db-url postgres://audit@db1:5432
    ///
    /// Exit status: 0 all met or unknown, 1 a check not met, 2 errors.
    #[command(verbatim_doc_comment)]
    Posture(posture::PostureArgs),
    /// Join findings saved earlier (any hosts, any days) into incidents and write them in any format.
    ///
    /// Reads JSON-lines findings (`--format jsonl` of scan, inventory, hunt,
    /// audit-db, baseline diff, scan --live, watch --output) and joins those
    /// about the same component on one host into one incident: the same file
    /// path or hash, a log line requesting the script's URI, a process whose
    /// working directory or command line names it, the same module image or
    /// database object, within --window. Each incident has a stable id, first
    /// and last seen, the strongest severity and the reason each finding
    /// joined. Formats: incident-table (default), incidents (JSON lines), ecs,
    /// ocsf, timeline (CSV), navigator (ATT&CK layer), html (one file).
    ///
    /// Examples:
    ///   ferret scan --root ./triage --format jsonl -o scan.jsonl
    ///   ferret hunt ./triage/logs --host triage --format jsonl -o hunt.jsonl
    ///   ferret report scan.jsonl hunt.jsonl
    ///   ferret report *.jsonl --format html -o report.html
    ///   ferret report *.jsonl --format ecs --sink nats://broker:4222
    ///
    /// Exit status: 0 nothing at or above --fail-on, 1 findings, 2 unreadable
    /// inputs or lines that are not findings (the rest is still reported).
    #[command(verbatim_doc_comment)]
    Report(report::ReportArgs),
    /// The fleet pipeline: publish to NATS JetStream, ingest into PostgreSQL, report across hosts.
    #[command(subcommand)]
    Fleet(fleet::FleetCommand),
    /// List, test and check the rules.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at or above --fail-on.
    Clean,
    /// Findings at or above --fail-on.
    Findings,
    /// Some items could not be examined.
    Errors,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::Errors => 2,
        }
    }
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Scan(a) => scan::exec(a),
        Command::AuditDb(a) => audit_db::exec(a),
        Command::Hunt(a) => hunt::exec(a),
        Command::Inventory(a) => inventory::exec(a),
        Command::Rules(c) => rules::exec(c),
        Command::Baseline(a) => baseline::exec(a),
        Command::Watch(a) => watch::exec(a),
        Command::Posture(a) => posture::exec(a),
        Command::Report(a) => report::exec(a),
        Command::Fleet(c) => fleet::exec(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `docs/cli.md` is generated from the flag definitions; this fails when
    /// it is stale (`FERRET_BLESS=1 cargo test` rewrites it).
    #[test]
    fn cli_doc_is_current() {
        fn render(cmd: &mut clap::Command, path: &str, out: &mut String) {
            let help = cmd.render_long_help().to_string();
            out.push_str(&format!(
                "## `{path}`\n\n```text\n{}\n```\n\n",
                help.trim_end()
            ));
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            for n in names {
                if n == "help" {
                    continue;
                }
                let sub = cmd.find_subcommand_mut(&n).unwrap();
                render(sub, &format!("{path} {n}"), out);
            }
        }
        let mut cmd = Cli::command().term_width(100);
        cmd.build();
        let mut doc = String::from(
            "# Command-line reference\n\nGenerated from the flag definitions; do not edit.\n\n",
        );
        render(&mut cmd, "ferret", &mut doc);
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md");
        if std::env::var_os("FERRET_BLESS").is_some() {
            std::fs::write(&path, &doc).unwrap();
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == doc,
            "docs/cli.md is stale: run FERRET_BLESS=1 cargo test --release -p ferret cli_doc"
        );
    }
}
