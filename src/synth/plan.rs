//! The plan of a corpus: for every article, whether it is an original or a
//! planted [`Kind`] of copy, its source, its outlet and whether it carries
//! the outlet's footer. About 12 bytes per article; text is rendered from it
//! on demand.

use super::rng::{Rng, SALT_PLAN};
use super::{Kind, SynthConfig};

/// Outlets (each with its own footer lines).
pub(super) const NUM_OUTLETS: u64 = 16;
/// Planted copies draw their source from this many recent originals.
const SOURCE_WINDOW: usize = 4_096;

/// One planned article.
#[derive(Clone, Copy, Debug)]
pub(super) struct Slot {
    /// `None` for an original.
    pub(super) kind: Option<Kind>,
    /// The source (an earlier original) of a planted article.
    pub(super) source: u32,
    pub(super) outlet: u8,
    pub(super) footer: bool,
    /// Whether another article copies passages of this one (its passages
    /// then go into the passage ground truth).
    pub(super) is_source: bool,
}

/// Plans every article: its kind, source, outlet and footer.
pub(super) fn plan(config: &SynthConfig) -> Vec<Slot> {
    let n = config.get_num_docs();
    let mut rng = Rng::new(config.get_seed(), u64::MAX, SALT_PLAN);
    let mut plan: Vec<Slot> = Vec::with_capacity(n);
    // Recent originals that later articles may copy (a ring buffer).
    let mut recent: Vec<u32> = Vec::with_capacity(SOURCE_WINDOW);
    let mut recent_next = 0;
    // Active wire stories: (root, copies still to come).
    let mut wires: Vec<(u32, u32)> = Vec::new();
    let cumulative: Vec<(f64, Kind)> = Kind::ALL
        .iter()
        .scan(0.0, |acc, &k| {
            *acc += config.get_rate(k);
            Some((*acc, k))
        })
        .collect();
    for i in 0..n as u32 {
        let outlet = rng.below(NUM_OUTLETS) as u8;
        let footer = rng.chance(config.get_boilerplate());
        let u = rng.unit();
        let mut kind = cumulative.iter().find(|c| u < c.0).map(|c| c.1);
        let mut source = 0;
        match kind {
            None => {}
            Some(Kind::RepeatedBlock) => source = i,
            Some(Kind::Wire) => {
                if wires.is_empty() {
                    // This article becomes a new wire story.
                    wires.push((i, rng.between(10, 100) as u32));
                    kind = None;
                } else {
                    let w = rng.below(wires.len() as u64) as usize;
                    source = wires[w].0;
                    wires[w].1 -= 1;
                    if wires[w].1 == 0 {
                        wires.swap_remove(w);
                    }
                    if wires.len() < 3 && rng.chance(0.02) {
                        // Sometimes a second story runs at the same time.
                        wires.push((i, rng.between(10, 100) as u32));
                        kind = None;
                    }
                }
            }
            Some(_) => {
                if recent.is_empty() {
                    kind = None;
                } else {
                    source = recent[rng.below(recent.len() as u64) as usize];
                }
            }
        }
        if kind.is_none() {
            if recent.len() < SOURCE_WINDOW {
                recent.push(i);
            } else {
                recent[recent_next] = i;
                recent_next = (recent_next + 1) % SOURCE_WINDOW;
            }
        }
        if matches!(kind, Some(k) if k != Kind::RepeatedBlock) {
            plan[source as usize].is_source = true;
        }
        plan.push(Slot {
            kind,
            source,
            outlet,
            footer,
            is_source: kind == Some(Kind::RepeatedBlock),
        });
    }
    plan
}
