//! benches/results/throughput.svg (and throughput-loaded.svg): one panel per runtime, a group of
//! bars per (scenario, cap).
//! No plotting dependency: the SVG is written by hand.

use std::fmt::Write as _;

use crate::peers::{Peer, cap_label};
use crate::throughput::Scenario;

use crate::report::results::{Results, shape};

/// One per peer of `Peer::ALL`, so no two measured peers share a colour.
const COLORS: [&str; Peer::ALL.len()] = [
    "#d62728", "#e377c2", "#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#ff7f0e", "#8c564b",
    "#7f7f7f",
];
const BAR_W: f64 = 9.0;
const GROUP_GAP: f64 = 14.0;
const LEFT: f64 = 70.0;
const PANEL_H: f64 = 300.0;
const TOP_PAD: f64 = 70.0;
const PANEL_GAP: f64 = 70.0;

/// What every panel shares: the bar groups, the width and the log scale.
struct Chart {
    peers: Vec<Peer>,
    cells: Vec<(Scenario, usize)>,
    width: f64,
    group_w: f64,
    /// Decades of M msg/s at the bottom and top of a panel.
    lo_exp: f64,
    hi_exp: f64,
}

/// The chart of one run; `state` (the machine's state during it) goes into the title.
pub fn svg(d: &Results, state: &str) -> String {
    let runtimes = d.runtimes();
    let chart = Chart::new(d, &runtimes);
    let height = TOP_PAD + (PANEL_H + PANEL_GAP) * runtimes.len() as f64 + 10.0;
    let mut s = String::new();
    chart.header(&mut s, height, state);
    for (ri, rt) in runtimes.iter().enumerate() {
        let y0 = TOP_PAD + ri as f64 * (PANEL_H + PANEL_GAP) + 15.0;
        chart.panel(&mut s, d, rt, y0);
    }
    s.push_str("</svg>\n");
    s
}

impl Chart {
    fn new(d: &Results, runtimes: &[String]) -> Chart {
        let peers = d.peers();
        // Every panel uses the first runtime's groups, so the panels line up.
        let cells = runtimes.first().map(|rt| d.cells(rt)).unwrap_or_default();
        let group_w = BAR_W * peers.len() as f64 + GROUP_GAP;
        let width = LEFT + group_w * cells.len() as f64 + 20.0;
        // Log scale over the data's range.
        let vals: Vec<f64> = d
            .rows
            .iter()
            .map(|r| r.median)
            .filter(|m| m.is_finite() && *m > 0.0)
            .collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min).max(1.0);
        let hi = vals.iter().copied().fold(0.0, f64::max).max(10.0);
        Chart {
            peers,
            cells,
            width,
            group_w,
            lo_exp: (lo / 1e6).log10().floor(),
            hi_exp: (hi / 1e6).log10().ceil(),
        }
    }

    /// The opening tag, background, title and legend.
    fn header(&self, s: &mut String, height: f64, state: &str) {
        let width = self.width;
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="11">"#
        );
        let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{LEFT}" y="20" font-size="15" font-weight="bold">Throughput, M messages/s (median, log scale) — higher is better — {}</text>"#,
            xml_escape(state)
        );
        let mut lx = LEFT;
        for (i, p) in self.peers.iter().enumerate() {
            let _ = writeln!(
                s,
                r#"<rect x="{lx:.0}" y="32" width="11" height="11" fill="{}"/><text x="{:.0}" y="42">{}</text>"#,
                COLORS[i % COLORS.len()],
                lx + 15.0,
                p.key()
            );
            lx += 30.0 + 7.0 * p.key().len() as f64;
        }
    }

    /// Height of `v` msg/s in a panel whose top is `y0`.
    fn y_of(&self, v: f64, y0: f64) -> f64 {
        let e = (v / 1e6).log10().clamp(self.lo_exp, self.hi_exp);
        y0 + PANEL_H - (e - self.lo_exp) / (self.hi_exp - self.lo_exp) * PANEL_H
    }

    fn panel(&self, s: &mut String, d: &Results, rt: &str, y0: f64) {
        let _ = writeln!(
            s,
            r#"<text x="{LEFT}" y="{:.0}" font-size="13" font-weight="bold">{rt}</text>"#,
            y0 - 5.0
        );
        self.grid(s, y0);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{LEFT}" y1="{y0:.0}" y2="{:.0}" stroke="#333"/>"##,
            y0 + PANEL_H
        );
        for (ci, &(scenario, cap)) in self.cells.iter().enumerate() {
            let gx = LEFT + 6.0 + ci as f64 * self.group_w;
            self.bars(s, d, rt, (scenario, cap), gx, y0);
        }
    }

    /// A line and a label per decade.
    fn grid(&self, s: &mut String, y0: f64) {
        let mut e = self.lo_exp;
        while e <= self.hi_exp + 1e-9 {
            let y = self.y_of(10f64.powf(e) * 1e6, y0);
            let label = if e < 0.0 {
                format!("{}", 10f64.powf(e))
            } else {
                format!("{:.0}", 10f64.powf(e))
            };
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" x2="{:.0}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.0}" y="{:.1}" text-anchor="end">{label}</text>"##,
                self.width - 20.0,
                LEFT - 6.0,
                y + 4.0
            );
            e += 1.0;
        }
    }

    /// One group: a bar per measured peer, then the group's label.
    fn bars(
        &self,
        s: &mut String,
        d: &Results,
        rt: &str,
        cell: (Scenario, usize),
        gx: f64,
        y0: f64,
    ) {
        let (scenario, cap) = cell;
        let scen = scenario.key();
        let cap = cap_label(cap);
        for (pi, p) in self.peers.iter().enumerate() {
            let Some(v) = d.median(rt, scenario, cell.1, *p) else {
                continue;
            };
            let y = self.y_of(v, y0);
            let _ = writeln!(
                s,
                r#"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} {rt} {scen} cap {cap}: {:.2} M msg/s</title></rect>"#,
                gx + pi as f64 * BAR_W,
                BAR_W - 1.0,
                y0 + PANEL_H - y,
                COLORS[pi % COLORS.len()],
                p.key(),
                v / 1e6
            );
        }
        let cx = gx + BAR_W * self.peers.len() as f64 / 2.0;
        let _ = writeln!(
            s,
            r##"<text x="{cx:.0}" y="{:.0}" text-anchor="middle">{}</text><text x="{cx:.0}" y="{:.0}" text-anchor="middle" fill="#555">cap {cap}</text>"##,
            y0 + PANEL_H + 14.0,
            shape(scenario),
            y0 + PANEL_H + 27.0
        );
    }
}

/// `state` comes from a meta file: escape what XML text cannot hold.
fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
