//! The timeline chart: inline SVG, one row per incident, a mark per finding
//! moment coloured by the finding's severity, shaped by the moment's kind.

use super::escape::E;
use super::time::{format_minutes, parse};
use super::view::{IncidentView, View};
use ferret_incident::MomentKind;
use std::fmt::Write;

const WIDTH: i64 = 1000;
const PLOT_X0: i64 = 250;
const PLOT_X1: i64 = 985;
const AXIS_H: i64 = 26;
const ROW_H: i64 = 22;
const LABEL_CHARS: usize = 30;

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
            .unwrap_or(31_536_000);
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
    let rows = view.incidents.len() as i64;
    let height = AXIS_H + rows * ROW_H + 8;
    let _ = writeln!(
        o,
        "<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"img\" aria-label=\"Findings over time, one row per incident\">"
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
    for (n, iv) in view.incidents.iter().enumerate() {
        row(o, &axis, iv, AXIS_H + n as i64 * ROW_H);
    }
    o.push_str("</svg>\n");
    legend(o);
    o.push_str("</section>\n");
}

/// One incident's row: its label, a span line and its marks, linked to its card.
fn row(o: &mut String, axis: &Axis, iv: &IncidentView, top: i64) {
    let inc = iv.inc;
    let mid = top + ROW_H / 2;
    let sev = inc.severity.as_str();
    let short: String = inc.id.chars().take(8).collect();
    let mut label = format!("{short} {}", inc.host);
    if label.chars().count() > LABEL_CHARS {
        label = label.chars().take(LABEL_CHARS - 1).collect::<String>() + "\u{2026}";
    }
    let _ = writeln!(
        o,
        "<a class=\"row\" href=\"#inc-{id}\" data-incident=\"{id}\"><title>{sev}: {title} ({host})</title>\
<rect class=\"band\" x=\"0\" y=\"{top}\" width=\"{WIDTH}\" height=\"{ROW_H}\"/>\
<rect class=\"sev-{sev} chip\" x=\"4\" y=\"{}\" width=\"6\" height=\"12\"/>\
<text class=\"label\" x=\"16\" y=\"{}\">{}</text>",
        mid - 6,
        mid + 4,
        E(&label),
        id = E(&inc.id),
        title = E(&inc.title),
        host = E(&inc.host),
    );
    let times: Vec<i64> = iv
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
    for fv in &iv.findings {
        let fsev = fv.f.severity.as_str();
        for m in &fv.moments {
            let Some(t) = parse(&m.time) else { continue };
            let x = axis.x(t);
            let tip = format!(
                "{} {} \u{2014} {} [{}]",
                m.time,
                m.what.as_str(),
                fv.f.title,
                fv.f.severity
            );
            let _ = write!(o, "<g class=\"m sev-{fsev}\"><title>{}</title>", E(&tip));
            shape(o, m.what, x, mid as f64);
            o.push_str("</g>\n");
        }
    }
    o.push_str("</a>\n");
}

/// The mark for one moment kind at (x, y).
fn shape(o: &mut String, kind: MomentKind, x: f64, y: f64) {
    let _ = match kind {
        MomentKind::Modified => write!(o, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\"/>"),
        MomentKind::Logged => write!(
            o,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\"/>",
            x - 4.5,
            y - 4.5
        ),
        MomentKind::Started => write!(
            o,
            "<polygon points=\"{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}\"/>",
            y - 6.0,
            x + 6.0,
            y + 6.0,
            x - 6.0
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
