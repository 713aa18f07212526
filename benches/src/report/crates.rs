//! Versions of the measured crates, from the workspace Cargo.lock. Which crates are measured is
//! read from this crate's own manifest, so neither the list nor a version is written twice.

/// This crate's manifest; its `[dependencies]` are the measured crates.
const MANIFEST: &str = include_str!("../../Cargo.toml");

/// One `[[package]]` of Cargo.lock.
pub struct Locked {
    name: String,
    version: String,
    /// From a registry (the published predecessor) rather than a path (ours).
    published: bool,
}

pub fn parse_lock(lock: &str) -> Vec<Locked> {
    lock.split("[[package]]")
        .skip(1)
        .filter_map(|block| {
            let field = |key: &str| {
                block.lines().find_map(|l| {
                    let (k, v) = l.split_once(" = ")?;
                    (k == key).then(|| v.trim_matches('"').to_string())
                })
            };
            Some(Locked {
                name: field("name")?,
                version: field("version")?,
                published: field("source").is_some(),
            })
        })
        .collect()
}

/// "async-channel 2.5.0, crossbeam-queue 0.3.14, ...", sorted.
pub fn measured(lock: &[Locked]) -> String {
    let names = dependency_names(MANIFEST);
    let mut found: Vec<(&str, &str)> = lock
        .iter()
        .filter(|p| names.contains(&p.name.as_str()))
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    found.sort();
    let found: Vec<String> = found.iter().map(|(n, v)| format!("{n} {v}")).collect();
    found.join(", ")
}

/// The version of tokio-mpmc built from this repository, or the published one; "?" without a
/// lock file.
pub fn tokio_mpmc(lock: &[Locked], published: bool) -> String {
    lock.iter()
        .find(|p| p.name == "tokio-mpmc" && p.published == published)
        .map_or_else(|| "?".into(), |p| p.version.clone())
}

/// Package names under `[dependencies]`, following `package = "…"` renames.
fn dependency_names(manifest: &str) -> Vec<&str> {
    manifest
        .lines()
        .skip_while(|l| l.trim() != "[dependencies]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let (name, spec) = l.split_once('=')?;
            let renamed = spec
                .split_once("package = \"")
                .and_then(|(_, rest)| rest.split_once('"'));
            Some(renamed.map_or(name.trim(), |(package, _)| package))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names_follow_renames() {
        let names = dependency_names(MANIFEST);
        assert!(names.contains(&"tokio-mpmc"));
        assert!(names.contains(&"kanal"));
        assert!(!names.contains(&"tokio-mpmc-024"));
    }

    #[test]
    fn ours_and_published_are_told_apart() {
        let lock = parse_lock(
            "[[package]]\nname = \"tokio-mpmc\"\nversion = \"0.2.4\"\nsource = \"registry+x\"\n\n\
             [[package]]\nname = \"tokio-mpmc\"\nversion = \"0.3.0\"\n",
        );
        assert_eq!(tokio_mpmc(&lock, false), "0.3.0");
        assert_eq!(tokio_mpmc(&lock, true), "0.2.4");
        assert_eq!(measured(&lock), "tokio-mpmc 0.2.4, tokio-mpmc 0.3.0");
    }
}
