//! Embeds the shipped rules (`rules/yara/**/*.yar`, `rules/known-good/*.{toml,pem}`)
//! into the library, so the `ferret` binary is the only file a responder copies.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let rules = manifest.join("../../rules");
    println!("cargo:rerun-if-changed={}", rules.display());
    let mut out = String::new();
    for (name, ext, sub) in [
        ("YARA", "yar", "yara"),
        ("KNOWN_GOOD", "toml", "known-good"),
        ("KNOWN_GOOD_PEM", "pem", "known-good"),
    ] {
        let mut files = Vec::new();
        collect(&rules.join(sub), ext, &mut files);
        files.sort();
        writeln!(
            out,
            "/// Shipped `rules/{sub}` files: (path below `rules/{sub}`, content)."
        )
        .unwrap();
        writeln!(out, "pub static {name}: &[(&str, &str)] = &[").unwrap();
        for f in &files {
            let rel = f
                .strip_prefix(rules.join(sub))
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let abs = f.canonicalize().unwrap();
            writeln!(
                out,
                "    ({rel:?}, include_str!({:?})),",
                abs.to_string_lossy()
            )
            .unwrap();
            println!("cargo:rerun-if-changed={}", f.display());
        }
        writeln!(out, "];").unwrap();
    }
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(dest, out).unwrap();
}

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    println!("cargo:rerun-if-changed={}", dir.display());
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}
