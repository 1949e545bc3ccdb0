//! Every line of apk-tools' own version vectors (`test/unit/version.data`), read from
//! ../shared/fixtures/apk-tools. Lines are `A op B` (op: `<`, `>`, `=`, `~` prefix match,
//! `<~`/`>~` order under prefix matching, `!~` no prefix match), `V` (valid) or `!V` (invalid).

use std::cmp::Ordering;
use std::path::Path;

use plinth_version::{Scheme, apk};

fn matches(a: &str, op: &str, b: &str) -> bool {
    let fuzzy = op.contains('~');
    let got = apk::compare_fuzzy(a, b, fuzzy);
    let accepts = |o: Ordering| match o {
        Ordering::Less => op.contains('<'),
        Ordering::Greater => op.contains('>'),
        // A bare `~` (or `!~`) asks for a prefix match, which compares equal.
        Ordering::Equal => op.contains('=') || op.trim_start_matches('!') == "~",
    };
    let ok = accepts(got);
    if op.starts_with('!') { !ok } else { ok }
}

#[test]
fn every_apk_tools_vector() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/apk-tools/version.data");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipped: {} not found", path.display());
        return;
    };
    let (mut comparisons, mut validity, mut failures) = (0, 0, Vec::new());
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [a, op, b] => {
                comparisons += 1;
                if !matches(a, op, b) {
                    failures.push(format!(
                        "line {}: {raw}: got {:?}",
                        n + 1,
                        Scheme::Apk.compare(a, b)
                    ));
                }
                // Plain orderings must also hold reversed.
                let reversed = match *op {
                    "<" => Some(Ordering::Greater),
                    ">" => Some(Ordering::Less),
                    "=" => Some(Ordering::Equal),
                    _ => None,
                };
                if let Some(want) = reversed
                    && Scheme::Apk.compare(b, a) != want
                {
                    failures.push(format!("line {}: {raw} (reversed)", n + 1));
                }
            }
            [v] => {
                validity += 1;
                let (version, valid) = match v.strip_prefix('!') {
                    Some(rest) => (rest, false),
                    None => (*v, true),
                };
                if Scheme::Apk.parse_check(version).is_ok() != valid {
                    failures.push(format!("line {}: {raw}: validity", n + 1));
                }
            }
            _ => failures.push(format!("line {}: unreadable: {raw}", n + 1)),
        }
    }
    // The bare `!` line is the empty version, which is invalid.
    println!(
        "apk vectors: {comparisons} comparisons, {validity} validity lines, {} failures",
        failures.len()
    );
    for f in &failures {
        println!("  {f}");
    }
    assert!(failures.is_empty());
    assert!(
        comparisons > 700,
        "only {comparisons} comparison lines read"
    );
}
