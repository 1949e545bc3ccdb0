//! SUSE and openSUSE: CVRF 1.2 advisories (`cvrf-opensuse-su-2015-0798-1.xml`, one per SUSE-SU /
//! openSUSE-SU update) and OVAL (`suse.linux.enterprise.15.xml`, one definition per CVE).
//!
//! Both name SUSE products in words (`SUSE Linux Enterprise Server 15 SP1-LTSS`,
//! `SUSE Linux Enterprise Module for Basesystem 15 SP6`, `openSUSE Leap 15.2`); [`product_key`]
//! turns them into the keys an image's os-release gives, as Trivy folds them: every SLE
//! product of one service pack is one key (`SUSE:Linux Enterprise 15 SP6`, which SLES and SLE
//! BCI images share), Leap is `openSUSE:Leap 15.2`. Records name binary packages, matched by
//! the binary name in rpm's EVR order, with SUSE's rating (`moderate`, `important`) as the
//! vendor severity.

pub mod cvrf;
pub mod oval;

use crate::ecosystem::canonical_ecosystem;
use crate::model::{Severity, SeverityKind};

/// The database key of a SUSE product name, or `None` for products whose packages no container
/// image carries under that name (SUSE Manager, Storage) or that plinth cannot key.
pub(crate) fn product_key(product: &str) -> Option<String> {
    let product = product.trim();
    let version = |v: &str| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.');
    if let Some(rest) = product.strip_prefix("openSUSE ") {
        if rest == "Tumbleweed" {
            return Some("openSUSE:Tumbleweed".into());
        }
        let (line, rest) = match rest.strip_prefix("Leap Micro ") {
            Some(rest) => ("Leap Micro ", rest),
            None => match rest.strip_prefix("Leap ") {
                Some(rest) => ("Leap ", rest),
                // Before Leap: `openSUSE 13.2`.
                None => ("", rest),
            },
        };
        let release = rest.split_whitespace().next()?;
        return version(release).then(|| format!("openSUSE:{line}{release}"));
    }
    let rest = product.strip_prefix("SUSE Linux Enterprise ")?;
    if rest.starts_with("Storage") || rest.contains("SUSE Manager") {
        return None;
    }
    if let Some(micro) = rest.strip_prefix("Micro ") {
        let release = micro.split_whitespace().next()?;
        return version(release).then(|| format!("SUSE:Linux Enterprise Micro {release}"));
    }
    // The release is the last `MAJOR[-SUFFIX]` or `MAJOR SPn[-SUFFIX]` (`15 SP1-LTSS`,
    // `15-LTSS`, `11 SP4 LTSS`); words after it are ignored.
    let words: Vec<&str> = rest
        .split_whitespace()
        .map(|w| w.split('-').next().unwrap_or(w))
        .collect();
    let digits = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit());
    let at = words
        .iter()
        .rposition(|w| digits(w) || w.strip_prefix("SP").is_some_and(digits))?;
    let (major, pack) = match words[at].strip_prefix("SP") {
        Some(pack) => (*words.get(at.checked_sub(1)?)?, pack),
        None => (words[at], "0"),
    };
    digits(major).then(|| canonical_ecosystem(&format!("SUSE:Linux Enterprise {major}.{pack}")))
}

/// SUSE's own rating of a CVE (`moderate`, `Important`), as a vendor severity.
pub(crate) fn vendor_severity(level: &str) -> Option<Severity> {
    let level = level.trim();
    (!level.is_empty()).then(|| Severity {
        source: "suse".into(),
        kind: SeverityKind::Vendor,
        score: None,
        vector: None,
        level: Some(level.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_names_to_keys() {
        let key = |p: &str| product_key(p);
        let sle = |r: &str| Some(format!("SUSE:Linux Enterprise {r}"));
        assert_eq!(
            key("SUSE Linux Enterprise Server 15 SP1-LTSS"),
            sle("15 SP1")
        );
        assert_eq!(
            key("SUSE Linux Enterprise Server 15 SP1-BCL"),
            sle("15 SP1")
        );
        assert_eq!(key("SUSE Linux Enterprise Server 15-LTSS"), sle("15"));
        assert_eq!(
            key("SUSE Linux Enterprise Module for Basesystem 15 SP6"),
            sle("15 SP6")
        );
        assert_eq!(
            key("SUSE Linux Enterprise Server for SAP Applications 15"),
            sle("15")
        );
        assert_eq!(
            key("SUSE Linux Enterprise Server 11 SP4 LTSS"),
            sle("11 SP4")
        );
        assert_eq!(key("SUSE Linux Enterprise Server 11-SECURITY"), sle("11"));
        assert_eq!(
            key("SUSE Linux Enterprise Micro 5.2").as_deref(),
            Some("SUSE:Linux Enterprise Micro 5.2")
        );
        assert_eq!(
            key("openSUSE Leap 15.2").as_deref(),
            Some("openSUSE:Leap 15.2")
        );
        assert_eq!(
            key("openSUSE Leap Micro 5.2").as_deref(),
            Some("openSUSE:Leap Micro 5.2")
        );
        assert_eq!(key("openSUSE 13.2").as_deref(), Some("openSUSE:13.2"));
        assert_eq!(
            key("openSUSE Tumbleweed").as_deref(),
            Some("openSUSE:Tumbleweed")
        );
        assert_eq!(key("SUSE Linux Enterprise Storage 7"), None);
        assert_eq!(
            key("SUSE Linux Enterprise Module for SUSE Manager Server 4.0"),
            None
        );
        assert_eq!(key("kernel-default-4.12.14-150.72.1"), None);
        assert_eq!(key("SUSE Linux Enterprise Desktop"), None);
    }
}
