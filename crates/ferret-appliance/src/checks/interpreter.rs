//! Code run when an interpreter starts (`interpreter_start`): `*.pth` files
//! with an `import` line, `sitecustomize.py` and `usercustomize.py`, unless
//! the profile names them as shipped.

use super::Ctx;
use crate::findings::Hit;
use ferret_core::Escaped;

/// Largest start-up file read.
const CAP: u64 = 4 * 1024 * 1024;

/// The 1-based number and text of the first line that Python's `site`
/// module would execute (`import` followed by a space or tab).
pub(crate) fn import_line(text: &[u8]) -> Option<(u64, &[u8])> {
    text.split(|&b| b == b'\n')
        .enumerate()
        .find_map(|(n, line)| {
            let t = line.trim_ascii_start();
            let rest = t.strip_prefix(b"import")?;
            matches!(rest.first(), Some(b' ' | b'\t')).then_some((n as u64 + 1, line))
        })
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let profile = ctx.profile;
    for s in &profile.interpreter_start {
        for dir in ctx.expand(&s.entry) {
            if !dir.meta.is_dir() {
                continue;
            }
            let rd = match std::fs::read_dir(ctx.root.join(&dir.rel)) {
                Ok(rd) => rd,
                Err(e) => {
                    let p = ctx.root.join(&dir.rel);
                    ctx.errors
                        .push(crate::walk::item_error(&p, "cannot list", &e));
                    continue;
                }
            };
            let mut names: Vec<_> = rd.filter_map(Result::ok).map(|e| e.file_name()).collect();
            names.sort();
            for name in names {
                let rel = dir.rel.join(&name);
                let full = ctx.root.join(&rel);
                if s.shipped.is_match(&name) {
                    continue;
                }
                let lossy = name.to_string_lossy();
                let custom = lossy == "sitecustomize.py" || lossy == "usercustomize.py";
                let pth = lossy.to_ascii_lowercase().ends_with(".pth");
                if !custom && !pth {
                    continue;
                }
                let is_file = std::fs::symlink_metadata(&full).is_ok_and(|m| m.is_file());
                if !is_file {
                    continue;
                }
                if custom {
                    let what = format!(
                        "{} runs at every start of the interpreter",
                        Escaped::from_path(std::path::Path::new(&name))
                    );
                    ctx.push(Hit::from_entry(
                        &profile.name,
                        "interpreter_start",
                        &rel,
                        &s.entry,
                        what,
                    ));
                    continue;
                }
                let text = match crate::walk::read_capped(&full, CAP) {
                    Ok(t) => t,
                    Err(e) => {
                        ctx.errors
                            .push(crate::walk::item_error(&full, "cannot read", &e));
                        continue;
                    }
                };
                if let Some((line, code)) = import_line(&text) {
                    let what =
                        ".pth file whose `import` line runs at every start of the interpreter"
                            .to_string();
                    let mut hit =
                        Hit::from_entry(&profile.name, "interpreter_start", &rel, &s.entry, what);
                    hit.line = Some(line);
                    hit.excerpt = Some(Escaped::from_bytes(&code[..code.len().min(200)]));
                    hit.confidence = 0.9;
                    ctx.push(hit);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::import_line;

    #[test]
    fn finds_import_lines_only() {
        assert_eq!(
            import_line(b"/usr/lib/x\n  import os;exec('')\n").map(|x| x.0),
            Some(2)
        );
        assert_eq!(import_line(b"importlib\n/path\n"), None);
        assert_eq!(
            import_line(b"\timport\tsys"),
            Some((1, &b"\timport\tsys"[..]))
        );
    }
}
