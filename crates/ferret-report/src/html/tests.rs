//! The HTML report's tests: the written text (escaping, CSP, one script,
//! no URL) and, where Chromium is installed, the rendered DOM and a screenshot.

use super::*;
use crate::testutil::{sample_correlation, sample_meta, HOSTILE};
use ferret_core::Escaped;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A start tag and its attributes (names lowercased, values decoded).
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// The start tags of an HTML text, skipping comments, end tags and the
/// raw text of `<script>`/`<style>`. Quoted values may hold `>`.
fn start_tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = html.get(i..).and_then(|r| r.find('<')) {
        i += p + 1;
        if html[i..].starts_with("!--") {
            i += html[i..].find("-->").map_or(html.len() - i, |e| e + 3);
            continue;
        }
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = lower[start..i].to_string();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let a = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !b"=>/".contains(&b[i]) {
                i += 1;
            }
            let an = lower[a..i].to_string();
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut val = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i] as char;
                    let end = html[i + 1..].find(q).map_or(html.len(), |e| i + 1 + e);
                    val = html[i + 1..end].to_string();
                    i = (end + 1).min(html.len());
                } else {
                    let v = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    val = html[v..i].to_string();
                }
            }
            attrs.push((an, val));
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            i = lower[i.min(lower.len())..]
                .find(&close)
                .map_or(html.len(), |e| i + e);
        }
        let attrs = attrs.into_iter().map(|(a, v)| (a, unescape(&v))).collect();
        out.push(Tag { name, attrs });
    }
    out
}

/// Decodes the entities the escaper writes (and `&amp;` last).
fn unescape(v: &str) -> String {
    v.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// What every rendering of the report must satisfy: one script, no
/// handler attribute, no URL to fetch or follow outside the page.
fn assert_inert(html: &str) {
    let tags = start_tags(html);
    let scripts = tags.iter().filter(|t| t.name == "script").count();
    assert_eq!(scripts, 1, "exactly one <script>");
    for t in &tags {
        assert!(
            !["img", "iframe", "object", "embed", "base", "link"].contains(&t.name.as_str()),
            "unexpected <{}>",
            t.name
        );
        for (a, v) in &t.attrs {
            assert!(
                !a.starts_with("on"),
                "handler attribute {a} on <{}>",
                t.name
            );
            if [
                "src",
                "href",
                "xlink:href",
                "action",
                "formaction",
                "srcset",
            ]
            .contains(&a.as_str())
            {
                assert!(v.starts_with('#'), "<{} {a}={v:?}> leaves the page", t.name);
            }
        }
        if t.name == "script" {
            assert!(
                t.attrs.is_empty(),
                "the script is inline, without attributes"
            );
        }
    }
}

/// The DOM-serialized form of text: what `--dump-dom` prints for a text node.
fn as_dom_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn sample_html() -> String {
    let mut meta = sample_meta();
    meta.inputs.push(HOSTILE.into());
    meta.errors.push(format!("{HOSTILE}: permission denied"));
    render(&sample_correlation(), &meta)
}

#[test]
fn report_is_self_contained_and_inert() {
    let html = sample_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_inert(&html);
    assert!(!html.contains("http://") && !html.contains("https://"));
    for inc in &sample_correlation().incidents {
        assert!(
            html.contains(&format!("id=\"inc-{}\"", inc.id)),
            "card of {}",
            inc.id
        );
    }
    // Without JavaScript every card shows and the filters stay hidden
    // (headless Chromium cannot dump the DOM with scripts off).
    let tags = start_tags(&html);
    let form = tags
        .iter()
        .find(|t| t.attrs.iter().any(|(a, v)| a == "id" && v == "filters"))
        .expect("filters");
    assert!(form.attrs.iter().any(|(a, _)| a == "hidden"));
    let cards: Vec<_> = tags.iter().filter(|t| t.name == "article").collect();
    assert_eq!(cards.len(), 3);
    assert!(cards
        .iter()
        .all(|t| t.attrs.iter().all(|(a, _)| a != "hidden")));
}

#[test]
fn csp_allows_exactly_the_script_by_hash() {
    let html = sample_html();
    let tags = start_tags(&html);
    let meta = tags
        .iter()
        .find(|t| {
            t.attrs
                .iter()
                .any(|(a, v)| a == "http-equiv" && v == "Content-Security-Policy")
        })
        .expect("a CSP meta");
    let policy = &meta
        .attrs
        .iter()
        .find(|(a, _)| a == "content")
        .expect("content")
        .1;
    assert!(policy.starts_with(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-"
    ));
    let start = html.find("<script>").expect("script") + "<script>".len();
    let end = html[start..].find("</script>").expect("end") + start;
    let body = &html[start..end];
    assert_eq!(body, SCRIPT);
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
    assert!(
        policy.contains(&format!("script-src 'sha256-{hash}';")),
        "{policy}"
    );
    assert!(html.find("Content-Security-Policy").expect("csp") < start);
    assert!(!SCRIPT.to_ascii_lowercase().contains("</script"));
    assert!(!SCRIPT.contains("innerHTML") && !SCRIPT.contains("eval("));
}

#[test]
fn hostile_name_appears_only_escaped() {
    let html = sample_html();
    assert!(!html.contains("<img") && !html.contains("'PWNED'</script>"));
    assert!(!html.contains('\u{1b}'));
    let shown = escape::esc(Escaped::from_path(Path::new(HOSTILE)).as_str());
    assert!(
        shown.contains("&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;"),
        "{shown}"
    );
    assert!(shown.contains("\\x1b[2J\\n=cmd"), "{shown}");
    assert!(html.contains(&shown), "the hostile path is shown, escaped");
    assert!(
        html.contains(&escape::esc(HOSTILE)),
        "the hostile input is shown, escaped"
    );
    let title_at = html.find("<title>").expect("title") + "<title>".len();
    assert!(
        html[title_at..].starts_with("Ferret report: 3 incident(s), 2026-11-23T12:00:00Z</title>")
    );
}

#[test]
fn hostile_host_rule_and_key_cannot_open_markup() {
    let mut c = sample_correlation();
    let evil = "web\"><svg onload=alert(1)><a href=\"https://evil.example/";
    for i in &mut c.incidents {
        i.host = evil.into();
        i.sources.push(evil.into());
        for l in &mut i.links {
            l.key = evil.into();
        }
    }
    for f in &mut c.findings {
        f.host = evil.into();
        f.rule = evil.into();
        f.evidence[0].detail = evil.into();
    }
    let meta = crate::Meta {
        tool: evil.into(),
        command: evil.into(),
        generated: evil.into(),
        ..sample_meta()
    };
    let html = render(&c, &meta);
    assert_inert(&html);
    assert!(!html.contains("<svg onload") && !html.contains("<a href=\"https"));
    assert!(html.contains(&format!(
        "<option value=\"{0}\">{0}</option>",
        escape::esc(evil)
    )));
}

#[test]
fn every_finding_and_link_is_shown() {
    let c = sample_correlation();
    let html = sample_html();
    for i in &c.incidents {
        for f in &i.findings {
            assert!(
                html.contains(&format!("id=\"f-{}-{f}\"", i.id)),
                "finding {f}"
            );
        }
        for l in &i.links {
            assert!(html.contains(&format!("<code>{}</code>", escape::esc(&l.key))));
        }
    }
    for needle in [
        "M1047",
        "Audit",
        "T1505.003",
        "Server Software Component",
        "sh -c id",
        "/var/www/html/up",
        "x_module",
        "not seen",
        "hunt.jsonl:3: not a finding",
        "eval($_POST[&#39;x&#39;])\\x1b[2J",
    ] {
        assert!(
            html.to_lowercase().contains(&needle.to_lowercase()),
            "{needle}"
        );
    }
    assert_eq!(
        html.matches("<article class=\"incident").count(),
        c.incidents.len()
    );
    assert_eq!(html.matches("<a class=\"row\"").count(), c.incidents.len());
}

#[test]
fn empty_and_untimed_inputs_render() {
    let html = render(&Correlation::default(), &crate::Meta::default());
    assert_inert(&html);
    assert!(html.contains("No incidents.") && !html.contains("<svg class=\"timeline\""));
    let mut c = sample_correlation();
    for f in &mut c.findings {
        f.time = "not a time".into();
        f.subject = ferret_core::Subject::Event(ferret_core::EventSubject {
            path: Escaped::from_text("/x"),
            line: None,
            record_id: None,
            event_time: Some("later".into()),
            log: "x".into(),
        });
    }
    c.findings.push({
        let mut f = c.findings[0].clone();
        f.id = "orphan".into();
        f.incident = "nowhere".into();
        f
    });
    c.incidents[0].findings.push("gone".into());
    let html = render(&c, &sample_meta());
    assert_inert(&html);
    assert!(
        html.contains("Findings outside any incident") && html.contains("id=\"f-none-orphan\"")
    );
    assert!(html.contains("absent from the input: <code>gone</code>"));
}

#[test]
fn many_incidents_chart_one_row_per_host() {
    let base = sample_correlation();
    let mut c = Correlation::default();
    for n in 0..50 {
        for (i, inc) in base.incidents.iter().enumerate() {
            let mut inc = inc.clone();
            inc.id = format!("{}-{n}", inc.id);
            if i == 1 {
                inc.host = format!("db{n:02}");
            }
            for f in base
                .findings
                .iter()
                .filter(|f| f.incident == base.incidents[i].id)
            {
                let mut f = f.clone();
                f.incident = inc.id.clone();
                f.host = inc.host.clone();
                c.findings.push(f);
            }
            c.incidents.push(inc);
        }
    }
    let html = render(&c, &sample_meta());
    assert_inert(&html);
    assert!(html.contains("one row per host"));
    assert_eq!(html.matches("<a class=\"row\"").count(), 0);
    assert_eq!(html.matches("<g class=\"row\">").count(), 40);
    assert!(html.contains("150 incidents: one row per host. 11 more host(s) not charted"));
    assert!(html.contains("<text class=\"label\" x=\"16\" y=\"41\">web01</text>"));
    assert_eq!(html.matches("<article class=\"incident").count(), 150);
}

#[test]
fn document_trait_writes_the_render() {
    let mut buf = Vec::new();
    Html.write(&sample_correlation(), &sample_meta(), &mut buf)
        .unwrap();
    assert_eq!(
        String::from_utf8(buf).unwrap(),
        render(&sample_correlation(), &sample_meta())
    );
}

/// Chromium, from `FERRET_CHROMIUM` or the usual paths.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FERRET_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Runs headless Chromium on `page` with `extra` arguments; returns its
/// stdout. Killed after 60 seconds.
fn run_chromium(bin: &Path, dir: &Path, page: &Path, extra: &[String]) -> String {
    let stdout = dir.join("stdout");
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let err = std::fs::read_to_string(dir.join("stderr")).unwrap_or_default();
    assert!(status.success(), "chromium failed: {status}\n{err}");
    std::fs::read_to_string(stdout).unwrap()
}

#[test]
fn renders_in_headless_chromium() {
    let Some(bin) = chromium() else {
        println!("skipped: chromium not installed (set FERRET_CHROMIUM)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let c = sample_correlation();
    std::fs::write(&page, sample_html()).unwrap();

    let dom = run_chromium(&bin, dir.path(), &page, &["--dump-dom".into()]);
    let tags = start_tags(&dom);
    let body = tags.iter().find(|t| t.name == "body").expect("a body");
    assert!(
        body.attrs
            .iter()
            .any(|(a, v)| a == "data-ready" && v == "1"),
        "the script ran under the CSP: {:?}",
        body.attrs
    );
    assert_eq!(tags.iter().filter(|t| t.name == "script").count(), 1);
    for t in &tags {
        assert!(
            t.attrs.iter().all(|(a, _)| !a.starts_with("on")),
            "handler on <{}>: {:?}",
            t.name,
            t.attrs
        );
        assert!(t.name != "img", "an <img> was injected");
    }
    for inc in &c.incidents {
        assert!(
            dom.contains(&format!("id=\"inc-{}\"", inc.id)),
            "card {}",
            inc.id
        );
        for f in &inc.findings {
            assert!(
                dom.contains(&format!("id=\"f-{}-{f}\"", inc.id)),
                "finding {f}"
            );
        }
    }
    let form = tags
        .iter()
        .find(|t| t.attrs.iter().any(|(a, v)| a == "id" && v == "filters"))
        .expect("filters");
    assert!(
        form.attrs.iter().all(|(a, _)| a != "hidden"),
        "the script showed the filters"
    );
    assert!(dom.contains("3 of 3 incidents shown"));
    let title_at = dom.find("<title>").expect("title") + "<title>".len();
    assert!(
        dom[title_at..].starts_with("Ferret report: 3 incident(s)"),
        "title: {}",
        &dom[title_at..title_at + 40]
    );
    let hostile = as_dom_text(Escaped::from_path(Path::new(HOSTILE)).as_str());
    assert!(dom.contains(&hostile), "the hostile name is shown as text");

    // The filters run at load on the form's state: with "high" unchecked and
    // "apache" searched, only the critical web01 incident (its access log) stays.
    let filtered = sample_html()
        .replacen("value=\"high\" checked>", "value=\"high\">", 1)
        .replacen(
            "autocomplete=\"off\">",
            "autocomplete=\"off\" value=\"apache\">",
            1,
        );
    let filtered_page = dir.path().join("filtered.html");
    std::fs::write(&filtered_page, &filtered).unwrap();
    let dom = run_chromium(&bin, dir.path(), &filtered_page, &["--dump-dom".into()]);
    assert!(dom.contains("1 of 3 incidents shown"), "filters applied");
    for t in start_tags(&dom).iter().filter(|t| t.name == "article") {
        let id = &t
            .attrs
            .iter()
            .find(|(a, _)| a == "data-incident")
            .expect("id")
            .1;
        let hidden = t.attrs.iter().any(|(a, _)| a == "hidden");
        assert_eq!(
            hidden,
            *id != c.incidents[0].id,
            "card {id} hidden: {hidden}"
        );
    }

    let shot = dir.path().join("shot.png");
    run_chromium(
        &bin,
        dir.path(),
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1800".into(),
        ],
    );
    let len = std::fs::metadata(&shot).expect("a screenshot").len();
    assert!(len > 10 * 1024, "screenshot is {len} bytes");
    // For people: keep the sample and its screenshot where asked.
    if let Some(keep) = std::env::var_os("FERRET_HTML_SAMPLE_DIR") {
        let keep = PathBuf::from(keep);
        std::fs::copy(&page, keep.join("report-sample.html")).unwrap();
        std::fs::copy(&shot, keep.join("report-sample.png")).unwrap();
    }
}
