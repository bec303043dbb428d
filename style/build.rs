//! Generates the stylesheet from the Tailwind classes used in `app/src`.
//!
//! encre-css is a Tailwind-compatible generator written in Rust: it scans the
//! sources for class names and emits only the CSS they need (with `hover:`,
//! `md:`, `dark:` variants), so no Node tool or downloaded binary is involved.
use std::{
    env, fs,
    hash::{DefaultHasher, Hash, Hasher},
    path::{Path, PathBuf},
};

fn collect_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_sources(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let app_src = manifest_dir.join("../app/src");
    println!("cargo:rerun-if-changed={}", app_src.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=print.css");

    let mut files = Vec::new();
    collect_sources(&app_src, &mut files);
    let sources: Vec<String> = files
        .iter()
        .map(|f| fs::read_to_string(f).expect("app source is readable"))
        .collect();

    let config = encre_css::Config::default();
    let mut css = encre_css::generate(sources.iter().map(String::as_str), &config);
    // The print layout of receipts, hand-written (see print.css).
    css.push('\n');
    css.push_str(&fs::read_to_string(manifest_dir.join("print.css")).expect("print.css is readable"));

    let mut hasher = DefaultHasher::new();
    css.hash(&mut hasher);
    let digest = format!("{:016x}", hasher.finish());

    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it"));
    fs::write(out_dir.join("shopfloor.css"), &css).expect("write stylesheet");
    fs::write(out_dir.join("digest.txt"), &digest[..12]).expect("write digest");
}
