//! Paired A/B timing of the ext client against its plain `reqwest` floor, for the benchmarks'
//! `*_ab` rows: alternating blocks of ext and plain runs, the ratio taken per pair of blocks,
//! the median and quartiles of those ratios reported. On a shared, noisy machine this is the
//! figure to quote: load that comes and goes hits both sides of each pair, where separate
//! criterion runs seconds apart can drift by more than the overhead.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Times `rounds` pairs of blocks, `block` runs of each side per block, the side that goes first
/// alternating by round, and prints `label`'s ext/plain ratios of the pairs (median and
/// quartiles) and the mean time per run (`per_run` names a run) of each side.
pub async fn compare<E, P>(
    label: &str,
    per_run: &str,
    rounds: usize,
    block: usize,
    mut ext: impl AsyncFnMut() -> E,
    mut plain: impl AsyncFnMut() -> P,
) {
    let (mut ext_times, mut plain_times) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for ext_side in [round % 2 == 0, round % 2 == 1] {
            let started = Instant::now();
            for _ in 0..block {
                if ext_side {
                    black_box(ext().await);
                } else {
                    black_box(plain().await);
                }
            }
            let took = started.elapsed();
            if ext_side {
                ext_times.push(took);
            } else {
                plain_times.push(took);
            }
        }
    }
    let mut ratios: Vec<f64> = ext_times
        .iter()
        .zip(&plain_times)
        .map(|(e, p)| e.as_secs_f64() / p.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let q = |p: f64| {
        ratios
            .get(((ratios.len().saturating_sub(1)) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let mean_us = |d: &[Duration]| {
        d.iter().map(Duration::as_secs_f64).sum::<f64>() / (d.len() * block) as f64 * 1e6
    };
    println!(
        "{label}: ext/plain ratio median {:.3} (quartiles {:.3}..{:.3}) over {} paired rounds of {block} runs per side; mean per {per_run}: ext {:.1} us, plain {:.1} us",
        q(0.5),
        q(0.25),
        q(0.75),
        ratios.len(),
        mean_us(&ext_times),
        mean_us(&plain_times),
    );
}

/// The 1-minute load average (`/proc/loadavg`), when the system has one.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Whether the `*_ab` comparison `name` runs under the bench's arguments: not when criterion
/// only lists or tests, and when no filter is given or `name` contains it (criterion's filter is
/// its one positional argument).
pub fn wanted(name: &str) -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list" || a == "--test") {
        return false;
    }
    args.iter()
        .find(|a| !a.starts_with('-'))
        .is_none_or(|f| name.contains(f.as_str()))
}
