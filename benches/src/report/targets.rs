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
    /// `PEER/ours`: the ratio is the peer's over ours (a face of ours measured against `Queue`).
    inverted: bool,
    need: f64,
}

/// A target checked in one machine state's results.
pub struct Measure {
    pub ratio: Option<f64>,
    /// Interquartile range of the per-repetition ratios.
    pub iqr: Option<(f64, f64)>,
}

/// A target checked against the results of every machine state (idle first).
pub struct Target {
    pub what: String,
    pub need: f64,
    /// One per state, with the state's short name, in the order given.
    pub measures: Vec<(&'static str, Measure)>,
}

/// Every target, `*` ones first (runtime by runtime, in the order measured, the first state's
/// runtimes first), then the ones naming a runtime; each checked in every state.
pub fn targets(states: &[(&'static str, &Results)]) -> Vec<Target> {
    let specs = parse_specs(TARGETS);
    let (every, named): (Vec<&Spec>, Vec<&Spec>) = specs.iter().partition(|s| s.runtime.is_none());
    let mut runtimes: Vec<String> = Vec::new();
    for rt in states.iter().flat_map(|(_, d)| d.runtimes()) {
        if !runtimes.contains(&rt) {
            runtimes.push(rt);
        }
    }
    let check = |spec: &Spec, rt: &str| Target {
        what: spec.describe(rt),
        need: spec.need,
        measures: states
            .iter()
            .map(|&(n, d)| (n, spec.check(d, rt)))
            .collect(),
    };
    let mut out = Vec::new();
    for rt in &runtimes {
        out.extend(every.iter().map(|s| check(s, rt)));
    }
    out.extend(
        named
            .iter()
            .map(|s| check(s, s.runtime.as_deref().unwrap_or_default())),
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

/// `runtime scenario cap versus need`, `versus` being `PEER`, `PEER@SCENARIO/CAP` or `PEER/ours`.
fn parse_spec(line: &str) -> Option<Spec> {
    let [runtime, scenario, cap, versus, need] = line
        .split_whitespace()
        .collect::<Vec<_>>()
        .try_into()
        .ok()?;
    let (versus, inverted) = match versus.strip_suffix("/ours") {
        Some(peer) => (peer, true),
        None => (versus, false),
    };
    let (peer, versus_cell) = match versus.split_once('@') {
        None => (versus, None),
        Some((_, _)) if inverted => return None,
        Some((peer, cell)) => (peer, Some(parse_cell(cell)?)),
    };
    Some(Spec {
        runtime: (runtime != "*").then(|| runtime.to_string()),
        scenario: Scenario::parse(scenario)?,
        cap: parse_cap(cap)?,
        versus: Peer::from_key(peer)?,
        versus_cell,
        inverted,
        need: need.parse().ok()?,
    })
}

/// `SCENARIO/CAP`.
fn parse_cell(cell: &str) -> Option<(Scenario, usize)> {
    let (scenario, cap) = cell.split_once('/')?;
    Some((Scenario::parse(scenario)?, parse_cap(cap)?))
}

impl Spec {
    fn check(&self, d: &Results, rt: &str) -> Measure {
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
        if self.inverted {
            return Measure {
                ratio: ours.zip(theirs).map(|(o, p)| p / o),
                iqr: iqr.map(|(q1, q3)| (1.0 / q3, 1.0 / q1)),
            };
        }
        Measure {
            ratio: ours.zip(theirs).map(|(o, p)| o / p),
            iqr,
        }
    }

    fn describe(&self, rt: &str) -> String {
        let (s, cap, peer) = (self.scenario, cap_label(self.cap), self.versus.key());
        match self.versus_cell {
            None if self.inverted => format!("{rt}: {} cap {cap}: {peer} / ours", s.label()),
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

/// One state's verdict on one target.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Verdict {
    NotMeasured,
    /// `clear`: the whole per-repetition IQR is on the same side of the threshold.
    Met {
        clear: bool,
    },
    Missed {
        clear: bool,
    },
}

impl Measure {
    fn verdict(&self, need: f64) -> Verdict {
        let Some(r) = self.ratio else {
            return Verdict::NotMeasured;
        };
        let met = r >= need;
        let clear = self
            .iqr
            .is_none_or(|(q1, q3)| if met { q1 >= need } else { q3 < need });
        if met {
            Verdict::Met { clear }
        } else {
            Verdict::Missed { clear }
        }
    }

    /// The measured and per-repetition IQR cells of the Targets table.
    fn cells(&self) -> (String, String) {
        match self.ratio {
            None => ("—".into(), String::new()),
            Some(r) => (
                format!("{r:.2}×"),
                self.iqr
                    .map_or_else(|| "—".into(), |(a, b)| format!("{a:.2}–{b:.2}")),
            ),
        }
    }
}

impl Target {
    /// Met in every state.
    pub fn met(&self) -> bool {
        !self.measures.is_empty()
            && self
                .measures
                .iter()
                .all(|(_, m)| matches!(m.verdict(self.need), Verdict::Met { .. }))
    }

    /// "met" only when met in every state; otherwise missed (naming the states where) or not
    /// measured. *Uncertain* when a per-repetition IQR straddles the threshold: for a miss, in
    /// every state that missed; for a met target, in any state. With a single state, a
    /// verdict carries "(NAME only)".
    pub fn verdict(&self) -> String {
        let verdicts: Vec<(&str, Verdict)> = self
            .measures
            .iter()
            .map(|(n, m)| (*n, m.verdict(self.need)))
            .collect();
        let names = |pick: &dyn Fn(Verdict) -> bool| {
            verdicts
                .iter()
                .filter(|(_, v)| pick(*v))
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
        };
        let missed = names(&|v| matches!(v, Verdict::Missed { .. }));
        let unmeasured = names(&|v| v == Verdict::NotMeasured);
        let several = verdicts.len() > 1;
        let mut out = if !missed.is_empty() {
            let clear = verdicts
                .iter()
                .any(|(_, v)| *v == Verdict::Missed { clear: true });
            let mut s = "**missed**".to_string();
            if several {
                s += &format!(" {}", in_states(&missed, verdicts.len()));
            }
            if !clear {
                s += " (uncertain)";
            }
            s
        } else if !unmeasured.is_empty() {
            if several && unmeasured.len() < verdicts.len() {
                format!("not measured {}", in_states(&unmeasured, verdicts.len()))
            } else {
                "not measured".into()
            }
        } else if verdicts
            .iter()
            .all(|(_, v)| *v == Verdict::Met { clear: true })
        {
            "met".into()
        } else {
            "met (uncertain)".into()
        };
        if let [(name, Verdict::Met { .. } | Verdict::Missed { .. })] = verdicts[..] {
            out += &format!(" ({name} only)");
        }
        out
    }

    /// A row of the Targets table in BENCHMARKS.md: measured and IQR per state, then the verdict.
    pub fn markdown_row(&self) -> String {
        let cells: String = self
            .measures
            .iter()
            .map(|(_, m)| {
                let (measured, iqr) = m.cells();
                format!(" {measured} | {iqr} |")
            })
            .collect();
        format!(
            "| {} | ≥ {}× |{cells} {} |",
            self.what,
            need_label(self.need),
            self.verdict()
        )
    }

    /// A line of the summary printed to the terminal.
    pub fn console_line(&self) -> String {
        let verdict = if self.met() {
            "met"
        } else if self.measures.iter().all(|(_, m)| m.ratio.is_none()) {
            "n/a"
        } else {
            "MISSED"
        };
        let figures: Vec<String> = self
            .measures
            .iter()
            .map(|(n, m)| {
                let iqr = m
                    .iqr
                    .map(|(a, b)| format!(" [{a:.2}-{b:.2}]"))
                    .unwrap_or_default();
                match m.ratio {
                    Some(r) => format!("{n} {r:.2}x{iqr}"),
                    None => format!("{n} n/a"),
                }
            })
            .collect();
        format!(
            "{verdict:<7} {:<52} (need >= {}x) {}",
            figures.join("  "),
            need_label(self.need),
            self.what
        )
    }
}

/// `1.5`, `1.0`, `0.95`: one decimal, or two when the second is not zero.
fn need_label(need: f64) -> String {
    let two = format!("{need:.2}");
    match two.strip_suffix('0') {
        Some(one) => one.to_string(),
        None => two,
    }
}

/// "in loaded", "in both", "in idle and loaded".
fn in_states(names: &[&str], of: usize) -> String {
    if names.len() == 2 && of == 2 {
        "in both".into()
    } else {
        format!("in {}", names.join(" and "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_file_parses() {
        let specs = parse_specs(TARGETS);
        assert_eq!(specs.len(), 40);
        let named: Vec<&str> = specs.iter().filter_map(|s| s.runtime.as_deref()).collect();
        assert_eq!(named.len(), 10);
        // A named runtime must be spelled as the results spell it, or its targets match no cell.
        assert!(
            named
                .iter()
                .all(|rt| ["current_thread", "multi_thread(2)"].contains(rt))
        );
    }

    #[test]
    fn bad_line_is_rejected() {
        assert!(parse_spec("* 4x4 16 nobody 1.5").is_none());
        assert!(parse_spec("* 4x4 16 flume").is_none());
        assert!(parse_spec("* 4x4 16 ours@4x4 0.7").is_none());
        assert!(parse_spec("* 4x4 16 kanal@4x4/16/ours 0.7").is_none());
    }

    #[test]
    fn needs_print_with_the_decimals_they_have() {
        assert_eq!(need_label(1.5), "1.5");
        assert_eq!(need_label(1.0), "1.0");
        assert_eq!(need_label(0.95), "0.95");
    }

    #[test]
    fn parses_a_face_of_ours_against_ours() {
        let s = parse_spec("* 4x4 16 ours-channel/ours 0.95").expect("spec");
        assert_eq!(s.versus, Peer::OursChannel);
        assert!(s.inverted && s.versus_cell.is_none());
        assert!(!parse_spec("* 4x4 16 kanal 1.0").expect("spec").inverted);
    }

    #[test]
    fn parses_unbounded_specs() {
        let s = parse_spec("*  4x4  unbounded  kanal@4x4/unbounded  1.0").expect("spec");
        assert_eq!(s.cap, crate::peers::UNBOUNDED);
        assert_eq!(s.versus_cell.map(|c| c.1), Some(crate::peers::UNBOUNDED));
        assert_eq!(parse_spec("* 4x4 16 kanal 1.0").expect("spec").cap, 16);
    }

    /// (ratio, IQR) per state.
    type Figures = (Option<f64>, Option<(f64, f64)>);

    fn target(measures: &[Figures]) -> Target {
        let names = ["idle", "loaded"];
        Target {
            what: "x".into(),
            need: 1.0,
            measures: measures
                .iter()
                .zip(names)
                .map(|(&(ratio, iqr), n)| (n, Measure { ratio, iqr }))
                .collect(),
        }
    }

    #[test]
    fn verdict_needs_every_state() {
        let clear_met = (Some(1.2), Some((1.1, 1.3)));
        let clear_missed = (Some(0.8), Some((0.7, 0.9)));
        let unsure_missed = (Some(0.95), Some((0.9, 1.05)));
        let t = target(&[clear_met, clear_met]);
        assert!(t.met());
        assert_eq!(t.verdict(), "met");
        let t = target(&[clear_met, clear_missed]);
        assert!(!t.met());
        assert_eq!(t.verdict(), "**missed** in loaded");
        let t = target(&[unsure_missed, clear_missed]);
        assert_eq!(t.verdict(), "**missed** in both");
        let t = target(&[clear_met, unsure_missed]);
        assert_eq!(t.verdict(), "**missed** in loaded (uncertain)");
        let t = target(&[clear_met, (None, None)]);
        assert!(!t.met());
        assert_eq!(t.verdict(), "not measured in loaded");
        let t = target(&[clear_met]);
        assert!(t.met());
        assert_eq!(t.verdict(), "met (idle only)");
        assert_eq!(target(&[(None, None)]).verdict(), "not measured");
        assert!(
            t.markdown_row()
                .ends_with("| 1.20× | 1.10–1.30 | met (idle only) |")
        );
    }
}
