//! The timeline chart: inline SVG, one row per incident, a mark per finding
//! moment coloured by the finding's severity, shaped by the moment's kind.

use super::escape::E;
use super::view::{FindingView, View};
use ferret_core::{Severity, Timestamp};
use ferret_incident::{Moment, MomentKind};
use std::fmt::Write;

/// Unix seconds of an RFC 3339 time; `None` when it is not one.
fn parse(s: &str) -> Option<i64> {
    Timestamp::parse_rfc3339(s).map(|t| t.unix_micros().div_euclid(1_000_000))
}

/// `secs` as `YYYY-MM-DD HH:MM` (UTC): the first 16 characters of the
/// RFC 3339 form, with a space for the `T`.
fn format_minutes(secs: i64) -> String {
    let t = Timestamp::from_unix_secs(secs).to_rfc3339();
    t.get(..16).unwrap_or(&t).replacen('T', " ", 1)
}

const WIDTH: i64 = 1000;
const PLOT_X0: i64 = 250;
const PLOT_X1: i64 = 985;
const AXIS_H: i64 = 26;
const ROW_H: i64 = 22;
const LABEL_CHARS: usize = 30;
/// Past this many incidents the chart has one row per host.
const MAX_ROWS: usize = 40;

/// Tick steps in seconds, smallest first.
const STEPS: [i64; 16] = [
    60, 300, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800, 1_209_600,
    2_592_000, 7_862_400, 15_724_800, 31_536_000,
];

/// The span the axis covers, padded so marks do not sit on the frame.
struct Axis {
    lo: i64,
    hi: i64,
}

impl Axis {
    fn of(view: &View) -> Option<Axis> {
        let times = view
            .incidents
            .iter()
            .flat_map(|i| &i.findings)
            .flat_map(|f| &f.moments)
            .filter_map(|m| parse(&m.time));
        let (min, max) = times.fold(None, |acc: Option<(i64, i64)>, t| match acc {
            None => Some((t, t)),
            Some((a, b)) => Some((a.min(t), b.max(t))),
        })?;
        let pad = ((max - min) / 30).max(1800);
        Some(Axis {
            lo: min - pad,
            hi: max + pad,
        })
    }

    fn x(&self, t: i64) -> f64 {
        let span = (self.hi - self.lo).max(1) as f64;
        PLOT_X0 as f64 + (t - self.lo) as f64 / span * (PLOT_X1 - PLOT_X0) as f64
    }

    /// Tick positions and labels: about six, on whole minutes/hours/days.
    fn ticks(&self) -> Vec<(i64, String)> {
        let span = self.hi - self.lo;
        let step = STEPS
            .iter()
            .copied()
            .find(|s| span / s <= 6)
            .unwrap_or_else(|| (span / 6 / 31_536_000 + 1) * 31_536_000);
        let first = self.lo.div_euclid(step) * step + step;
        let label = |t: i64| {
            let s = format_minutes(t);
            if step >= 86_400 {
                s[..10].to_string()
            } else {
                s[5..].to_string()
            }
        };
        (0..)
            .map(|k| first + k * step)
            .take_while(|t| *t < self.hi)
            .map(|t| (t, label(t)))
            .collect()
    }
}

/// One row of the chart: an incident, or a host when there are too many incidents.
struct Row<'v, 'a> {
    /// The incident the row links to (none for a host row).
    incident: Option<&'a str>,
    label: String,
    tip: String,
    severity: Severity,
    findings: Vec<&'v FindingView<'a>>,
}

/// One row per incident; past [`MAX_ROWS`] incidents, one row per host (the
/// strongest hosts first), and the number of hosts left out.
fn rows<'v, 'a>(view: &'v View<'a>) -> (Vec<Row<'v, 'a>>, usize) {
    if view.incidents.len() <= MAX_ROWS {
        let rows = view
            .incidents
            .iter()
            .map(|iv| {
                let inc = iv.inc;
                let short: String = inc.id.chars().take(8).collect();
                Row {
                    incident: Some(&inc.id),
                    label: format!("{short} {}", inc.host),
                    tip: format!("{}: {} ({})", inc.severity, inc.title, inc.host),
                    severity: inc.severity,
                    findings: iv.findings.iter().collect(),
                }
            })
            .collect();
        return (rows, 0);
    }
    let mut hosts: Vec<Row> = Vec::new();
    for iv in &view.incidents {
        let host = iv.inc.host.as_str();
        let at = match hosts.iter().position(|r| r.label == host) {
            Some(at) => at,
            None => {
                hosts.push(Row {
                    incident: None,
                    label: host.to_string(),
                    tip: String::new(),
                    severity: iv.inc.severity,
                    findings: Vec::new(),
                });
                hosts.len() - 1
            }
        };
        let r = &mut hosts[at];
        r.severity = r.severity.max(iv.inc.severity);
        r.findings.extend(iv.findings.iter());
    }
    for r in &mut hosts {
        let incidents = view
            .incidents
            .iter()
            .filter(|i| i.inc.host == r.label)
            .count();
        r.tip = format!(
            "{}: {} incident(s), strongest {}",
            r.label, incidents, r.severity
        );
    }
    // Incidents come strongest first, so hosts do too.
    let left_out = hosts.len().saturating_sub(MAX_ROWS);
    hosts.truncate(MAX_ROWS);
    (hosts, left_out)
}

/// Writes the chart section (an SVG, or a note when nothing is timed).
pub(crate) fn write(o: &mut String, view: &View) {
    o.push_str(
        "<section class=\"chart\" aria-label=\"Timeline\"><h2>Timeline <small>(UTC)</small></h2>\n",
    );
    let Some(axis) = Axis::of(view) else {
        o.push_str(
            "<p class=\"muted\">No finding carries a time that can be charted.</p></section>\n",
        );
        return;
    };
    let (rows, left_out) = rows(view);
    let per = if rows.iter().all(|r| r.incident.is_some()) {
        "incident"
    } else {
        "host"
    };
    let height = AXIS_H + rows.len() as i64 * ROW_H + 8;
    let _ = writeln!(
        o,
        "<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\" aria-label=\"Findings over time, one row per {per}\">"
    );
    for (t, label) in axis.ticks() {
        let x = axis.x(t);
        let _ = writeln!(
            o,
            "<line class=\"grid\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{}\" y2=\"{}\"/><text class=\"tick\" x=\"{x:.1}\" y=\"14\">{}</text>",
            AXIS_H - 6,
            height - 4,
            E(&label)
        );
    }
    for (n, r) in rows.iter().enumerate() {
        row(o, &axis, r, AXIS_H + n as i64 * ROW_H);
    }
    o.push_str("</svg>\n");
    if per == "host" {
        let _ = write!(
            o,
            "<p class=\"muted\">{} incidents: one row per host.",
            view.incidents.len()
        );
        if left_out > 0 {
            let _ = write!(
                o,
                " {left_out} more host(s) not charted; their cards are below."
            );
        }
        o.push_str("</p>\n");
    }
    legend(o);
    o.push_str("</section>\n");
}

/// One row: its label, a span line and its marks; an incident's row links to its card.
fn row(o: &mut String, axis: &Axis, r: &Row, top: i64) {
    let mid = top + ROW_H / 2;
    let sev = r.severity.as_str();
    let mut label = r.label.clone();
    if label.chars().count() > LABEL_CHARS {
        label = label.chars().take(LABEL_CHARS - 1).collect::<String>() + "\u{2026}";
    }
    match r.incident {
        Some(id) => {
            let _ = write!(
                o,
                "<a class=\"row\" href=\"#inc-{id}\" data-incident=\"{id}\">",
                id = E(id)
            );
        }
        None => o.push_str("<g class=\"row\">"),
    }
    let _ = writeln!(
        o,
        "<title>{}</title><rect class=\"band\" x=\"0\" y=\"{top}\" width=\"{WIDTH}\" height=\"{ROW_H}\"/>\
<rect class=\"sev-{sev} chip\" x=\"4\" y=\"{}\" width=\"6\" height=\"12\"/>\
<text class=\"label\" x=\"16\" y=\"{}\">{}</text>",
        E(&r.tip),
        mid - 6,
        mid + 4,
        E(&label),
    );
    let times: Vec<i64> = r
        .findings
        .iter()
        .flat_map(|f| &f.moments)
        .filter_map(|m| parse(&m.time))
        .collect();
    if let (Some(a), Some(b)) = (times.iter().min(), times.iter().max()) {
        let _ = writeln!(
            o,
            "<line class=\"span sev-{sev}\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{mid}\" y2=\"{mid}\"/>",
            axis.x(*a),
            axis.x(*b)
        );
    }
    // Larger shapes first, so a mark at the same moment stays visible on top.
    let mut marks: Vec<(u8, i64, &FindingView, &Moment)> = r
        .findings
        .iter()
        .flat_map(|fv| fv.moments.iter().map(move |m| (fv, m)))
        .filter_map(|(fv, m)| Some((draw_order(m.what), parse(&m.time)?, *fv, m)))
        .collect();
    marks.sort_by_key(|(k, t, _, _)| (*k, *t));
    for (_, t, fv, m) in marks {
        let tip = format!(
            "{} {} \u{2014} {} [{}]",
            m.time,
            m.what.as_str(),
            fv.f.title,
            fv.f.severity
        );
        let _ = write!(
            o,
            "<g class=\"m sev-{}\"><title>{}</title>",
            fv.f.severity.as_str(),
            E(&tip)
        );
        shape(o, m.what, axis.x(t), mid as f64);
        o.push_str("</g>\n");
    }
    o.push_str(if r.incident.is_some() {
        "</a>\n"
    } else {
        "</g>\n"
    });
}

/// Which marks are drawn first: the largest shapes.
fn draw_order(kind: MomentKind) -> u8 {
    match kind {
        MomentKind::Started => 0,
        MomentKind::Logged => 1,
        MomentKind::Modified => 2,
        MomentKind::Detected => 3,
    }
}

/// The mark for one moment kind at (x, y).
fn shape(o: &mut String, kind: MomentKind, x: f64, y: f64) {
    let _ = match kind {
        MomentKind::Modified => write!(o, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\"/>"),
        MomentKind::Logged => write!(
            o,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\"/>",
            x - 4.0,
            y - 4.0
        ),
        MomentKind::Started => write!(
            o,
            "<polygon points=\"{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}\"/>",
            y - 7.5,
            x + 7.5,
            y + 7.5,
            x - 7.5
        ),
        MomentKind::Detected => write!(
            o,
            "<circle class=\"hollow\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.5\"/>"
        ),
    };
}

/// What the mark shapes mean.
fn legend(o: &mut String) {
    o.push_str("<p class=\"legend\"><svg viewBox=\"0 0 410 16\" width=\"410\" height=\"16\" aria-hidden=\"true\">");
    let kinds = [
        MomentKind::Modified,
        MomentKind::Logged,
        MomentKind::Started,
        MomentKind::Detected,
    ];
    for (n, k) in kinds.into_iter().enumerate() {
        let x = 8.0 + n as f64 * 100.0;
        o.push_str("<g class=\"m sev-info\">");
        shape(o, k, x, 8.0);
        let _ = write!(
            o,
            "</g><text x=\"{:.0}\" y=\"12\">{}</text>",
            x + 10.0,
            k.as_str()
        );
    }
    o.push_str("</svg> marks coloured by finding severity; hover for details; a row links to its incident.</p>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_rfc3339() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("2026-11-20T03:14:15Z"), Some(1_795_144_455));
        assert_eq!(parse("2026-11-20T04:14:15.250+01:00"), Some(1_795_144_455));
        assert_eq!(format_minutes(1_795_144_455), "2026-11-20 03:14");
        assert_eq!(format_minutes(-60), "1969-12-31 23:59");
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn ticks_are_few_and_inside_the_axis() {
        for (lo, hi) in [
            (0, 1),
            (1_795_144_455, 1_795_144_455 + 600),
            (1_795_144_455, 1_795_144_455 + 3 * 86_400),
            (-62_135_596_800, 253_402_300_799),
        ] {
            let axis = Axis { lo, hi };
            let ticks = axis.ticks();
            assert!(ticks.len() <= 7, "{lo}..{hi}: {} ticks", ticks.len());
            assert!(ticks.iter().all(|(t, _)| *t > lo && *t < hi));
            assert!(ticks
                .iter()
                .all(|(t, _)| (PLOT_X0 as f64..=PLOT_X1 as f64).contains(&axis.x(*t))));
        }
        let days = Axis {
            lo: 1_795_144_455,
            hi: 1_795_144_455 + 5 * 86_400,
        };
        let labels: Vec<String> = days.ticks().into_iter().map(|(_, l)| l).collect();
        assert_eq!(
            labels,
            [
                "2026-11-21",
                "2026-11-22",
                "2026-11-23",
                "2026-11-24",
                "2026-11-25"
            ]
        );
        let hours = Axis {
            lo: 1_795_144_455,
            hi: 1_795_144_455 + 3 * 3600,
        };
        assert_eq!(hours.ticks()[0].1, "11-20 03:30");
    }
}
