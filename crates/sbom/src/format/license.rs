//! Turning the free-text licences catalogers report into what SBOM formats accept.
//!
//! Package databases write licences many ways: valid SPDX expressions (`MIT`,
//! `GPL-2.0-only OR MIT`), old Fedora short names (`GPLv2+`, `BSD and MIT`), prose
//! (`Apache 2.0`). CycloneDX and SPDX both reject an invalid identifier, so each licence is
//! parsed strictly against the SPDX licence list; what does not parse becomes a named
//! licence (CycloneDX) or a `LicenseRef-` (SPDX) carrying the original text, never a guess.
//! Debian's DEP-5 short names are the one spelling translated: `GPL-2+`, `LGPL-2.1` and
//! `BSD-3-clause` name SPDX licences by a rule DEP-5 itself states (`+` is "or later", a bare
//! version is that version only, case aside the names are SPDX's).

use std::collections::BTreeMap;

/// One licence string as a package reported it, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum License {
    /// A single SPDX licence identifier (`MIT`, `GPL-2.0-or-later`).
    Id(String),
    /// A valid compound SPDX expression (`MIT OR Apache-2.0`).
    Expression(String),
    /// Free text that is not valid SPDX.
    Text(String),
}

/// Classifies a licence string (surrounding whitespace ignored).
pub fn classify(text: &str) -> License {
    let text = text.trim();
    // One exact identifier of the SPDX list: what CycloneDX's `license.id` (an enum of that
    // list) accepts. `license_id` forgives a trailing `+`, so the name must match exactly.
    if let Some(id) = dep5_short_name(text) {
        return License::Id(id);
    }
    if spdx::license_id(text).is_some_and(|id| id.name == text) {
        return License::Id(text.to_owned());
    }
    match spdx::Expression::parse(text) {
        Ok(_) => License::Expression(text.to_owned()),
        Err(_) => License::Text(text.to_owned()),
    }
}

/// The SPDX identifier a DEP-5 short name stands for: `GPL-3+` → `GPL-3.0-or-later`,
/// `LGPL-2` → `LGPL-2.0-only`, `BSD-3-clause` → `BSD-3-Clause`.
fn dep5_short_name(text: &str) -> Option<String> {
    let id = gnu_id(text).or_else(|| {
        let (name, _, _) = spdx::identifiers::LICENSES
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(text))?;
        Some((*name).to_owned())
    })?;
    spdx::license_id(&id)
        .filter(|l| l.name == id)
        .map(|l| l.name.to_owned())
}

/// `GPL-2+` → `GPL-2.0-or-later`, `LGPL-2.1` → `LGPL-2.1-only` (not yet checked against the
/// list).
fn gnu_id(text: &str) -> Option<String> {
    let (family, version) = text.split_once('-')?;
    if !["GPL", "LGPL", "AGPL", "GFDL"].contains(&family) {
        return None;
    }
    let (version, suffix) = match version.strip_suffix('+') {
        Some(v) => (v, "or-later"),
        None => (version, "only"),
    };
    let parts: Vec<&str> = version.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() > 2 || !parts.iter().all(numeric) {
        return None;
    }
    let minor = parts.get(1).copied().unwrap_or("0");
    Some(format!("{family}-{}.{minor}-{suffix}", parts[0]))
}

/// `LicenseRef-` identifiers for free-text licences within one SPDX document: the same text
/// always gets the same reference, different texts never share one.
#[derive(Debug, Default)]
pub struct Refs {
    by_text: BTreeMap<String, String>,
    taken: BTreeMap<String, String>,
}

impl Refs {
    /// The `LicenseRef-…` for `text`, made from its letters, digits, `.` and `-`.
    pub fn reference(&mut self, text: &str) -> String {
        if let Some(r) = self.by_text.get(text) {
            return r.clone();
        }
        // Runs of other characters become one `-`: `GPLv2+ and MIT` → `GPLv2-and-MIT`.
        let mut base = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_ascii_alphanumeric() || c == '.' {
                base.push(c);
            } else if !base.is_empty() && !base.ends_with('-') {
                base.push('-');
            }
        }
        let mut base = base.trim_end_matches('-').to_owned();
        if base.is_empty() {
            base = "unnamed".into();
        }
        let mut id = format!("LicenseRef-{base}");
        let mut n = 2;
        while self.taken.contains_key(&id) {
            id = format!("LicenseRef-{base}-{n}");
            n += 1;
        }
        self.taken.insert(id.clone(), text.to_owned());
        self.by_text.insert(text.to_owned(), id.clone());
        id
    }

    /// Every reference handed out, with its original text, in identifier order.
    pub fn extracted(&self) -> impl Iterator<Item = (&str, &str)> {
        self.taken
            .iter()
            .map(|(id, text)| (id.as_str(), text.as_str()))
    }
}

/// The SPDX expression for a package's licences: each one valid SPDX or a `LicenseRef-`,
/// joined with `AND` (a package declaring several licences is under all of them). `None`
/// when the package declares none.
pub fn spdx_expression(licenses: &[String], refs: &mut Refs) -> Option<String> {
    let parts: Vec<String> = licenses
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match classify(l) {
            License::Id(id) => id,
            License::Expression(e) if licenses.len() == 1 => e,
            License::Expression(e) => format!("({e})"),
            License::Text(t) => refs.reference(&t),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_ids_expressions_and_text() {
        assert_eq!(classify("MIT"), License::Id("MIT".into()));
        assert_eq!(
            classify("GPL-2.0-or-later"),
            License::Id("GPL-2.0-or-later".into())
        );
        assert_eq!(
            classify("MIT OR Apache-2.0"),
            License::Expression("MIT OR Apache-2.0".into())
        );
        assert_eq!(
            classify("(MIT OR Apache-2.0) AND Zlib"),
            License::Expression("(MIT OR Apache-2.0) AND Zlib".into())
        );
        // Fedora's spellings are not SPDX's: kept as text.
        assert_eq!(classify("GPLv2+"), License::Text("GPLv2+".into()));
        assert_eq!(classify("Apache 2.0"), License::Text("Apache 2.0".into()));
        assert_eq!(classify("BSD and MIT"), License::Text("BSD and MIT".into()));
    }

    #[test]
    fn debian_short_names_are_spdx_ids() {
        for (dep5, id) in [
            ("GPL-2", "GPL-2.0-only"),
            ("GPL-2+", "GPL-2.0-or-later"),
            ("GPL-3+", "GPL-3.0-or-later"),
            ("GPL-2.0+", "GPL-2.0-or-later"),
            ("LGPL-2", "LGPL-2.0-only"),
            ("LGPL-2.1", "LGPL-2.1-only"),
            ("LGPL-2.1+", "LGPL-2.1-or-later"),
            ("AGPL-3", "AGPL-3.0-only"),
            ("GFDL-1.3", "GFDL-1.3-only"),
            ("GFDL-1.2+", "GFDL-1.2-or-later"),
            ("BSD-3-clause", "BSD-3-Clause"),
            ("BSD-4-clause-UC", "BSD-4-Clause-UC"),
            ("Apache-2.0", "Apache-2.0"),
        ] {
            assert_eq!(classify(dep5), License::Id(id.into()), "{dep5}");
        }
        // Neither a GNU version nor an SPDX name in another case: text.
        for text in [
            "GPL-2.x",
            "GPL-",
            "GFDL-NIV-1.3",
            "public-domain",
            "GPL-1.2.3",
            "Expat",
        ] {
            assert_eq!(classify(text), License::Text(text.into()), "{text}");
        }
    }

    proptest::proptest! {
        /// Any text classifies without a panic, and an `Id` is always an exact SPDX id.
        #[test]
        fn any_text_classifies(text in "(GPL|LGPL|GFDL|BSD|MIT|[-.+0-9a-zA-Z ]){0,6}|\\PC{0,12}") {
            if let License::Id(id) = classify(&text) {
                proptest::prop_assert!(spdx::license_id(&id).is_some_and(|l| l.name == id));
            }
        }
    }

    #[test]
    fn references_are_stable_and_distinct() {
        let mut refs = Refs::default();
        let a = refs.reference("GPLv2+");
        let b = refs.reference("GPLv2-");
        assert_eq!(a, "LicenseRef-GPLv2");
        assert_eq!(b, "LicenseRef-GPLv2-2");
        assert_eq!(refs.reference("BSD  and (MIT)"), "LicenseRef-BSD-and-MIT");
        assert_eq!(refs.reference("GPLv2+"), a);
        assert_eq!(refs.reference("(c)"), "LicenseRef-c");
        assert_eq!(refs.reference("()"), "LicenseRef-unnamed");
        assert_eq!(refs.extracted().count(), 5);
    }

    #[test]
    fn package_expression_joins_with_and() {
        let mut refs = Refs::default();
        let lic = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(spdx_expression(&[], &mut refs), None);
        assert_eq!(
            spdx_expression(&lic(&["MIT OR Apache-2.0"]), &mut refs).as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(
            spdx_expression(&lic(&["MIT", "BSD and GPL", "Zlib OR MIT"]), &mut refs).as_deref(),
            Some("MIT AND LicenseRef-BSD-and-GPL AND (Zlib OR MIT)")
        );
    }
}
