//! CVSS base scores computed from vector strings.
//!
//! v3.0 and v3.1 use the v3.1 specification's formula and its `Roundup` (the two versions differ
//! only in rounding at the fifth decimal). v2 uses the v2 guide's base equation. v4.0 is scored
//! by RustSec's `cvss` crate: CVSS 4.0 scores come from the specification's lookup table over
//! macro-vectors plus interpolation, data better taken from a maintained implementation than
//! retyped (tested against the scores CNAs state for their v4 vectors in `tests/cve_severity.rs`).

use std::collections::HashMap;

/// The base score of a CVSS v3.x vector (`CVSS:3.1/AV:N/AC:L/…`), or `None` when the vector
/// is not v3 or lacks a base metric.
pub fn v3_base_score(vector: &str) -> Option<f32> {
    let rest = vector.trim().strip_prefix("CVSS:3.")?;
    let metrics = parse_metrics(rest.split_once('/')?.1);
    let changed = match *metrics.get("S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let cia = |key: &str| -> Option<f64> {
        Some(match *metrics.get(key)? {
            "H" => 0.56,
            "L" => 0.22,
            "N" => 0.0,
            _ => return None,
        })
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let av = match *metrics.get("AV")? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match *metrics.get("AC")? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let pr = match (*metrics.get("PR")?, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let ui = match *metrics.get("UI")? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    if impact <= 0.0 {
        return Some(0.0);
    }
    let raw = if changed {
        1.08 * (impact + exploitability)
    } else {
        impact + exploitability
    };
    Some(roundup(raw.min(10.0)) as f32)
}

/// The score of a CVSS v4.0 vector (`CVSS:4.0/AV:N/AC:L/AT:N/…`): CVSS-B for base metrics
/// only, CVSS-BT/BE/BTE when the vector carries threat or environmental metrics, as the
/// specification's calculator scores it. `None` when the vector is not v4.0 or does not parse.
pub fn v4_base_score(vector: &str) -> Option<f32> {
    let vector = vector.trim();
    if !vector.starts_with("CVSS:4.0/") {
        return None;
    }
    let parsed: ::cvss::v4::Vector = vector.parse().ok()?;
    let score = parsed.score().value();
    // The crate fills missing base metrics with defaults; a vector without all eleven is not
    // a score anyone stated.
    let base = [
        "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
    ];
    let metrics = parse_metrics(vector);
    if base.iter().any(|m| !metrics.contains_key(m)) {
        return None;
    }
    Some(((score * 10.0).round() / 10.0) as f32)
}

/// CVSS v3.1 Appendix A `Roundup`: the smallest one-decimal number ≥ the input, computed on
/// integers so that 4.000000001 does not become 4.1 through float noise.
fn roundup(value: f64) -> f64 {
    let scaled = (value * 100_000.0).round() as i64;
    if scaled % 10_000 == 0 {
        scaled as f64 / 100_000.0
    } else {
        ((scaled / 10_000) + 1) as f64 / 10.0
    }
}

/// The base score of a CVSS v2 vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally in
/// parentheses or prefixed `CVSS:2.0/`).
pub fn v2_base_score(vector: &str) -> Option<f32> {
    let body = vector.trim().trim_start_matches('(').trim_end_matches(')');
    let body = body.strip_prefix("CVSS:2.0/").unwrap_or(body);
    let metrics = parse_metrics(body);
    let av = match *metrics.get("AV")? {
        "L" => 0.395,
        "A" => 0.646,
        "N" => 1.0,
        _ => return None,
    };
    let ac = match *metrics.get("AC")? {
        "H" => 0.35,
        "M" => 0.61,
        "L" => 0.71,
        _ => return None,
    };
    let au = match *metrics.get("Au")? {
        "M" => 0.45,
        "S" => 0.56,
        "N" => 0.704,
        _ => return None,
    };
    let cia = |key: &str| -> Option<f64> {
        Some(match *metrics.get(key)? {
            "N" => 0.0,
            "P" => 0.275,
            "C" => 0.660,
            _ => return None,
        })
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    let score = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
    Some(((score * 10.0).round() / 10.0).max(0.0) as f32)
}

fn parse_metrics(body: &str) -> HashMap<&str, &str> {
    body.split('/')
        .filter_map(|part| part.split_once(':'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_scores_match_nvd() {
        // Scores as NVD publishes them for these vectors.
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", 5.9),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
        ];
        for (vector, expected) in cases {
            assert_eq!(v3_base_score(vector), Some(expected), "{vector}");
        }
        assert_eq!(v3_base_score("CVSS:3.1/AV:N/AC:L"), None);
        assert_eq!(
            v3_base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            None
        );
    }

    #[test]
    fn v4_scores_match_the_specification_calculator() {
        // Scores FIRST's CVSS 4.0 calculator gives for these vectors.
        let cases = [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
                0.0,
            ),
        ];
        for (vector, expected) in cases {
            assert_eq!(v4_base_score(vector), Some(expected), "{vector}");
        }
        assert_eq!(v4_base_score("CVSS:4.0/AV:N/AC:L"), None);
        assert_eq!(
            v4_base_score("CVSS:4.0/AV:Q/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            None
        );
        assert_eq!(
            v4_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            None
        );
    }

    #[test]
    fn v2_scores_match_nvd() {
        assert_eq!(v2_base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some(7.5));
        assert_eq!(v2_base_score("AV:N/AC:M/Au:N/C:N/I:P/A:N"), Some(4.3));
        assert_eq!(v2_base_score("(AV:L/AC:L/Au:N/C:C/I:C/A:C)"), Some(7.2));
        assert_eq!(v2_base_score("AV:N/AC:L/Au:N/C:N/I:N/A:N"), Some(0.0));
    }
}
