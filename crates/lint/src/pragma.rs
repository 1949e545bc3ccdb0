//! Inline pragmas in comments: hadolint's `# hadolint ignore=DL3008,DL3015` (applies to
//! the next instruction) and `# hadolint global ignore=…` (the whole file), and the same
//! with `plinth` in place of `hadolint`.

use std::collections::HashSet;

use crate::rules;
use crate::source::LineIndex;

/// Rules ignored by pragmas in one file.
#[derive(Debug, Default)]
pub struct Pragmas {
    global: HashSet<&'static str>,
    /// (line of the instruction after the pragma, rule)
    local: HashSet<(usize, &'static str)>,
}

impl Pragmas {
    /// Finds pragmas in comment lines. `instruction_lines` are the first lines of all
    /// instructions, sorted, so a pragma binds to the first one after it.
    pub fn scan(text: &str, lines: &LineIndex, instruction_lines: &[usize]) -> Pragmas {
        let mut p = Pragmas::default();
        if !text.contains("hadolint") && !text.contains("plinth") {
            return p;
        }
        for n in 1..=lines.lines() {
            let line = lines.text(text, n).trim_start();
            let Some(comment) = line.strip_prefix('#') else {
                continue;
            };
            let Some((global, ids)) = parse(comment) else {
                continue;
            };
            let ids = ids
                .split(',')
                .filter_map(|id| rules::find(id.trim()))
                .map(|r| r.id);
            if global {
                p.global.extend(ids);
            } else {
                let next = instruction_lines.partition_point(|&l| l <= n);
                if let Some(&target) = instruction_lines.get(next) {
                    p.local.extend(ids.map(|id| (target, id)));
                }
            }
        }
        p
    }

    /// True when `rule` is ignored for the instruction starting at `line`.
    pub fn ignores(&self, rule: &'static str, line: usize) -> bool {
        self.global.contains(rule) || self.local.contains(&(line, rule))
    }
}

/// `hadolint ignore=A,B` → (false, "A,B"); `plinth global ignore=A` → (true, "A").
fn parse(comment: &str) -> Option<(bool, &str)> {
    let rest = comment.trim_start();
    let rest = rest
        .strip_prefix("hadolint")
        .or_else(|| rest.strip_prefix("plinth"))?;
    let rest = rest.trim_start();
    let (global, rest) = match rest.strip_prefix("global") {
        Some(r) => (true, r.trim_start()),
        None => (false, rest),
    };
    let ids = rest
        .strip_prefix("ignore")?
        .trim_start()
        .strip_prefix('=')?;
    Some((global, ids.split_whitespace().next().unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_global() {
        let text = "# hadolint global ignore=DL3006\nFROM a\n# plinth ignore=PL201, DL3004\n# other comment\nRUN cd x && sudo y\nRUN cd z\n";
        let idx = LineIndex::new(text);
        let p = Pragmas::scan(text, &idx, &[2, 5, 6]);
        assert!(p.ignores("PL101", 2));
        assert!(p.ignores("PL201", 5));
        assert!(!p.ignores("PL201", 6));
        assert!(!p.ignores("PL202", 5), "the list ends at the first space");
    }
}
