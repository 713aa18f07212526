//! The committed results: throughput.csv rows and the `key=value` meta files.

use std::collections::BTreeMap;

use crate::peers::{Peer, parse_cap};
use crate::throughput::Scenario;

/// One summary row of throughput.csv.
#[derive(Clone, Debug)]
pub struct Row {
    pub runtime: String,
    pub scenario: Scenario,
    /// [`crate::peers::UNBOUNDED`] for `unbounded`.
    pub cap: usize,
    pub peer: Peer,
    pub reps: usize,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub recloses: u64,
    pub failures: u64,
    /// Quartiles of the per-repetition ratio ours / this peer (absent in older files).
    pub paired: Option<(f64, f64, f64)>,
}

pub fn parse_throughput(text: &str) -> Vec<Row> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(parse_row)
        .collect()
}

fn parse_row(line: &str) -> Row {
    let f: Vec<&str> = line.split(',').collect();
    let num = |i: usize| f[i].parse::<f64>().unwrap_or(f64::NAN);
    Row {
        runtime: f[0].to_string(),
        // Columns 2 and 3 carry the shape; column 1 is its key.
        scenario: Scenario {
            producers: f[2].parse().expect("producers"),
            consumers: f[3].parse().expect("consumers"),
        },
        cap: parse_cap(f[4]).unwrap_or_else(|| panic!("bad capacity {}", f[4])),
        peer: Peer::from_key(f[5]).unwrap_or_else(|| panic!("unknown peer {}", f[5])),
        reps: f[6].parse().expect("reps"),
        median: num(7),
        min: num(8),
        max: num(9),
        recloses: f[10].parse().unwrap_or(0),
        failures: f[11].parse().unwrap_or(0),
        paired: (f.len() >= 15)
            .then(|| (num(12), num(13), num(14)))
            .filter(|(a, b, c)| a.is_finite() && b.is_finite() && c.is_finite()),
    }
}

pub fn parse_meta(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// "4×4": the shape without its SPSC/MPMC kind.
pub fn shape(s: Scenario) -> String {
    s.key().replace('x', "×")
}

/// One throughput summary and its meta file: the suite measured in one machine state.
pub struct Run {
    /// Short name of the state, for headings and columns: `idle`, `loaded`.
    pub name: &'static str,
    /// The summary's file name (`throughput.csv`).
    pub file: String,
    pub results: Results,
    /// The `key=value` meta file; `state` is filled in with a default when the run did not
    /// record one.
    pub meta: BTreeMap<String, String>,
}

/// One row of polls.csv: a peer in one cell, the per-message counts of the `polls` bench.
#[derive(Clone, Debug)]
pub struct PollsRow {
    pub runtime: String,
    pub scenario: Scenario,
    pub cap: usize,
    /// Its key (`Peer::key_at`), as written.
    pub peer: String,
    pub msgs_per_sec: f64,
    /// polls, waits, wasted wake-ups per message: send side, then receive side.
    pub send: [String; 3],
    pub recv: [String; 3],
    /// How many times hand-off mode began in the run (ours only; empty for the peers and in older files).
    pub hand_offs_begun: String,
}

/// polls.csv: runtime,scenario,producers,consumers,capacity,peer,msgs_per_sec, then send and
/// receive polls/waits/wasted, then (newer files) hand_offs_begun. Malformed lines are skipped.
pub fn parse_polls(text: &str) -> Vec<PollsRow> {
    text.lines().skip(1).filter_map(parse_polls_row).collect()
}

fn parse_polls_row(line: &str) -> Option<PollsRow> {
    let f: Vec<&str> = line.trim().split(',').collect();
    let (rt, p, c, cap, peer, mps, sp, sw, sx, rp, rw, rx, hand_offs) = match f[..] {
        [rt, _, p, c, cap, peer, mps, sp, sw, sx, rp, rw, rx] => {
            (rt, p, c, cap, peer, mps, sp, sw, sx, rp, rw, rx, "")
        }
        [rt, _, p, c, cap, peer, mps, sp, sw, sx, rp, rw, rx, h] => {
            (rt, p, c, cap, peer, mps, sp, sw, sx, rp, rw, rx, h)
        }
        _ => return None,
    };
    Some(PollsRow {
        runtime: rt.to_string(),
        scenario: Scenario {
            producers: p.parse().ok()?,
            consumers: c.parse().ok()?,
        },
        cap: parse_cap(cap)?,
        peer: peer.to_string(),
        msgs_per_sec: mps.parse().unwrap_or(f64::NAN),
        send: [sp, sw, sx].map(String::from),
        recv: [rp, rw, rx].map(String::from),
        hand_offs_begun: hand_offs.to_string(),
    })
}

/// The throughput rows, with the look-ups the report needs.
pub struct Results {
    pub rows: Vec<Row>,
}

impl Results {
    pub fn get(&self, rt: &str, scenario: Scenario, cap: usize, peer: Peer) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.runtime == rt && r.scenario == scenario && r.cap == cap && r.peer == peer)
    }

    /// The median, unless every repetition failed.
    pub fn median(&self, rt: &str, scenario: Scenario, cap: usize, peer: Peer) -> Option<f64> {
        self.get(rt, scenario, cap, peer)
            .map(|r| r.median)
            .filter(|m| m.is_finite())
    }

    /// Runtimes in the order measured.
    pub fn runtimes(&self) -> Vec<String> {
        first_seen(self.rows.iter().map(|r| r.runtime.clone()))
    }

    /// (scenario, cap) in the order measured.
    pub fn cells(&self, rt: &str) -> Vec<(Scenario, usize)> {
        first_seen(
            self.rows
                .iter()
                .filter(|r| r.runtime == rt)
                .map(|r| (r.scenario, r.cap)),
        )
    }

    /// Measured peers, in report order.
    pub fn peers(&self) -> Vec<Peer> {
        Peer::ALL
            .into_iter()
            .filter(|p| self.rows.iter().any(|r| r.peer == *p))
            .collect()
    }

    pub fn rows_of(&self, peer: Peer) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |r| r.peer == peer)
    }
}

/// Each distinct item once, where it first appears.
fn first_seen<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut v = Vec::new();
    for item in items {
        if !v.contains(&item) {
            v.push(item);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::UNBOUNDED;

    #[test]
    fn parses_unbounded_rows() {
        let csv = "header\n\
            multi_thread(2),4x4,4,4,unbounded,ours,5,1e7,1e7,1e7,0,0,,,\n\
            multi_thread(2),4x4,4,4,unbounded,crossbeam-segqueue,5,1e7,1e7,1e7,0,0,1,1,1\n\
            multi_thread(2),4x4,4,4,16,ours,5,1e7,1e7,1e7,0,0,,,\n";
        let rows = parse_throughput(csv);
        assert_eq!(rows[0].cap, UNBOUNDED);
        assert_eq!(rows[1].peer, Peer::Crossbeam);
        assert_eq!(rows[2].cap, 16);
    }

    #[test]
    fn parses_polls_rows() {
        let csv = "header\n\
            current_thread,4x4,4,4,16,ours,4000000,0.500,0.400,0.100,0.700,0.600,0.100\n\
            current_thread,4x4,4,4,unbounded,crossbeam-segqueue,1\n";
        let rows = parse_polls(csv);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].scenario.consumers, 4);
        assert_eq!(rows[0].recv[2], "0.100");
        assert_eq!(rows[0].hand_offs_begun, "");
    }

    #[test]
    fn parses_the_hand_off_count_when_present() {
        let csv = "header\n\
            current_thread,4x4,4,4,16,ours,4000000,0.500,0.400,0.100,0.700,0.600,0.100,3\n\
            current_thread,4x4,4,4,16,kanal,4000000,0.500,0.400,0.100,0.700,0.600,0.100,\n";
        let rows = parse_polls(csv);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].hand_offs_begun, "3");
        assert_eq!(rows[1].hand_offs_begun, "");
    }
}
