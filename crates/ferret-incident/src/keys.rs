//! The join keys of a finding: what it is about (identity) and what it
//! mentions (reference), each normalized so that the same file named by a scan,
//! a log line and a process compares equal. `docs/incidents.md` lists them.

use ferret_core::{escape_bytes, EvidenceSource, Finding, Subject};

/// The kinds of things two findings can share. The order is the anchor order
/// of incident ids (see `docs/incidents.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    /// A file's path.
    Path,
    /// A content hash.
    Sha256,
    /// A requested URI path.
    Uri,
    /// A process working directory.
    Cwd,
    /// A database object.
    DbObject,
    /// A configured component (server/name).
    Component,
}

impl KeyKind {
    /// Lowercase name, as in [`Key::label`].
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Path => "path",
            KeyKind::Sha256 => "sha256",
            KeyKind::Uri => "uri",
            KeyKind::Cwd => "cwd",
            KeyKind::DbObject => "db_object",
            KeyKind::Component => "component",
        }
    }
}

/// Whether a key names what a finding is about or only something it mentions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Role {
    /// What the finding is about (its file, component, DB object, module image).
    #[default]
    Identity,
    /// What the finding mentions (a requested URI, a command-line path, a
    /// working directory): joins identities, never other references (except
    /// equal URIs).
    Reference,
}

/// One join key: kind and normalized, escaped value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// What kind of thing.
    pub kind: KeyKind,
    /// Normalized value.
    pub value: String,
    /// Identity or reference.
    pub role: Role,
}

impl Key {
    /// `kind:value`, as in [`crate::Link::key`].
    pub fn label(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.value)
    }
}

/// Working directories of countless unrelated processes: no join by them.
const SHARED_DIRS: &[&str] = &[
    "/",
    "/tmp",
    "/var/tmp",
    "/dev/shm",
    "/root",
    "c:",
    "c:/windows",
    "c:/windows/system32",
    "c:/windows/syswow64",
    "c:/windows/temp",
];

/// SHA-256 of no bytes: every empty file has it, so it joins nothing.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The keys a finding offers for joining, sorted, no repeats.
pub fn keys_of(f: &Finding) -> Vec<Key> {
    let mut k = Keys::default();
    match &f.subject {
        Subject::File(s) => {
            if let Some(o) = &s.original_path {
                k.path(o.as_str(), Role::Identity);
            }
            k.path(s.path.as_str(), Role::Identity);
            k.sha256(&s.sha256, Role::Identity);
        }
        Subject::Component(c) => {
            // An implementation may be a type name (`Ns.Agent, Version=...`).
            if let Some(i) = c
                .implementation
                .as_ref()
                .filter(|i| looks_like_path(i.as_str()))
            {
                k.path(i.as_str(), Role::Identity);
            }
            if let Some(h) = &c.sha256 {
                k.sha256(h, Role::Identity);
            }
            let name = format!("{}/{}", c.server, c.name.as_str()).to_lowercase();
            k.push(KeyKind::Component, name, Role::Identity);
        }
        Subject::DbObject(d) => {
            if !d.path.as_str().is_empty() {
                k.push(
                    KeyKind::DbObject,
                    d.path.as_str().to_owned(),
                    Role::Identity,
                );
            }
        }
        Subject::Process(p) => {
            // The executable is a reference: two shells both running /bin/sh
            // are not one incident; a dropped binary still joins its file.
            k.path(strip_deleted(p.path.as_str()), Role::Reference);
            if let Some(cwd) = &p.cwd {
                k.cwd(cwd.as_str());
            }
            k.command_line(p.cmdline.as_str());
            if f.rule == "ferret.live.module" {
                k.mapped_module(f);
            }
        }
        Subject::Event(e) => {
            // Never the event's own path: that is the log file.
            if let Some((_, uri)) = e.log.rsplit_once(", uri ") {
                k.uri(uri);
            }
            if f.rule == "ferret.weblog" {
                for ev in f.evidence.iter().filter(|v| v.rule == "weblog.requests") {
                    if let Some(x) = &ev.excerpt {
                        k.uri(x.as_str());
                    }
                }
            }
            for ev in f
                .evidence
                .iter()
                .filter(|v| v.source == EvidenceSource::Sigma)
            {
                if let Some(x) = &ev.excerpt {
                    k.sigma_excerpt(x.as_str());
                }
            }
        }
    }
    let mut keys = k.0;
    keys.sort();
    keys.dedup();
    keys
}

fn strip_deleted(p: &str) -> &str {
    p.strip_suffix(" (deleted)").unwrap_or(p)
}

#[derive(Default)]
struct Keys(Vec<Key>);

impl Keys {
    fn push(&mut self, kind: KeyKind, value: String, role: Role) {
        if !value.is_empty() {
            self.0.push(Key { kind, value, role });
        }
    }

    fn path(&mut self, escaped: &str, role: Role) {
        if let Some(v) = norm_path(escaped) {
            self.push(KeyKind::Path, v, role);
        }
    }

    fn cwd(&mut self, escaped: &str) {
        if let Some(v) = norm_path(escaped) {
            if !SHARED_DIRS.contains(&v.as_str()) {
                self.push(KeyKind::Cwd, v, Role::Reference);
            }
        }
    }

    fn uri(&mut self, escaped: &str) {
        if let Some(v) = norm_uri(escaped) {
            self.push(KeyKind::Uri, v, Role::Reference);
        }
    }

    fn sha256(&mut self, h: &str, role: Role) {
        let h = h.trim().to_ascii_lowercase();
        if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) && h != EMPTY_SHA256 {
            self.push(KeyKind::Sha256, h, role);
        }
    }

    /// Every token of an (escaped) command line that looks like a path.
    fn command_line(&mut self, escaped: &str) {
        for token in tokens(escaped) {
            let token = token.rsplit_once('=').map_or(token.as_str(), |(_, v)| v);
            if token.contains("://") || !looks_like_path(token) {
                continue;
            }
            self.path(token, Role::Reference);
        }
    }

    /// The file a `ferret.live.module` finding is about: the excerpt of its
    /// first policy signal (the mapped image).
    fn mapped_module(&mut self, f: &Finding) {
        let image = f
            .evidence
            .iter()
            .find(|e| e.rule.starts_with("live.") && e.rule != "live.mapped_into_server")
            .and_then(|e| e.excerpt.as_ref());
        if let Some(image) = image {
            let p = strip_deleted(image.as_str());
            if !p.starts_with("/memfd:") {
                self.path(p, Role::Identity);
            }
        }
    }

    /// `name=value; ...` of a Sigma match.
    fn sigma_excerpt(&mut self, escaped: &str) {
        for (name, value) in excerpt_fields(escaped) {
            match classify(&name) {
                Some(FieldClass::Uri) => {
                    let v = first_request_path(&value);
                    self.uri(&v);
                }
                Some(FieldClass::Cwd) => self.cwd(&value),
                Some(FieldClass::Path) => {
                    let v = value.trim().trim_matches('"');
                    if looks_like_path(v) {
                        self.path(v, Role::Reference);
                    }
                }
                Some(FieldClass::CommandLine) => self.command_line(&value),
                Some(FieldClass::Hashes) => {
                    for part in value.split([',', ';', ' ']) {
                        let (algo, h) = part.split_once('=').unwrap_or(("sha256", part));
                        if algo.trim().eq_ignore_ascii_case("sha256") {
                            self.sha256(h, Role::Reference);
                        }
                    }
                }
                None => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Normalization. Values arrive escaped (`ferret_core::Escaped`); they are
// unescaped to bytes, normalized, and escaped again, so a key is as safe to
// print as the text it came from.

/// Reverses Ferret's escaping (`\\`, `\n`, `\r`, `\t`, `\xNN`, `\u{N}`); any
/// other backslash is kept as it is.
pub(crate) fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let hex = |r: std::ops::Range<usize>| {
            let t = std::str::from_utf8(b.get(r)?).ok()?;
            u32::from_str_radix(t, 16).ok()
        };
        match b.get(i + 1) {
            Some(b'\\') => {
                out.push(b'\\');
                i += 2;
            }
            Some(b'n') => {
                out.push(b'\n');
                i += 2;
            }
            Some(b'r') => {
                out.push(b'\r');
                i += 2;
            }
            Some(b't') => {
                out.push(b'\t');
                i += 2;
            }
            Some(b'x') if hex(i + 2..i + 4).is_some() => {
                out.push(hex(i + 2..i + 4).unwrap_or(0) as u8);
                i += 4;
            }
            Some(b'u') if b.get(i + 2) == Some(&b'{') => {
                let close = b[i + 3..]
                    .iter()
                    .take(7)
                    .position(|&c| c == b'}')
                    .map(|p| i + 3 + p);
                match close.and_then(|c| Some((c, char::from_u32(hex(i + 3..c)?)?))) {
                    Some((c, ch)) => {
                        out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                        i = c + 1;
                    }
                    None => {
                        out.push(b'\\');
                        i += 1;
                    }
                }
            }
            _ => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    out
}

fn lowercase(b: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(b) {
        Ok(s) => s.to_lowercase().into_bytes(),
        Err(e) => e.into_bytes().to_ascii_lowercase(),
    }
}

/// Replaces runs of `/` by one.
fn collapse_slashes(b: &mut Vec<u8>) {
    b.dedup_by(|a, prev| *a == b'/' && *prev == b'/');
}

fn strip_quotes(b: &[u8]) -> &[u8] {
    let b = b.trim_ascii();
    for q in [b'"', b'\''] {
        if b.len() >= 2 && b[0] == q && b[b.len() - 1] == q {
            return &b[1..b.len() - 1];
        }
    }
    b
}

fn is_windows(b: &[u8]) -> bool {
    let drive = b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && matches!(b.get(2), None | Some(b'\\') | Some(b'/'));
    drive || b.contains(&b'\\')
}

/// A path key: Windows paths (a drive letter or backslashes) lowercased with
/// `/` separators; repeated and trailing `/` removed.
pub(crate) fn norm_path(escaped: &str) -> Option<String> {
    let raw = unescape(escaped);
    let raw = strip_quotes(&raw);
    let mut b = raw.to_vec();
    if is_windows(&b) {
        for c in b.iter_mut() {
            if *c == b'\\' {
                *c = b'/';
            }
        }
        b = lowercase(b);
    }
    collapse_slashes(&mut b);
    while b.len() > 1 && b.last() == Some(&b'/') {
        b.pop();
    }
    (!b.is_empty()).then(|| escape_bytes(&b))
}

fn percent_decode(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// A URI key: the path only (no scheme, host, query or fragment),
/// percent-decoded, lowercased, `\` as `/`, repeated `/` collapsed; `None`
/// unless its last segment names a script (holds a `.`).
pub(crate) fn norm_uri(escaped: &str) -> Option<String> {
    let raw = unescape(escaped);
    let mut b = strip_quotes(&raw);
    if let Some(p) = b.windows(3).position(|w| w == b"://") {
        let rest = &b[p + 3..];
        b = &rest[rest.iter().position(|&c| c == b'/')?..];
    }
    if let Some(cut) = b.iter().position(|&c| c == b'?' || c == b'#') {
        b = &b[..cut];
    }
    let mut u = percent_decode(b);
    for c in u.iter_mut() {
        if *c == b'\\' {
            *c = b'/';
        }
    }
    let mut u = lowercase(u);
    if u.first() != Some(&b'/') {
        u.insert(0, b'/');
    }
    collapse_slashes(&mut u);
    let last = u.rsplit(|&c| c == b'/').next().unwrap_or_default();
    let script = last.contains(&b'.') && last.iter().any(|&c| c != b'.');
    script.then(|| escape_bytes(&u))
}

/// Whether an (escaped) token looks like a path: a drive letter, or a
/// separator and at least two components.
fn looks_like_path(escaped: &str) -> bool {
    let raw = unescape(escaped);
    let b = strip_quotes(&raw);
    let drive =
        b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/');
    let parts = b
        .split(|&c| c == b'/' || c == b'\\')
        .filter(|p| !p.is_empty())
        .count();
    let separated = b.iter().any(|&c| c == b'/' || c == b'\\');
    drive || (separated && parts >= 2)
}

/// The tokens of an (escaped) command line: split on white space, double
/// quotes group and are removed.
fn tokens(escaped: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in escaped.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

// ---------------------------------------------------------------------------
// Sigma excerpts: `name=value; name=value` (ferret-hunt's `excerpt_of`).

/// Characters of an excerpt before ferret-hunt cuts it and appends `...`.
const MAX_EXCERPT: usize = 400;

/// What a matched field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldClass {
    /// A requested URI (or a request line).
    Uri,
    /// A working directory.
    Cwd,
    /// One path.
    Path,
    /// A command line whose path-like tokens count.
    CommandLine,
    /// `SHA256=...` lists or a bare SHA-256.
    Hashes,
}

/// The class of a field name: compared lowercase without `-`, `_` and `.`,
/// whole or by its last dotted part (`Event.EventData.Image`).
fn classify(name: &str) -> Option<FieldClass> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '-' | '_' | '.'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let whole = squash(name);
    let last = squash(name.rsplit('.').next().unwrap_or(name));
    let is = |list: &[&str]| list.contains(&whole.as_str()) || list.contains(&last.as_str());
    if is(&[
        "csuristem",
        "csuri",
        "curi",
        "curistem",
        "uri",
        "url",
        "request",
        "requesturi",
        "requesturl",
        "uristem",
        "uripath",
        "urlpath",
        "urloriginal",
        "requestline",
        "httprequest",
        "csurl",
    ]) {
        Some(FieldClass::Uri)
    } else if is(&[
        "currentdirectory",
        "cwd",
        "workingdirectory",
        "processworkingdirectory",
    ]) {
        Some(FieldClass::Cwd)
    } else if is(&[
        "image",
        "parentimage",
        "targetfilename",
        "imageloaded",
        "exe",
        "filename",
        "filepath",
        "targetimage",
        "sourceimage",
        "newprocessname",
        "parentprocessname",
        "processpath",
        "executable",
        "processexecutable",
        "targetpath",
        "objectname",
    ]) {
        Some(FieldClass::Path)
    } else if is(&[
        "commandline",
        "parentcommandline",
        "cmdline",
        "processcommandline",
        "parentprocesscommandline",
        "proctitle",
    ]) {
        Some(FieldClass::CommandLine)
    } else if is(&["hashes", "hash", "sha256", "filehashsha256"]) {
        Some(FieldClass::Hashes)
    } else {
        None
    }
}

/// The `(name, value)` pairs of an (escaped) excerpt. A field starts at the
/// beginning or after `; ` with a name of `[A-Za-z0-9_.-]` and `=`, so values
/// that hold `; ` stay whole unless `; ` is followed by such a name. A value
/// cut by the excerpt's length limit is dropped.
fn excerpt_fields(escaped: &str) -> Vec<(String, String)> {
    let b = escaped.as_bytes();
    let name_at = |p: usize| -> Option<usize> {
        let n = b[p..]
            .iter()
            .take(65)
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
            .count();
        (n > 0 && b.get(p + n) == Some(&b'=')).then_some(p + n)
    };
    let mut starts: Vec<(usize, usize)> = Vec::new();
    if let Some(e) = name_at(0) {
        starts.push((0, e));
    }
    let mut i = 0;
    while let Some(off) = escaped[i..].find("; ") {
        let p = i + off + 2;
        if let Some(e) = name_at(p) {
            starts.push((p, e));
        }
        i = p;
    }
    let mut out: Vec<(String, String)> = starts
        .iter()
        .enumerate()
        .map(|(k, &(p, e))| {
            let end = starts.get(k + 1).map_or(b.len(), |&(q, _)| q - 2);
            (escaped[p..e].to_owned(), escaped[e + 1..end].to_owned())
        })
        .collect();
    let raw = unescape(escaped);
    let cut = escaped.ends_with("...")
        && String::from_utf8_lossy(&raw).chars().count() >= MAX_EXCERPT + 3;
    if cut {
        out.pop();
    }
    out
}

/// The path of a request line (`GET /x.php HTTP/1.1`), else the value.
fn first_request_path(value: &str) -> String {
    let mut parts = value.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(m), Some(p)) if !m.is_empty() && m.bytes().all(|c| c.is_ascii_uppercase()) => {
            p.to_owned()
        }
        _ => value.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_core::escape_str;

    fn p(raw: &str) -> Option<String> {
        norm_path(&escape_str(raw))
    }

    fn u(raw: &str) -> Option<String> {
        norm_uri(&escape_str(raw))
    }

    #[test]
    fn windows_paths_fold_case_and_separators() {
        assert_eq!(
            p(r"C:\inetpub\wwwroot\aspnet_client\OutlookEN.aspx").as_deref(),
            Some("c:/inetpub/wwwroot/aspnet_client/outlooken.aspx")
        );
        assert_eq!(
            p(r"C:\inetpub\wwwroot\aspnet_client\").as_deref(),
            Some("c:/inetpub/wwwroot/aspnet_client")
        );
        // Unix paths keep their case; a trailing and a doubled `/` go.
        assert_eq!(
            p("/var/www//Up/X.php/").as_deref(),
            Some("/var/www/Up/X.php")
        );
        assert_eq!(p("/").as_deref(), Some("/"));
        assert_eq!(p("  "), None);
        // Hostile bytes stay escaped in the key.
        assert_eq!(p("/tmp/a\nb").as_deref(), Some("/tmp/a\\nb"));
    }

    #[test]
    fn uris_keep_only_script_paths() {
        assert_eq!(
            u("/aspnet_client/OutlookEN.aspx?cmd=whoami#x").as_deref(),
            Some("/aspnet_client/outlooken.aspx")
        );
        assert_eq!(u("http://site//a/%78.php").as_deref(), Some("/a/x.php"));
        assert_eq!(u("up\\x.PHP").as_deref(), Some("/up/x.php"));
        assert_eq!(u("/"), None);
        assert_eq!(u("/api/"), None);
        assert_eq!(u("/a/.."), None);
        assert_eq!(u("%0a/x.php").as_deref(), Some("/\\n/x.php"));
    }

    #[test]
    fn unescape_reverses_ferret_escaping() {
        let raw = "a\\b\n\t\u{202e}\u{1b}";
        assert_eq!(unescape(&escape_str(raw)), raw.as_bytes());
        assert_eq!(unescape("\\x4"), b"\\x4");
        assert_eq!(unescape("\\u{zz}"), b"\\u{zz}");
        assert_eq!(unescape("\\"), b"\\");
    }

    #[test]
    fn excerpt_fields_tolerate_semicolons_in_values() {
        let e = escape_str(
            r"Image=C:\Windows\cmd.exe; CommandLine=cmd /c a; b; CurrentDirectory=C:\x\",
        );
        let f = excerpt_fields(&e);
        assert_eq!(f.len(), 3);
        assert_eq!(f[1].0, "CommandLine");
        assert_eq!(f[1].1, "cmd /c a; b");
        assert_eq!(classify("cs-uri-stem"), Some(FieldClass::Uri));
        assert_eq!(
            classify("Event.EventData.CurrentDirectory"),
            Some(FieldClass::Cwd)
        );
        assert_eq!(classify("ParentCommandLine"), Some(FieldClass::CommandLine));
        assert_eq!(classify("User"), None);
        // A value cut at the excerpt limit is dropped.
        let long = format!("Image=/bin/sh; CommandLine={}", "x".repeat(400));
        let cut = format!("{}...", &long[..400]);
        assert_eq!(excerpt_fields(&cut).len(), 1);
    }

    #[test]
    fn command_lines_give_path_tokens() {
        let mut k = Keys::default();
        k.command_line(&escape_str(
            r#""C:\Program Files\x\a.exe" -c /etc/x.conf --out=/tmp/o/p http://h/a/b.php sh -c id"#,
        ));
        let v: Vec<&str> = k.0.iter().map(|k| k.value.as_str()).collect();
        assert_eq!(v, ["c:/program files/x/a.exe", "/etc/x.conf", "/tmp/o/p"]);
        assert!(k.0.iter().all(|k| k.role == Role::Reference));
        assert_eq!(first_request_path("GET /x.php HTTP/1.1"), "/x.php");
        assert_eq!(first_request_path("/y.php"), "/y.php");
    }
}
