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
}

const ASSIGN: &str = r"(?i)(?:\b(?:var|dim|my|string|set|let|const|final|object)\s+)?[$@]?([A-Za-z_]\w{0,40})\s*=\s*([^;\r\n]{1,300})";

fn table(lang: Language) -> Option<&'static Table> {
    static T: OnceLock<Vec<(Language, Table)>> = OnceLock::new();
    let all = T.get_or_init(|| {
        let mk = |source: &str, sink: &str| Table {
            source: Regex::new(&format!("(?i)(?:{source})")).expect("source regex"),
            sink: Regex::new(&format!("(?i)(?:{sink})")).expect("sink regex"),
            assign: Regex::new(ASSIGN).expect("assign regex"),
        };
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
                mk(
                    r#"\bparam\s*\(|\$ENV\s*\{\s*['"]?(?:QUERY_STRING|HTTP_\w+)|\$(?:FORM|in|input|query)\s*\{|<STDIN>|\bReadParse\b"#,
                    r#"\bsystem\s*[(\s]|\bexec\s*[(\s]|\bqx\s*[(\[{/|]|`|\bopen\s*\([^,]{0,40},\s*["']?\||\beval\s*[({]"#,
                ),
            ),
            (
                Language::Python,
                mk(
                    r#"\bcgi\.fieldstorage\b|\bform\.getvalue\s*\(|\bform\s*\[|\brequest\.(?:args|form|values|data|json|get_json|headers|cookies|get|post|query_params|body)\b|os\.environ\s*(?:\[|\.get\s*\()\s*['"](?:query_string|http_\w+)"#,
                    r#"\bos\.(?:system|popen)\s*\(|\bsubprocess\.\w+\s*\(|\bpty\.spawn\s*\(|\b(?:exec|eval)\s*\("#,
                ),
            ),
            (
                Language::Shell,
                mk(
                    r#"\$\{?QUERY_STRING\b|\$\{?HTTP_\w+"#,
                    r#"\beval\s|\bsh\s+-c\b|\bbash\s+-c\b|`"#,
                ),
            ),
        ]
    });
    all.iter().find(|(l, _)| *l == lang).map(|(_, t)| t)
}

/// Signals `heur.request_to_exec` (directly) and `heur.tainted_exec`
/// (through a variable) for the non-PHP languages.
pub(super) fn run(lang: Language, data: &[u8], out: &mut Vec<Signal>) {
    let Some(t) = table(lang) else { return };
    if !t.source.is_match(data) {
        return;
    }
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
        let args = if text.ends_with(b"(") {
            call_args(data, m.end())
        } else {
            let end = data[m.end()..]
                .iter()
                .position(|b| matches!(b, b';' | b'\n' | b'%'))
                .map_or(data.len(), |p| m.end() + p);
            &data[m.end()..end.min(m.end() + 300)]
        };
        let sink = lossy(text)
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

/// Whether `text` holds a request source or a tainted identifier (whole word).
fn mentions(t: &Table, text: &[u8], tainted: &HashSet<String>) -> bool {
    if t.source.is_match(text) {
        return true;
    }
    text.split(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .filter(|w| !w.is_empty())
        .any(|w| tainted.contains(&lossy(w).to_ascii_lowercase()))
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

    #[test]
    fn python_and_perl_cgi() {
        let py = "form = cgi.FieldStorage()\ncmd = form.getvalue('run')\nsubprocess.check_output(cmd, shell=True)";
        assert!(ids(Language::Python, py).contains(&"heur.tainted_exec"));
        assert!(
            ids(Language::Perl, "my $c = param('x');\nprint `$c`;").contains(&"heur.tainted_exec")
        );
    }
}
