//! Heuristics that YARA cannot express well: request data flowing into an
//! evaluator through variables, names hidden by string building, dangerous
//! calls behind `@`, variable functions, entropy and huge literals, and code
//! hidden in a file whose name says image.
//!
//! Each heuristic yields [`Signal`]s with a stable id (`heur.*`), a weight and
//! the offset that shows it. Weak ones weigh at most 25: alone they never make
//! a medium finding.

mod flow;

use crate::deobfuscate::Layer;
use ferret_core::Language;
use regex::bytes::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// One heuristic's conclusion about a file.
#[derive(Debug, Clone)]
pub struct Signal {
    /// Stable id (`heur.php.request_to_sink`).
    pub id: &'static str,
    /// Weight added to the score.
    pub score: u32,
    /// Why, in words.
    pub detail: String,
    /// Where in the scanned bytes.
    pub offset: usize,
    /// How many bytes the evidence covers.
    pub len: usize,
}

/// The ids and weights of every heuristic, for `ferret rules list`.
pub const HEURISTICS: &[(&str, u32, &str)] = &[
    (
        "heur.request_to_exec",
        60,
        "request data reaches a command or code evaluator directly (ASP, ASP.NET, JSP, CFM, Perl, Python, shell)",
    ),
    (
        "heur.file_manager",
        55,
        "request-chosen paths are written, deleted, listed or read in two ways or more (file manager)",
    ),
    (
        "heur.request_path_op",
        25,
        "a file is written, deleted, listed or read at a request-chosen path",
    ),
    (
        "heur.tainted_exec",
        50,
        "request data reaches a command or code evaluator through a variable (ASP, ASP.NET, JSP, CFM, Perl, Python, shell)",
    ),
    (
        "heur.php.request_to_sink",
        60,
        "request data reaches a code or command evaluator directly",
    ),
    (
        "heur.php.tainted_sink",
        35,
        "request data reaches a code or command evaluator through variables",
    ),
    (
        "heur.php.request_to_callback",
        35,
        "request data reaches a callback-taking function (call_user_func, array_map, ...)",
    ),
    (
        "heur.php.request_function_name",
        60,
        "the name of the function called comes from the request ($_GET['f'](...))",
    ),
    (
        "heur.php.tainted_function_name",
        40,
        "a variable assigned from request data is called as a function",
    ),
    (
        "heur.php.dangerous_name_in_variable",
        45,
        "a variable holding an evaluator's name is called as a function",
    ),
    (
        "heur.php.hidden_name",
        40,
        "a dangerous function or superglobal name is built from pieces, escapes or chr()",
    ),
    (
        "heur.php.suppressed_sink",
        20,
        "a dangerous call is hidden behind the @ error-suppression operator",
    ),
    (
        "heur.php.extract_request",
        25,
        "request arrays are turned into variables (extract, parse_str)",
    ),
    (
        "heur.decoded_payload",
        20,
        "a base64/compressed blob decodes to code",
    ),
    (
        "heur.huge_literal",
        15,
        "a huge high-entropy string literal",
    ),
    (
        "heur.long_line",
        10,
        "an extremely long line (packed or obfuscated code)",
    ),
    (
        "heur.polyglot",
        40,
        "server-side code inside a file named as an image or media file",
    ),
];

fn weight(id: &str) -> u32 {
    HEURISTICS
        .iter()
        .find(|h| h.0 == id)
        .map(|h| h.1)
        .unwrap_or(0)
}

fn signal(id: &'static str, detail: String, offset: usize, len: usize) -> Signal {
    Signal {
        id,
        score: weight(id),
        detail,
        offset,
        len,
    }
}

struct PhpRegexes {
    assign: Regex,
    foreach: Regex,
    sink: Regex,
    callback: Regex,
    request_call: Regex,
    name_assign: Regex,
    suppressed: Regex,
    extract: Regex,
    source: Regex,
}

fn php() -> &'static PhpRegexes {
    static R: OnceLock<PhpRegexes> = OnceLock::new();
    R.get_or_init(|| {
        let src = r#"\$_(?:GET|POST|REQUEST|COOKIE|FILES|SERVER\s*\[\s*['"]HTTP_(?:[A-GI-Z]|H[A-NP-Z]))|\$\{\s*['"]_(?:GET|POST|REQUEST|COOKIE)|\$GLOBALS\s*\[\s*['"]_(?:GET|POST|REQUEST|COOKIE)|getallheaders\s*\(|php://input|\$HTTP_(?:GET|POST)_VARS"#;
        PhpRegexes {
            source: Regex::new(&format!("(?-u)(?i)(?:{src})")).unwrap(),
            assign: Regex::new(r"(?-u)\$([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]\n]{0,40}\]\s*)?\.?=([^=>][^;]{0,400})").unwrap(),
            foreach: Regex::new(r"(?-u)(?i)foreach\s*\(\s*([^;{]{0,200}?)\s+as\s+\$([A-Za-z_]\w*)(?:\s*=>\s*\$([A-Za-z_]\w*))?").unwrap(),
            sink: Regex::new(r"(?-u)(?i)(?:^|[^\w$>:])(eval|assert|system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|create_function|include|include_once|require|require_once)\s*\(").unwrap(),
            callback: Regex::new(r"(?-u)(?i)(?:^|[^\w$>:])(call_user_func|call_user_func_array|array_map|array_filter|array_walk|usort|uasort|uksort|register_shutdown_function|register_tick_function|ob_start|iterator_apply|preg_replace_callback)\s*\(").unwrap(),
            request_call: Regex::new(r#"(?-u)(?i)\$_(?:GET|POST|REQUEST|COOKIE|SERVER)\s*\[[^\]]{1,40}\]\s*\("#).unwrap(),
            name_assign: Regex::new(r#"(?-u)(?i)\$([A-Za-z_]\w*)\s*=\s*['"](assert|eval|system|exec|shell_exec|passthru|popen|proc_open|create_function|base64_decode|gzinflate|str_rot13|call_user_func|preg_replace)['"]\s*;"#).unwrap(),
            suppressed: Regex::new(r"(?-u)(?i)@\s*(eval|assert|system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|create_function|call_user_func|base64_decode|gzinflate|fsockopen)\s*\(").unwrap(),
            extract: Regex::new(r#"(?-u)(?i)\b(?:extract\s*\(\s*\$_(?:GET|POST|REQUEST|COOKIE)|parse_str\s*\(\s*\$_SERVER\s*\[\s*['"]QUERY_STRING)"#).unwrap(),
        }
    })
}

/// Bounds on per-file work lists, so hostile input stays linear.
const MAX_NAMED: usize = 256;
const MAX_VAR_CALLS: usize = 20_000;

/// Sanitizers that make request data safe for the sinks we look at.
const SANITIZERS: &[&str] = &[
    "escapeshellarg",
    "escapeshellcmd",
    "intval",
    "(int)",
    "basename(",
    "htmlspecialchars",
    "is_numeric",
    "preg_quote",
    "in_array",
];

/// Runs every heuristic that applies to `lang` over `data` (the original bytes).
pub fn run(lang: Language, data: &[u8], name_ext: &str, by_content: bool) -> Vec<Signal> {
    let mut out = Vec::new();
    if lang == Language::Php {
        php_flow(data, &mut out);
    } else {
        flow::run(lang, data, &mut out);
    }
    flow::file_ops(lang, data, &mut out);
    generic(data, &mut out);
    if by_content && is_media_ext(name_ext) {
        out.push(signal(
            "heur.polyglot",
            format!(
                "{} code inside a file named .{}",
                lang.as_str().to_uppercase(),
                name_ext
            ),
            0,
            0,
        ));
    }
    out
}

/// Signals from the de-obfuscated views.
pub fn from_layers(layers: &[Layer]) -> Vec<Signal> {
    let mut out = Vec::new();
    for l in layers {
        if !l.revealed.is_empty() && !out.iter().any(|s: &Signal| s.id == "heur.php.hidden_name") {
            out.push(signal(
                "heur.php.hidden_name",
                format!(
                    "names built from pieces or escapes: {}",
                    l.revealed.join(", ")
                ),
                l.offset,
                0,
            ));
        }
        if l.how.contains("base64") && !out.iter().any(|s: &Signal| s.id == "heur.decoded_payload")
        {
            out.push(signal(
                "heur.decoded_payload",
                format!("a blob decodes ({}) to code", l.how),
                l.offset,
                0,
            ));
        }
    }
    out
}

fn is_media_ext(ext: &str) -> bool {
    matches!(
        ext,
        "jpg"
            | "jpeg"
            | "png"
            | "gif"
            | "bmp"
            | "ico"
            | "webp"
            | "tif"
            | "tiff"
            | "svg"
            | "mp3"
            | "mp4"
            | "avi"
            | "wav"
            | "pdf"
            | "zip"
            | "txt"
            | "log"
            | "css"
            | "js"
            | "woff"
            | "ttf"
    )
}

fn php_flow(raw: &[u8], out: &mut Vec<Signal>) {
    let r = php();
    let code = strip_comments(raw);
    let data: &[u8] = &code;
    if let Some(m) = r.suppressed.find(data) {
        out.push(signal(
            "heur.php.suppressed_sink",
            "a dangerous call behind the @ operator".into(),
            m.start(),
            m.len(),
        ));
    }
    if let Some(m) = r.extract.find(data) {
        out.push(signal(
            "heur.php.extract_request",
            "request data turned into variables".into(),
            m.start(),
            m.len(),
        ));
    }
    // Variables holding an evaluator's name, later called as functions.
    // Variables called as functions (`$f(`), found by memchr rather than a
    // regex: `$` is everywhere in PHP and a regex would stop at each one.
    let var_calls = variable_calls(data);
    let mut named: Vec<(String, String, usize)> = Vec::new();
    if !var_calls.is_empty() {
        // Capped: a hostile file of a million such lines must not make the
        // call check below quadratic.
        for c in r.name_assign.captures_iter(data).take(MAX_NAMED) {
            named.push((lossy(&c[1]), lossy(&c[2]), c.get(0).unwrap().start()));
        }
    }
    let has_source = r.source.is_match(data);
    // Taint: variables assigned from request data, propagated twice.
    let mut tainted: HashSet<String> = HashSet::new();
    if has_source {
        // One regex pass collects assignments; propagation runs on the list.
        let assigns: Vec<(String, &[u8])> = r
            .assign
            .captures_iter(data)
            .map(|c| (lossy(&c[1]), c.get(2).unwrap().as_bytes()))
            .filter(|(_, rhs)| !sanitized(rhs))
            .collect();
        let loops: Vec<(&[u8], String, Option<String>)> = r
            .foreach
            .captures_iter(data)
            .map(|c| {
                (
                    c.get(1).unwrap().as_bytes(),
                    lossy(&c[2]),
                    c.get(3).map(|v| lossy(v.as_bytes())),
                )
            })
            .collect();
        for _ in 0..3 {
            let before = tainted.len();
            for (lhs, rhs) in &assigns {
                if !tainted.contains(lhs) && is_tainted(rhs, &tainted) {
                    tainted.insert(lhs.clone());
                }
            }
            for (src, k, v) in &loops {
                if is_tainted(src, &tainted) {
                    tainted.insert(k.clone());
                    if let Some(v) = v {
                        tainted.insert(v.clone());
                    }
                }
            }
            if tainted.len() == before {
                break;
            }
        }
        if let Some(m) = r.request_call.find(data) {
            out.push(signal(
                "heur.php.request_function_name",
                "the request names the function to call".into(),
                m.start(),
                m.len(),
            ));
        }
        for c in r.sink.captures_iter(data) {
            let name = c.get(1).unwrap();
            if declared_here(data, name.start()) {
                continue;
            }
            let args = call_args(data, c.get(0).unwrap().end());
            if sanitized(args) {
                continue;
            }
            let fname = lossy(name.as_bytes()).to_lowercase();
            let (id, how) = if r.source.is_match(args) {
                ("heur.php.request_to_sink", "directly")
            } else if !fname.starts_with("include")
                && !fname.starts_with("require")
                && fname != "assert"
                && is_tainted(args, &tainted)
            {
                ("heur.php.tainted_sink", "through a variable")
            } else {
                continue;
            };
            if out.iter().any(|s| s.id == id) {
                continue;
            }
            out.push(signal(
                id,
                format!("request data reaches {fname}() {how}"),
                name.start(),
                c.get(0).unwrap().end() - name.start() + args.len().min(80),
            ));
        }
        // The backtick operator is shell_exec: `` `$cmd` ``.
        if let Some((at, body)) = backtick_exprs(data)
            .into_iter()
            .find(|(_, body)| is_tainted(body, &tainted) && !sanitized(body))
        {
            let (id, how) = if r.source.is_match(body) {
                ("heur.php.request_to_sink", "directly")
            } else {
                ("heur.php.tainted_sink", "through a variable")
            };
            if !out.iter().any(|s| s.id == id) {
                out.push(signal(
                    id,
                    format!("request data reaches the backtick operator {how}"),
                    at,
                    body.len() + 2,
                ));
            }
        }
        for c in r.callback.captures_iter(data) {
            let name = c.get(1).unwrap();
            if declared_here(data, name.start()) {
                continue;
            }
            let args = call_args(data, c.get(0).unwrap().end());
            if r.source.is_match(args) && !sanitized(args) && !constant_callback(args) {
                out.push(signal(
                    "heur.php.request_to_callback",
                    format!(
                        "request data reaches {}()",
                        lossy(name.as_bytes()).to_lowercase()
                    ),
                    name.start(),
                    c.get(0).unwrap().end() - name.start() + args.len().min(80),
                ));
                break;
            }
        }
    }
    // Variable functions: a tainted or evaluator-named variable called.
    for (var, at) in var_calls {
        if tainted.contains(&var) {
            out.push(signal(
                "heur.php.tainted_function_name",
                format!("${var}(...) calls a function named by the request"),
                at,
                var.len() + 2,
            ));
            break;
        }
        if let Some((_, f, _)) = named.iter().find(|(v, _, off)| *v == var && *off < at) {
            out.push(signal(
                "heur.php.dangerous_name_in_variable",
                format!("${var} holds \"{f}\" and is called as a function"),
                at,
                var.len() + 2,
            ));
            break;
        }
    }
    dedup(out);
}

/// Backtick expressions (`` `...` `` on one line, at most 300 bytes) that
/// hold a variable: (offset, body).
fn backtick_exprs(data: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut it = memchr::memchr_iter(b'`', data);
    while let Some(open) = it.next() {
        let Some(close) = it.next() else { break };
        let body = &data[open + 1..close];
        // Inside a string on its line (odd quotes before it) it is SQL
        // identifier quoting, not the shell operator.
        let line_start = memchr::memrchr(b'\n', &data[..open]).map_or(0, |p| p + 1);
        let before = &data[line_start..open];
        let in_string = before.iter().filter(|b| **b == b'"').count() % 2 == 1
            || before.iter().filter(|b| **b == b'\'').count() % 2 == 1;
        if body.len() <= 300 && !body.contains(&b'\n') && body.contains(&b'$') && !in_string {
            out.push((open, body));
        }
    }
    out
}

/// `$name(` calls whose `$` is not part of `->$x(`, `::$x(` or `\\$x(`:
/// (variable name, offset of the `$`).
fn variable_calls(data: &[u8]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for at in memchr::memchr_iter(b'$', data) {
        if out.len() >= MAX_VAR_CALLS {
            break;
        }
        let prev = if at == 0 { b' ' } else { data[at - 1] };
        if prev.is_ascii_alphanumeric() || matches!(prev, b'_' | b'>' | b':' | b'\\') {
            continue;
        }
        let name_start = at + 1;
        let Some(&first) = data.get(name_start) else {
            break;
        };
        if !(first.is_ascii_alphabetic() || first == b'_') {
            continue;
        }
        let len = data[name_start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .unwrap_or(data.len() - name_start);
        // No space before `(`: `"INSERT INTO $table ("` is SQL, `$f(` is a call.
        if data.get(name_start + len) == Some(&b'(') {
            out.push((lossy(&data[name_start..name_start + len]), at));
        }
    }
    out
}

/// Whether a callback call's first argument is a fixed function name or a
/// method of `$this` (then request data in the other arguments is just data).
fn constant_callback(args: &[u8]) -> bool {
    let a = String::from_utf8_lossy(args);
    let a = a.trim_start();
    let q = a.starts_with('\'') || a.starts_with('"');
    let quoted_name = q
        && a[1..].split(['\'', '"']).next().is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            !n.is_empty() && !crate::deobfuscate::SENSITIVE.iter().any(|s| n == *s)
        });
    quoted_name
        || a.starts_with("[$this")
        || a.starts_with("array($this")
        || a.starts_with("function")
}

/// Whether the name at `at` is being declared (`function exec(`), not called.
fn declared_here(data: &[u8], at: usize) -> bool {
    let before = &data[at.saturating_sub(16)..at];
    let t = String::from_utf8_lossy(before).to_ascii_lowercase();
    t.trim_end().ends_with("function")
        || t.trim_end().ends_with("->")
        || t.trim_end().ends_with("::")
}

/// PHP source with comments blanked to spaces (offsets stay put). Strings
/// are skipped whole, so `'http://x'` is not a comment.
fn strip_comments(d: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if memchr::memchr2(b'/', b'#', d).is_none() {
        return std::borrow::Cow::Borrowed(d);
    }
    let mut out = d.to_vec();
    let mut i = 0;
    while i < d.len() {
        match d[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < d.len() && d[i] != q {
                    i += if d[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if d.get(i + 1) == Some(&b'*') => {
                let end =
                    memchr::memmem::find(&d[i + 2..], b"*/").map_or(d.len(), |e| i + 2 + e + 2);
                blank(&mut out[i..end]);
                i = end;
            }
            b'#' if d.get(i + 1) != Some(&b'[') => i = blank_line_comment(d, &mut out, i),
            b'/' if d.get(i + 1) == Some(&b'/') && (i == 0 || d[i - 1] != b':') => {
                i = blank_line_comment(d, &mut out, i)
            }
            _ => i += 1,
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Blanks a `#` or `//` comment from `i` to the end of its line; returns the end.
fn blank_line_comment(d: &[u8], out: &mut [u8], i: usize) -> usize {
    let end = memchr::memchr(b'\n', &d[i..]).map_or(d.len(), |e| i + e);
    blank(&mut out[i..end]);
    end
}

fn blank(b: &mut [u8]) {
    for c in b {
        if *c != b'\n' {
            *c = b' ';
        }
    }
}

fn dedup(out: &mut Vec<Signal>) {
    let mut seen = HashSet::new();
    out.retain(|s| seen.insert(s.id));
}

fn is_tainted(text: &[u8], tainted: &HashSet<String>) -> bool {
    if php().source.is_match(text) {
        return true;
    }
    if tainted.is_empty() {
        return false;
    }
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'$', &text[i..]) {
        let s = i + p + 1;
        let e = text[s..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .map_or(text.len(), |x| s + x);
        if e > s && tainted.contains(&lossy(&text[s..e])) {
            return true;
        }
        i = e.max(s);
        if i >= text.len() {
            break;
        }
    }
    false
}

fn sanitized(text: &[u8]) -> bool {
    let t = String::from_utf8_lossy(text).to_ascii_lowercase();
    SANITIZERS.iter().any(|s| t.contains(s))
}

/// The argument text of a call whose `(` ends at `open_end`: up to the
/// matching `)`, at most 600 bytes.
fn call_args(data: &[u8], open_end: usize) -> &[u8] {
    let mut depth = 1;
    let end = data.len().min(open_end + 600);
    for (i, b) in data[open_end..end].iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return &data[open_end..open_end + i];
                }
            }
            _ => {}
        }
    }
    &data[open_end..end]
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Language-independent: huge high-entropy literals and very long lines.
fn generic(data: &[u8], out: &mut Vec<Signal>) {
    // Longest run of base64 characters of at least 2048 bytes. Such a run
    // covers a multiple of 1024, so probing those offsets and growing the run
    // around a hit finds it without touching every byte.
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=';
    let (mut best_start, mut best_len) = (0, 0);
    let mut i = 0;
    while i < data.len() {
        if is_b64(data[i]) {
            let s = data[..i]
                .iter()
                .rposition(|b| !is_b64(*b))
                .map_or(0, |p| p + 1);
            let e = data[i..]
                .iter()
                .position(|b| !is_b64(*b))
                .map_or(data.len(), |p| i + p);
            if e - s > best_len {
                best_len = e - s;
                best_start = s;
            }
            i = e;
        }
        i = (i / 1024 + 1) * 1024;
    }
    if best_len >= 2048 {
        let e = entropy(&data[best_start..best_start + best_len]);
        if e >= 5.0 {
            out.push(signal(
                "heur.huge_literal",
                format!("a {best_len}-byte encoded literal (entropy {e:.2} bits/byte)"),
                best_start,
                64,
            ));
        }
    }
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', data).chain(std::iter::once(data.len())) {
        let line = &data[start..nl];
        if line.len() >= 20_000 {
            let spaces = memchr::memchr_iter(b' ', line).count();
            if spaces * 100 < line.len() * 2 {
                out.push(signal(
                    "heur.long_line",
                    format!("a {}-byte line with almost no spaces", line.len()),
                    start,
                    64,
                ));
                break;
            }
        }
        start = nl + 1;
    }
}

/// Shannon entropy in bits per byte.
pub use ferret_core::entropy;

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(src: &str) -> Vec<&'static str> {
        run(Language::Php, src.as_bytes(), "php", false)
            .into_iter()
            .map(|s| s.id)
            .collect()
    }

    #[test]
    fn taint_through_variables() {
        let s = "<?php $a = $_POST['x']; $b = 'pre' . $a; eval($b); ?>";
        assert!(ids(s).contains(&"heur.php.tainted_sink"));
        let s = "<?php foreach ($_GET as $k => $v) { $c = $v; } system($c); ?>";
        assert!(ids(s).contains(&"heur.php.tainted_sink"));
        assert!(ids("<?php system($_GET['c']); ?>").contains(&"heur.php.request_to_sink"));
    }

    #[test]
    fn hostile_repetition_stays_fast() {
        let mut src = String::from("<?php ");
        for _ in 0..200_000 {
            src.push_str("$k = 'assert'; $k($x);\n");
        }
        let t = std::time::Instant::now();
        let found = ids(&src);
        assert!(found.contains(&"heur.php.dangerous_name_in_variable"));
        assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
    }

    #[test]
    fn backticks_are_shell_exec() {
        assert!(ids("<?php $c = $_GET['x']; echo `$c`; ?>").contains(&"heur.php.tainted_sink"));
        assert!(ids("<?php echo `ls {$_GET['d']}`; ?>").contains(&"heur.php.request_to_sink"));
        assert!(
            !ids("<?php $q = $_GET['q']; $sql = \"SELECT `id` FROM `t`\"; ?>")
                .iter()
                .any(|i| i.contains("sink"))
        );
    }

    #[test]
    fn sanitized_and_unrelated_calls_are_quiet() {
        assert!(!ids("<?php exec('ls ' . escapeshellarg($_GET['d'])); ?>")
            .contains(&"heur.php.request_to_sink"));
        assert!(
            !ids("<?php $x = 1; include('header.php'); eval('1+1;'); ?>")
                .contains(&"heur.php.request_to_sink")
        );
        assert!(!ids("<?php $cb = 'strtoupper'; echo $cb('a'); ?>")
            .iter()
            .any(|i| i.starts_with("heur.php.dangerous")));
    }

    #[test]
    fn request_named_function_and_named_variable() {
        assert!(ids("<?php $_GET['a']($_GET['b']); ?>").contains(&"heur.php.request_function_name"));
        assert!(ids("<?php $f = $_REQUEST['f']; $f($_REQUEST['g']); ?>")
            .contains(&"heur.php.tainted_function_name"));
        assert!(!ids("<?php $f = $_REQUEST['f']; // $f(1)\n ?>")
            .contains(&"heur.php.tainted_function_name"));
        assert!(
            !ids("<?php class A { function exec($c) {} } $x = $_GET['a']; ?>")
                .contains(&"heur.php.request_to_sink")
        );
        assert!(
            ids("<?php $k = 'assert'; $k($x); ?>").contains(&"heur.php.dangerous_name_in_variable")
        );
    }

    #[test]
    fn suppressed_and_polyglot() {
        assert!(ids("<?php @eval($code); ?>").contains(&"heur.php.suppressed_sink"));
        let s = run(Language::Php, b"GIF89a<?php echo 1; ?>", "gif", true);
        assert!(s.iter().any(|s| s.id == "heur.polyglot"));
    }

    #[test]
    fn weak_signals_are_weak() {
        for (id, w, _) in HEURISTICS {
            if id.contains("suppressed")
                || id.contains("long_line")
                || id.contains("huge")
                || id.contains("decoded")
            {
                assert!(*w <= 25, "{id}");
            }
        }
    }

    #[test]
    fn entropy_bounds() {
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(&(0u8..=255).collect::<Vec<_>>()) - 8.0).abs() < 1e-9);
    }
}
