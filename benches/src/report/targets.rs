//! Speed targets: read from `benches/report/targets.txt` (its header explains the columns) and
//! checked against the results.

use crate::peers::{Peer, cap_label, parse_cap};
use crate::throughput::Scenario;

use crate::report::results::{Results, shape};

/// Compiled in, so the binary does not depend on where it is run from.
const TARGETS: &str = include_str!("../../report/targets.txt");

/// One line of targets.txt.
#[derive(Debug)]
struct Spec {
    /// None: every measured runtime.
    runtime: Option<String>,
    scenario: Scenario,
    cap: usize,
    versus: Peer,
    /// The cell `versus` is measured in, when it is not ours.
    versus_cell: Option<(Scenario, usize)>,
    need: f64,
}

/// A target checked against the results.
pub struct Target {
    pub what: String,
    pub ratio: Option<f64>,
    pub need: f64,
    /// Interquartile range of the per-repetition ratios.
    pub iqr: Option<(f64, f64)>,
}

/// Every target, `*` ones first (runtime by runtime), then the ones naming a runtime.
pub fn targets(d: &Results) -> Vec<Target> {
    let specs = parse_specs(TARGETS);
    let (every, named): (Vec<&Spec>, Vec<&Spec>) = specs.iter().partition(|s| s.runtime.is_none());
    let mut out = Vec::new();
    for rt in d.runtimes() {
        out.extend(every.iter().map(|s| s.check(d, &rt)));
    }
    out.extend(
        named
            .iter()
            .map(|s| s.check(d, s.runtime.as_deref().unwrap_or_default())),
    );
    out
}

fn parse_specs(text: &str) -> Vec<Spec> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split('#').next().unwrap_or_default().trim()))
        .filter(|(_, l)| !l.is_empty())
        .map(|(n, l)| parse_spec(l).unwrap_or_else(|| panic!("targets.txt line {n}: {l:?}")))
        .collect()
}

/// `runtime scenario cap versus need`, `versus` being `PEER` or `PEER@SCENARIO/CAP`.
fn parse_spec(line: &str) -> Option<Spec> {
    let [runtime, scenario, cap, versus, need] = line
        .split_whitespace()
        .collect::<Vec<_>>()
        .try_into()
        .ok()?;
    let (peer, versus_cell) = match versus.split_once('@') {
        None => (versus, None),
        Some((peer, cell)) => (peer, Some(parse_cell(cell)?)),
    };
    Some(Spec {
        runtime: (runtime != "*").then(|| runtime.to_string()),
        scenario: Scenario::parse(scenario)?,
        cap: parse_cap(cap)?,
        versus: Peer::from_key(peer)?,
        versus_cell,
        need: need.parse().ok()?,
    })
}

/// `SCENARIO/CAP`.
fn parse_cell(cell: &str) -> Option<(Scenario, usize)> {
    let (scenario, cap) = cell.split_once('/')?;
    Some((Scenario::parse(scenario)?, parse_cap(cap)?))
}

impl Spec {
    fn check(&self, d: &Results, rt: &str) -> Target {
        let (scenario, cap) = self.versus_cell.unwrap_or((self.scenario, self.cap));
        let ours = d.median(rt, self.scenario, self.cap, Peer::Ours);
        let theirs = d.median(rt, scenario, cap, self.versus);
        // The paired per-repetition ratios exist only against another peer in the same cell.
        let iqr = match self.versus_cell {
            Some(_) => None,
            None => d
                .get(rt, scenario, cap, self.versus)
                .and_then(|r| r.paired)
                .map(|(q1, _, q3)| (q1, q3)),
        };
        Target {
            what: self.describe(rt),
            ratio: ours.zip(theirs).map(|(o, p)| o / p),
            need: self.need,
            iqr,
        }
    }

    fn describe(&self, rt: &str) -> String {
        let (s, cap, peer) = (self.scenario, cap_label(self.cap), self.versus.key());
        match self.versus_cell {
            None => format!("{rt}: {} cap {cap}: ours / {peer}", s.label()),
            Some((vs, vcap)) => format!(
                "{rt}: ours {} cap {cap} / {peer} {} cap {}",
                shape(s),
                shape(vs),
                cap_label(vcap)
            ),
        }
    }
}

impl Target {
    pub fn met(&self) -> bool {
        self.ratio.is_some_and(|r| r >= self.need)
    }

    /// A verdict is clear when the whole per-repetition IQR is on its side of the threshold.
    fn clear(&self) -> bool {
        let met = self.met();
        self.iqr.is_none_or(
            |(q1, q3)| {
                if met { q1 >= self.need } else { q3 < self.need }
            },
        )
    }

    /// A row of the Targets table in BENCHMARKS.md.
    pub fn markdown_row(&self) -> String {
        let (measured, iqr, verdict) = match self.ratio {
            None => ("—".to_string(), String::new(), "not measured"),
            Some(r) => (
                format!("{r:.2}×"),
                self.iqr
                    .map_or_else(|| "—".into(), |(a, b)| format!("{a:.2}–{b:.2}")),
                match (self.met(), self.clear()) {
                    (true, true) => "met",
                    (true, false) => "met (uncertain)",
                    (false, true) => "**missed**",
                    (false, false) => "**missed** (uncertain)",
                },
            ),
        };
        format!(
            "| {} | ≥ {:.1}× | {measured} | {iqr} | {verdict} |",
            self.what, self.need
        )
    }

    /// A line of the summary printed to the terminal.
    pub fn console_line(&self) -> String {
        let iqr = self
            .iqr
            .map(|(a, b)| format!(" [{a:.2}-{b:.2}]"))
            .unwrap_or_default();
        let verdict = match self.ratio {
            Some(r) if self.met() => format!("met     {r:.2}x{iqr}"),
            Some(r) => format!("MISSED  {r:.2}x{iqr}"),
            None => "n/a".into(),
        };
        format!("{verdict:<28} (need >= {:.1}x) {}", self.need, self.what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_file_parses() {
        let specs = parse_specs(TARGETS);
        assert_eq!(specs.len(), 31);
        assert_eq!(specs.iter().filter(|s| s.runtime.is_some()).count(), 1);
    }

    #[test]
    fn bad_line_is_rejected() {
        assert!(parse_spec("* 4x4 16 nobody 1.5").is_none());
        assert!(parse_spec("* 4x4 16 flume").is_none());
        assert!(parse_spec("* 4x4 16 ours@4x4 0.7").is_none());
    }

    #[test]
    fn parses_unbounded_specs() {
        let s = parse_spec("*  4x4  unbounded  kanal@4x4/unbounded  1.0").expect("spec");
        assert_eq!(s.cap, crate::peers::UNBOUNDED);
        assert_eq!(s.versus_cell.map(|c| c.1), Some(crate::peers::UNBOUNDED));
        assert_eq!(parse_spec("* 4x4 16 kanal 1.0").expect("spec").cap, 16);
    }
}
