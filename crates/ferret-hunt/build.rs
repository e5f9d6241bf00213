//! Embeds Ferret's shipped Sigma rules (`rules/sigma/**/*.yml|yaml`) into the
//! crate: writes `$OUT_DIR/shipped_sigma.rs`, a sorted list of
//! (path relative to `rules/sigma`, text via `include_str!`).

use std::fs;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yml" | "yaml")) {
            out.push(p);
        }
    }
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest).join("../../rules/sigma");
    println!("cargo:rerun-if-changed={}", root.display());
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut code = String::from("/// Shipped Sigma rules: (path under rules/sigma, text).\npub(crate) static SHIPPED: &[(&str, &str)] = &[\n");
    let mut dirs = std::collections::BTreeSet::new();
    for f in &files {
        if let Some(parent) = f.parent() {
            dirs.insert(parent.to_path_buf());
        }
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&root).unwrap_or(f);
        let rel = rel.to_string_lossy().replace('\\', "/");
        let abs = fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        code.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            format!("rules/sigma/{rel}"),
            abs.to_string_lossy()
        ));
    }
    for d in dirs {
        println!("cargo:rerun-if-changed={}", d.display());
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    if let Err(e) = fs::write(out.join("shipped_sigma.rs"), code) {
        println!("cargo:warning=cannot write shipped_sigma.rs: {e}");
    }
}
