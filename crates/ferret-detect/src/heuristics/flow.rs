//! Request data reaching a command or code evaluator in ASP, ASP.NET, JSP,
//! ColdFusion, Perl, Python and shell: the same data-flow idea as the PHP
//! taint pass, with each language's sources and sinks as data.
//!
//! A sink's argument text (up to the matching parenthesis, or the rest of the
//! statement for property sinks like `.Arguments =`) is checked for a request
//! source, or for a variable assigned from one earlier in the file.

use super::{call_args, lossy, signal, Signal};
use ferret_core::Language;
use regex::bytes::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Sources and sinks of one language family, as regexes (case-insensitive).
struct Table {
    source: Regex,
    sink: Regex,
    assign: Regex,
    /// Variables carry a sigil (`$x`, `@x`: Perl, shell): only sigiled words
    /// can be tainted, so words in strings and prose are not variables.
    sigil: bool,
}

const ASSIGN: &str = r"(?-u)(?i)(?:\b(?:var|dim|my|string|set|let|const|final|object)\s+)?[$@]?([A-Za-z_]\w{0,40})\s*=\s*([^;\r\n]{1,300})";

fn table(lang: Language) -> Option<&'static Table> {
    static T: OnceLock<Vec<(Language, Table)>> = OnceLock::new();
    let all = T.get_or_init(|| {
        let mk = |source: &str, sink: &str| Table {
            source: Regex::new(&format!("(?-u)(?i)(?:{source})")).expect("source regex"),
            sink: Regex::new(&format!("(?-u)(?i)(?:{sink})")).expect("sink regex"),
            assign: Regex::new(ASSIGN).expect("assign regex"),
            sigil: false,
        };
        let sigiled = |t: Table| Table { sigil: true, ..t };
        let ms_source = r#"\brequest\s*(?:\.\s*(?:form|querystring|item|params|headers|cookies|servervariables)\b|\.\s*(?:binaryread|inputstream)|[\[(]\s*["'a-z_])"#;
        let ms_sink = r#"\bprocess\.start\s*\(|\bnew\s+processstartinfo\s*\(|\.arguments\s*=|\bassembly\.load\w*\s*\(|compileassemblyfromsource\s*\(|\beval\s*\(|\bexecuteglobal\b|\bexecute\s*[(\s]|\.(?:exec|run)\s*\(|\bshell\s*\("#;
        vec![
            (Language::Asp, mk(ms_source, ms_sink)),
            (Language::Aspx, mk(ms_source, ms_sink)),
            (
                Language::Jsp,
                mk(
                    r"\brequest\s*\.\s*(?:getparameter|getparametervalues|getheader|getinputstream|getreader|getquerystring|getcookies)\s*\(",
                    r"\.exec\s*\(|\bnew\s+processbuilder\s*\(|\.command\s*\(|\bdefineclass\s*\(|\bscriptengine\w*\b[^;\n]{0,80}\.eval\s*\(|\.eval\s*\(",
                ),
            ),
            (
                Language::Cfm,
                mk(
                    r"#\s*(?:url|form|cookie|cgi)\.\w+|\b(?:url|form)\s*\.\s*\w+",
                    r#"<cfexecute\b|\bevaluate\s*\(|\.exec\s*\("#,
                ),
            ),
            (
                Language::Perl,
                sigiled(mk(
                    r#"\bparam\s*\(|\$ENV\s*\{\s*['"]?(?:QUERY_STRING|HTTP_\w+)|\$(?:FORM|in|input|query)\s*\{|\bReadParse\b"#,
                    r#"(?-i:\bsystem\s*[(\s]|\bexec\s*[(\s]|\bqx\s*[(\[{/|]|`[^`\n]{0,200}\$[^`\n]{0,200}`|\bopen\s*\([^,]{0,40},\s*["']?\||\beval\s*[("'$])"#,
                )),
            ),
            (
                Language::Python,
                mk(
                    r#"\bcgi\.fieldstorage\b|\bform\.getvalue\s*\(|\bform\s*\[|\brequest\.(?:args|form|values|data|json|get_json|headers|cookies|get|post|query_params|body)\b|os\.environ\s*(?:\[|\.get\s*\()\s*['"](?:query_string|http_\w+)"#,
                    r#"(?-i:\bos\.(?:system|popen)\s*\(|\bsubprocess\.\w+\s*\(|\bpty\.spawn\s*\(|\b(?:exec|eval)\s*\()"#,
                ),
            ),
            (
                Language::Shell,
                sigiled(mk(
                    r#"\$\{?QUERY_STRING\b|\$\{?HTTP_\w+"#,
                    r#"\beval\s|\bsh\s+-c\b|\bbash\s+-c\b|`[^`\n]{0,200}\$[^`\n]{0,200}`"#,
                )),
            ),
        ]
    });
    all.iter().find(|(l, _)| *l == lang).map(|(_, t)| t)
}

/// Kinds of file-system operation a file manager offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileOp {
    Write,
    Delete,
    List,
    Read,
}

impl FileOp {
    fn as_str(self) -> &'static str {
        match self {
            FileOp::Write => "write",
            FileOp::Delete => "delete",
            FileOp::List => "list",
            FileOp::Read => "read",
        }
    }
}

/// File operations whose path comes from the request, per language.
struct FileTable {
    source: Regex,
    /// Every operation's pattern in one alternation: one pass over the file.
    any_op: Regex,
    ops: Vec<(FileOp, Regex)>,
}

fn file_table(lang: Language) -> Option<&'static FileTable> {
    static T: OnceLock<Vec<(Language, FileTable)>> = OnceLock::new();
    let all = T.get_or_init(|| {
        let mk = |source: &str, ops: &[(FileOp, &str)]| FileTable {
            source: Regex::new(&format!("(?-u)(?i)(?:{source})")).expect("source regex"),
            any_op: Regex::new(&format!(
                "(?-u)(?i)(?:{})",
                ops.iter().map(|(_, r)| *r).collect::<Vec<_>>().join("|")
            ))
            .expect("op regex"),
            ops: ops
                .iter()
                .map(|(k, r)| (*k, Regex::new(&format!("(?-u)(?i)(?:{r})")).expect("op regex")))
                .collect(),
        };
        // Uploaded files' own names ($_FILES) are expected in upload code: not a source here.
        let php = mk(
            r"\$_(?:GET|POST|REQUEST|COOKIE)\b",
            &[
                (FileOp::Write, r"\b(?:file_put_contents|mkdir|touch|chmod)\s*\(|\bfopen\s*\([^,]{1,200},\s*['\x22][wax]|\b(?:move_uploaded_file|copy|rename)\s*\("),
                (FileOp::Delete, r"\b(?:unlink|rmdir)\s*\("),
                (FileOp::List, r"\b(?:scandir|opendir|glob|dir)\s*\("),
                (FileOp::Read, r"\b(?:readfile|highlight_file|show_source)\s*\("),
            ],
        );
        let ms_source = r#"\brequest\s*(?:\.\s*(?:form|querystring|item|params)\b|[\[(]\s*["'a-z_])"#;
        let asp_ops: &[(FileOp, &str)] = &[
            (FileOp::Write, r"\.(?:savetofile|createtextfile|copyfile|movefile|createfolder|saveas)\s*[(\s]|\bfile\.(?:writeall\w*|copy|move|appendall\w*)\s*\(|\bnew\s+(?:filestream|streamwriter)\s*\(|\bdirectory\.createdirectory\s*\("),
            (FileOp::Delete, r"\.(?:deletefile|deletefolder)\s*[(\s]|\b(?:file|directory)\.delete\s*\("),
            (FileOp::List, r"\.getfolder\s*[(\s]|\bdirectory\.get(?:files|directories)\s*\(|\bnew\s+directoryinfo\s*\("),
            (FileOp::Read, r"\.opentextfile\s*[(\s]|\bresponse\.(?:writefile|transmitfile)\s*\(|\bfile\.readall\w*\s*\("),
        ];
        let jsp = mk(
            r"\brequest\s*\.\s*(?:getparameter|getheader)\s*\(",
            &[
                (FileOp::Write, r"\bnew\s+(?:fileoutputstream|filewriter|randomaccessfile)\s*\(|\bfiles\.(?:write|copy|move)\s*\("),
                (FileOp::Delete, r"\bfiles\.delete\w*\s*\("),
                (FileOp::List, r"\bnew\s+file\s*\("),
                (FileOp::Read, r"\bnew\s+(?:fileinputstream|filereader)\s*\("),
            ],
        );
        vec![
            (Language::Php, php),
            (Language::Asp, mk(ms_source, asp_ops)),
            (Language::Aspx, mk(ms_source, asp_ops)),
            (Language::Jsp, jsp),
        ]
    });
    all.iter().find(|(l, _)| *l == lang).map(|(_, t)| t)
}

/// Signals `heur.request_path_op` (one kind of file operation on a
/// request-chosen path) or `heur.file_manager` (two kinds or more: write,
/// delete, list, read), the core of the "utility" shells that run no command.
pub(super) fn file_ops(lang: Language, data: &[u8], out: &mut Vec<Signal>) {
    let Some(t) = file_table(lang) else { return };
    if !t.source.is_match(data) {
        return;
    }
    // Direct only: request data written into the path argument itself.
    // (Through variables, real applications validate the name first, and a
    // text search cannot see that.)
    let mut kinds: Vec<(FileOp, usize, usize)> = Vec::new();
    for m in t.any_op.find_iter(data) {
        let Some(kind) = t
            .ops
            .iter()
            .find(|(_, re)| re.is_match(m.as_bytes()))
            .map(|(k, _)| *k)
        else {
            continue;
        };
        if kinds.iter().any(|k| k.0 == kind) {
            continue;
        }
        let open = m
            .as_bytes()
            .iter()
            .rposition(|b| *b == b'(')
            .map_or(m.end(), |p| m.start() + p + 1);
        let args = call_args(data, open);
        if !sanitized_path(args) && t.source.is_match(args) {
            kinds.push((kind, m.start(), m.len() + args.len().min(80)));
        }
    }
    let names: Vec<&str> = kinds.iter().map(|k| k.0.as_str()).collect();
    if let Some(&(_, at, len)) = kinds.first() {
        if kinds.len() >= 2 {
            out.push(signal(
                "heur.file_manager",
                format!("request-chosen paths are {}", names.join(", ")),
                at,
                len,
            ));
        } else {
            out.push(signal(
                "heur.request_path_op",
                format!("a request-chosen path is {}", names[0]),
                at,
                len,
            ));
        }
    }
}

/// Path sanitizers: the request picks a name, not a path.
fn sanitized_path(text: &[u8]) -> bool {
    let t = String::from_utf8_lossy(text).to_ascii_lowercase();
    [
        "basename",
        "getfilename(",
        "path.getfilename",
        "sanitize",
        "realpath",
        "intval",
        "preg_replace",
        "md5(",
        "uniqid",
    ]
    .iter()
    .any(|s| t.contains(s))
}

/// Signals `heur.request_to_exec` (directly) and `heur.tainted_exec`
/// (through a variable) for the non-PHP languages.
pub(super) fn run(lang: Language, raw: &[u8], out: &mut Vec<Signal>) {
    let Some(t) = table(lang) else { return };
    if !t.source.is_match(raw) {
        return;
    }
    let code = blank_comment_lines(raw);
    let data: &[u8] = &code;
    let mut tainted: HashSet<String> = HashSet::new();
    let assigns: Vec<(String, &[u8])> = t
        .assign
        .captures_iter(data)
        .map(|c| {
            (
                lossy(&c[1]).to_ascii_lowercase(),
                c.get(2).unwrap().as_bytes(),
            )
        })
        .collect();
    for _ in 0..3 {
        let before = tainted.len();
        for (lhs, rhs) in &assigns {
            if !tainted.contains(lhs) && mentions(t, rhs, &tainted) {
                tainted.insert(lhs.clone());
            }
        }
        if tainted.len() == before {
            break;
        }
    }
    let (mut direct, mut indirect) = (false, false);
    for m in t.sink.find_iter(data) {
        let text = m.as_bytes();
        let args = if text.starts_with(b"`") {
            text
        } else if text.ends_with(b"(") {
            call_args(data, m.end())
        } else {
            // `eval 'code'`, `eval $x`: the quote or sigil the sink matched starts the argument.
            let from = if matches!(text.last(), Some(b'\'' | b'"' | b'$')) {
                m.end() - 1
            } else {
                m.end()
            };
            let end = data[from..]
                .iter()
                .position(|b| matches!(b, b';' | b'\n' | b'%'))
                .map_or(data.len(), |p| from + p);
            &data[from..end.min(from + 300)]
        };
        if constant_literal(args) {
            continue;
        }
        let sink = lossy(&text[..text.len().min(40)])
            .trim_end_matches(['(', ' ', '\t'])
            .trim()
            .to_string();
        if !direct && t.source.is_match(args) {
            direct = true;
            out.push(signal(
                "heur.request_to_exec",
                format!("request data reaches {sink} directly"),
                m.start(),
                m.len() + args.len().min(80),
            ));
        } else if !indirect && !tainted.is_empty() && mentions(t, args, &tainted) {
            indirect = true;
            out.push(signal(
                "heur.tainted_exec",
                format!("request data reaches {sink} through a variable"),
                m.start(),
                m.len() + args.len().min(80),
            ));
        }
        if direct && indirect {
            break;
        }
    }
}

/// The text with whole-line comments (`#`, `//`, `'`, `REM`) blanked to
/// spaces, offsets kept: code quoted in a comment is not code.
fn blank_comment_lines(data: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', data).chain(std::iter::once(data.len())) {
        let line = &data[start..nl];
        let body = line
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map_or(&line[..0], |p| &line[p..]);
        let comment = (body.starts_with(b"#") && !body.starts_with(b"#!"))
            || body.starts_with(b"//")
            || body.starts_with(b"'")
            || body.len() >= 4 && body[..4].eq_ignore_ascii_case(b"rem ");
        if comment {
            let buf = out.get_or_insert_with(|| data.to_vec());
            for b in &mut buf[start..nl] {
                *b = b' ';
            }
        }
        start = nl + 1;
    }
    match out {
        Some(v) => std::borrow::Cow::Owned(v),
        None => std::borrow::Cow::Borrowed(data),
    }
}

/// Whether `text` holds a request source or a tainted identifier (whole
/// word; with sigils, only `$name`/`@name`).
fn mentions(t: &Table, text: &[u8], tainted: &HashSet<String>) -> bool {
    if t.source.is_match(text) {
        return true;
    }
    if tainted.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < text.len() {
        if !(text[i].is_ascii_alphanumeric() || text[i] == b'_') {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && (text[i].is_ascii_alphanumeric() || text[i] == b'_') {
            i += 1;
        }
        let sigiled = start > 0 && matches!(text[start - 1], b'$' | b'@');
        if (!t.sigil || sigiled) && tainted.contains(&lossy(&text[start..i]).to_ascii_lowercase()) {
            return true;
        }
    }
    false
}

/// An argument that is one quoted string with no interpolation: constant code.
fn constant_literal(args: &[u8]) -> bool {
    let a = String::from_utf8_lossy(args);
    let a = a.trim();
    let Some(q) = a.chars().next().filter(|c| *c == '\'' || *c == '"') else {
        return false;
    };
    a.len() >= 2
        && a.ends_with(q)
        && !a[1..a.len() - 1].contains(q)
        && (q == '\'' || !a.contains('$'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(lang: Language, src: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        run(lang, src.as_bytes(), &mut out);
        out.into_iter().map(|s| s.id).collect()
    }

    #[test]
    fn aspx_and_jsp_flows() {
        let aspx = r#"var psi = new ProcessStartInfo("cmd.exe", "/c " + Request["c"]);"#;
        assert_eq!(ids(Language::Aspx, aspx), ["heur.request_to_exec"]);
        let jsp = "String c = request.getHeader(\"X\");\nProcessBuilder pb = new ProcessBuilder(new String[]{\"sh\",\"-c\", c});";
        assert_eq!(ids(Language::Jsp, jsp), ["heur.tainted_exec"]);
    }

    #[test]
    fn perl_tools_are_not_cgi_shells() {
        let cli = "my $x = <STDIN>;\nsystem('tar', 'cvf', $x);\nprint \"give `localhost' here\";";
        assert!(ids(Language::Perl, cli).is_empty());
        let shim = "use CGI;\neval 'sub CGI::multi_param { CGI::param(@_) }';\nmy $head = param('h');\nsystem('git rev-parse HEAD');";
        assert!(ids(Language::Perl, shim).is_empty());
    }

    #[test]
    fn perl_words_in_prose_are_not_calls() {
        let pl = "my $v = param('v');\nprint \"System error: bad $v\";\neval { risky($v) };";
        assert!(ids(Language::Perl, pl).is_empty());
    }

    #[test]
    fn commented_code_is_not_code() {
        let pl = "my $f = param('f');\n\t# eval(\"$f\");\nprint 1;";
        assert!(ids(Language::Perl, pl).is_empty());
    }

    #[test]
    fn constant_commands_are_quiet() {
        assert!(ids(
            Language::Jsp,
            "String n = request.getParameter(\"n\");\nRuntime.getRuntime().exec(\"uptime\");"
        )
        .is_empty());
        assert!(ids(
            Language::Python,
            "q = request.args.get('q')\nsubprocess.run(['ls', '-l'])"
        )
        .is_empty());
        assert!(ids(
            Language::Perl,
            "my $n = param('n');\nsystem('/bin/ping', '-c', '1', 'localhost');"
        )
        .is_empty());
    }

    fn file_ids(lang: Language, src: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        file_ops(lang, src.as_bytes(), &mut out);
        out.into_iter().map(|s| s.id).collect()
    }

    #[test]
    fn file_managers_and_plain_uploads() {
        let fm = "<?php foreach (scandir($_GET['d']) as $f) echo $f; if (isset($_POST['del'])) unlink($_POST['del']);";
        assert_eq!(file_ids(Language::Php, fm), ["heur.file_manager"]);
        let up = "<?php $n = basename($_FILES['f']['name']); move_uploaded_file($_FILES['f']['tmp_name'], 'up/' . $n);";
        assert!(file_ids(Language::Php, up).is_empty());
        let asp = "Set s = Server.CreateObject(\"ADODB.Stream\")\ns.SaveToFile Server.MapPath(Request.QueryString(\"name\")), 2";
        assert_eq!(file_ids(Language::Asp, asp), ["heur.request_path_op"]);
    }

    #[test]
    fn python_and_perl_cgi() {
        let py = "form = cgi.FieldStorage()\ncmd = form.getvalue('run')\nsubprocess.check_output(cmd, shell=True)";
        assert!(ids(Language::Python, py).contains(&"heur.tainted_exec"));
        assert!(
            ids(Language::Perl, "my $c = param('x');\nprint `$c`;").contains(&"heur.tainted_exec")
        );
    }
}
