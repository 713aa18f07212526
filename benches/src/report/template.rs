//! A line-based template, just enough for `benches/report/BENCHMARKS.md.in`:
//!
//! - `{{name}}` inside a line is replaced by a value;
//! - a line that is only `{{name}}` is replaced by the value as is: a block of whole lines, each
//!   ending in a newline, or nothing (the line disappears);
//! - lines `{{#name}}` … `{{/name}}` keep what they enclose only when section `name` is shown.
//!
//! An unknown name panics, so a typo in the template fails the report instead of printing braces.

use std::collections::BTreeMap;

/// Values and shown sections for [`render`].
#[derive(Default)]
pub struct Vars {
    values: BTreeMap<String, String>,
    /// Results meta files by namespace (`throughput.date`); a key missing from a file reads "?",
    /// as an older run may not have recorded it.
    meta: BTreeMap<String, BTreeMap<String, String>>,
    sections: BTreeMap<String, bool>,
}

impl Vars {
    pub fn set(&mut self, name: &str, value: impl ToString) {
        self.values.insert(name.to_string(), value.to_string());
    }

    pub fn meta(&mut self, namespace: &str, meta: BTreeMap<String, String>) {
        self.meta.insert(namespace.to_string(), meta);
    }

    pub fn section(&mut self, name: &str, shown: bool) {
        self.sections.insert(name.to_string(), shown);
    }

    fn value(&self, name: &str) -> &str {
        if let Some(v) = self.values.get(name) {
            return v;
        }
        let (namespace, key) = name
            .split_once('.')
            .unwrap_or_else(|| panic!("template: no value for {{{{{name}}}}}"));
        let meta = self
            .meta
            .get(namespace)
            .unwrap_or_else(|| panic!("template: no meta file {namespace:?}"));
        meta.get(key).map_or("?", String::as_str)
    }

    fn shown(&self, name: &str) -> bool {
        *self
            .sections
            .get(name)
            .unwrap_or_else(|| panic!("template: no section {{{{#{name}}}}}"))
    }
}

/// Fills `template` from `vars`.
pub fn render(template: &str, vars: &Vars) -> String {
    let mut out = String::new();
    // Open sections, innermost last, and whether each is shown.
    let mut open: Vec<(&str, bool)> = Vec::new();
    for line in template.lines() {
        match tag(line) {
            Some(Tag::Open(name)) => open.push((name, vars.shown(name))),
            Some(Tag::Close(name)) => {
                let (opened, _) = open.pop().expect("template: section closed but not opened");
                assert_eq!(opened, name, "template: section closed out of order");
            }
            _ if open.iter().any(|&(_, shown)| !shown) => {}
            Some(Tag::Block(name)) => out.push_str(vars.value(name)),
            None => {
                substitute(line, vars, &mut out);
                out.push('\n');
            }
        }
    }
    assert!(open.is_empty(), "template: unclosed section {open:?}");
    out
}

/// A line that is a single `{{…}}` and nothing else.
enum Tag<'a> {
    Open(&'a str),
    Close(&'a str),
    Block(&'a str),
}

fn tag(line: &str) -> Option<Tag<'_>> {
    let inner = line.strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains(['{', '}']) {
        return None;
    }
    Some(if let Some(name) = inner.strip_prefix('#') {
        Tag::Open(name)
    } else if let Some(name) = inner.strip_prefix('/') {
        Tag::Close(name)
    } else {
        Tag::Block(inner)
    })
}

/// Appends `line` to `out` with every inline `{{name}}` replaced.
fn substitute(line: &str, vars: &Vars, out: &mut String) {
    let mut rest = line;
    while let Some((before, after)) = rest.split_once("{{") {
        let (name, tail) = after
            .split_once("}}")
            .unwrap_or_else(|| panic!("template: unclosed {{{{ in {line:?}"));
        out.push_str(before);
        out.push_str(vars.value(name));
        rest = tail;
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::default();
        v.set("x", "X");
        v.set("rows", "a\nb\n");
        v.set("none", "");
        v.meta("m", [("k".to_string(), "K".to_string())].into());
        v.section("on", true);
        v.section("off", false);
        v
    }

    #[test]
    fn inline_block_and_meta() {
        let t = "x={{x}} k={{m.k}} gone={{m.gone}}\n{{rows}}\n{{none}}\nend\n";
        assert_eq!(render(t, &vars()), "x=X k=K gone=?\na\nb\nend\n");
    }

    #[test]
    fn sections() {
        let t = "{{#on}}\nshown\n{{#off}}\nhidden {{unknown}}\n{{/off}}\n{{/on}}\n{{#off}}\nno\n{{/off}}\n";
        assert_eq!(render(t, &vars()), "shown\n");
    }

    #[test]
    #[should_panic(expected = "no value")]
    fn unknown_name_panics() {
        render("{{typo}}\n", &vars());
    }
}
