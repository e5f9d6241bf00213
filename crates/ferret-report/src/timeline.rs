//! `--format timeline`: a CSV timeline with one row per moment of every
//! finding (a file's mtime, a logged request, a process start, the detection),
//! sorted by time, for a spreadsheet or a timeline tool.
//!
//! Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula
//! (and tab or CR can smuggle one in): every such text cell gets a leading `'`,
//! as OWASP advises against CSV injection.

use crate::{Document, Meta, ReportError};
use ferret_core::{Finding, Timestamp};
use ferret_incident::{Correlation, Moment};
use std::io::Write;

/// The header row.
const HEADER: [&str; 12] = [
    "time",
    "moment",
    "host",
    "incident",
    "severity",
    "technique",
    "source",
    "rule",
    "subject_kind",
    "subject",
    "title",
    "finding_id",
];

/// Writes the CSV timeline of every finding's moments.
pub struct Timeline;

impl Document for Timeline {
    fn write(&self, c: &Correlation, _meta: &Meta, out: &mut dyn Write) -> Result<(), ReportError> {
        write_csv(
            c,
            &ferret_incident::moments,
            &ferret_incident::source_of,
            out,
        )
    }
}

/// A finding's moments and its analysis, as functions so tests can supply them.
type MomentsFn<'a> = &'a dyn Fn(&Finding) -> Vec<Moment>;
type SourceFn<'a> = &'a dyn Fn(&Finding) -> &'static str;

fn write_csv(
    c: &Correlation,
    moments: MomentsFn,
    source: SourceFn,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let mut rows: Vec<(Option<Timestamp>, Moment, &Finding)> = c
        .findings
        .iter()
        .flat_map(|f| {
            moments(f)
                .into_iter()
                .map(move |m| (Timestamp::parse_rfc3339(&m.time), m, f))
        })
        .collect();
    // Time (parsed, so offsets and fractions order right), then finding id;
    // the moment kind and host settle the rest, so equal input gives equal output.
    rows.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.time.cmp(&b.1.time))
            .then_with(|| a.2.id.cmp(&b.2.id))
            .then_with(|| a.2.host.cmp(&b.2.host))
            .then_with(|| a.1.what.as_str().cmp(b.1.what.as_str()))
    });
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER).map_err(std::io::Error::from)?;
    for (_, m, f) in rows {
        let technique = f.technique_label();
        let record = [
            m.time.as_str(),
            m.what.as_str(),
            f.host.as_str(),
            f.incident.as_str(),
            f.severity.as_str(),
            technique.as_str(),
            source(f),
            f.rule.as_str(),
            f.subject.kind(),
            f.subject.path().as_str(),
            f.title.as_str(),
            f.id.as_str(),
        ];
        w.write_record(record.map(|c| neutralize(c).into_owned()))
            .map_err(std::io::Error::from)?;
    }
    w.flush()?;
    Ok(())
}

/// Prefixes `'` to a cell a spreadsheet would read as a formula.
fn neutralize(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{moments_like, sample_correlation, source_like, HOSTILE};

    fn render(c: &Correlation) -> String {
        let mut out = Vec::new();
        write_csv(c, &moments_like, &source_like, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn records(text: &str) -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap())
            .collect()
    }

    #[test]
    fn one_row_per_moment_sorted() {
        let c = sample_correlation();
        let text = render(&c);
        let header = text.lines().next().unwrap();
        assert_eq!(header, HEADER.join(","));
        let rows = records(&text);
        // file: mtime + detection, event: logged + detection, process: started +
        // detection, hostile file: detection, component: detection.
        assert_eq!(rows.len(), 8);
        let times: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted);
        assert_eq!(&rows[0][1], "modified");
        assert_eq!(&rows[0][9], "/var/www/html/up/x.php");
        assert_eq!(&rows[1][1], "logged");
        assert_eq!(&rows[1][6], "hunt");
        assert_eq!(&rows[2][1], "started");
        assert_eq!(&rows[2][8], "process");
        assert_eq!(&rows[2][4], "critical");
        assert_eq!(&rows[2][5], "T1505.003 Web Shell");
        // Ties at the detection time are ordered by finding id.
        let ids: Vec<&str> = rows[3..].iter().map(|r| &r[11]).collect();
        let mut by_id = ids.clone();
        by_id.sort();
        assert_eq!(ids, by_id);
        let mut rev = c.clone();
        rev.findings.reverse();
        assert_eq!(render(&rev), text);
    }

    #[test]
    fn rows_name_incident_and_source() {
        let c = sample_correlation();
        let rows = records(&render(&c));
        let comp = rows.iter().find(|r| &r[7] == "ferret.component").unwrap();
        assert_eq!(&comp[2], "web02");
        assert_eq!(&comp[3], c.incidents[1].id.as_str());
        assert_eq!(&comp[6], "inventory");
        assert_eq!(&comp[5], "T1505 Server Software Component");
        assert_eq!(&comp[8], "component");
    }

    #[test]
    fn hostile_text_is_one_cell_and_formulas_are_neutralized() {
        let mut c = sample_correlation();
        c.findings[0].title = "=HYPERLINK(\"http://x/\",\"click\")".into();
        c.findings[1].host = "@SUM(1+1)".into();
        c.findings[2].title = "-2+3".into();
        c.findings[4].title = "+cmd|' /C calc'!A0".into();
        let text = render(&c);
        assert!(!text.contains('\x1b'));
        let rows = records(&text);
        assert_eq!(rows.len(), 8);
        let hostile = ferret_core::Escaped::from_text(HOSTILE);
        assert!(rows.iter().any(|r| &r[9] == hostile.as_str()));
        for r in &rows {
            for cell in r.iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "formula cell {cell:?}"
                );
            }
        }
        assert!(rows
            .iter()
            .any(|r| &r[10] == "'=HYPERLINK(\"http://x/\",\"click\")"));
        assert!(rows.iter().any(|r| &r[2] == "'@SUM(1+1)"));
        assert!(rows.iter().any(|r| &r[10] == "'-2+3"));
    }

    #[test]
    fn document_uses_the_correlation_crates_moments() {
        let c = sample_correlation();
        let mut out = Vec::new();
        Timeline
            .write(&c, &crate::testutil::sample_meta(), &mut out)
            .unwrap();
        let real = records(&String::from_utf8(out).unwrap());
        let local = records(&render(&c));
        assert_eq!(real.len(), local.len());
        for (r, l) in real.iter().zip(&local) {
            // Same instants (the real ones carry microseconds), kinds, sources and findings.
            assert_eq!(
                Timestamp::parse_rfc3339(&r[0]),
                Timestamp::parse_rfc3339(&l[0])
            );
            assert_eq!(&r[1], &l[1]);
            assert_eq!(&r[6], &l[6]);
            assert_eq!(&r[11], &l[11]);
        }
    }

    #[test]
    fn neutralize_leaves_plain_text() {
        assert_eq!(neutralize("2026-11-23T10:00:00Z"), "2026-11-23T10:00:00Z");
        assert_eq!(neutralize("/var/www/=x"), "/var/www/=x");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize(""), "");
    }
}
