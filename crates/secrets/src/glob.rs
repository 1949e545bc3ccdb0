//! Path globs for `--skip-dirs` and `--skip-files`: `*` and `?` within one path segment,
//! `**` across segments.

/// Whether `pattern` matches all of `path`.
pub fn glob(pattern: &str, path: &str) -> bool {
    matches(pattern.as_bytes(), path.as_bytes())
}

fn matches(p: &[u8], t: &[u8]) -> bool {
    match p {
        [] => t.is_empty(),
        [b'*', b'*', rest @ ..] => {
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            if rest.is_empty() {
                return true;
            }
            (0..=t.len()).any(|i| (i == 0 || t[i - 1] == b'/') && matches(rest, &t[i..]))
        }
        [b'*', rest @ ..] => {
            let segment = t.iter().position(|&b| b == b'/').unwrap_or(t.len());
            (0..=segment).any(|i| matches(rest, &t[i..]))
        }
        [b'?', rest @ ..] => t.first().is_some_and(|&c| c != b'/') && matches(rest, &t[1..]),
        [c, rest @ ..] => t.first() == Some(c) && matches(rest, &t[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn segments_and_stars() {
        assert!(glob("app/*.env", "app/prod.env"));
        assert!(!glob("app/*.env", "app/x/prod.env"));
        assert!(glob("**/node_modules", "a/b/node_modules"));
        assert!(glob("**/node_modules", "node_modules"));
        assert!(glob("a/**", "a/b/c"));
        assert!(glob("v?r", "var"));
        assert!(!glob("var", "var/x"));
    }
}
