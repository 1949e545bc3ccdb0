//! Hostile bytes for the no-panic tests: real and synthetic seeds with a few bytes overwritten.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Calls `check(i, bytes)` on `cases` copies of seeds, `bytes` being `seeds[i]` with 1 to 7
/// bytes overwritten. proptest picks the seed, the places and the values, and shrinks a case
/// that fails. Empty seeds have nothing to overwrite and are never picked.
pub fn flipped_bytes(seeds: &[Vec<u8>], cases: u32, check: impl Fn(usize, &[u8])) {
    let picks: Vec<usize> = (0..seeds.len()).filter(|&i| !seeds[i].is_empty()).collect();
    assert!(!picks.is_empty(), "no seed to flip bytes in");
    let flips = (
        any::<prop::sample::Index>(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    );
    TestRunner::new(Config::with_cases(cases))
        .run(&flips, |(which, flips)| {
            let i = *which.get(&picks);
            let mut data = seeds[i].clone();
            for (at, byte) in flips {
                let place = at.index(data.len());
                data[place] = byte;
            }
            check(i, &data);
            Ok(())
        })
        .unwrap();
}
