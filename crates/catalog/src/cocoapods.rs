//! CocoaPods pods from `Podfile.lock`: the `PODS` list (`Name (version)`, subspecs as
//! `Name/Sub`), direct when named under `DEPENDENCIES`.

use std::collections::HashSet;

use crate::paths::basename;
use crate::text::{lockfile_text, yaml_lines, yaml_section};
use crate::{FileInput, FileMeta, Package, PackageType};

pub fn wants(meta: &FileMeta) -> bool {
    basename(meta.path) == "Podfile.lock"
}

pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let text = lockfile_text(file.data)?;
    let lines = yaml_lines(text)?;
    let direct: HashSet<&str> = yaml_section(&lines, "DEPENDENCIES")
        .iter()
        .map(|l| l.value.split(" (").next().unwrap_or(l.value))
        .collect();
    let pods = yaml_section(&lines, "PODS");
    // Dependencies of a pod are items nested deeper than the pods themselves.
    let top = pods.iter().map(|l| l.indent).min().unwrap_or(0);
    let mut out = Vec::new();
    for l in pods.iter().filter(|l| l.item && l.indent == top) {
        // `- Name (1.0)` or, with dependencies below it, `- Name (1.0):`.
        let entry = if l.key.is_empty() { l.value } else { l.key };
        let Some((name, version)) = entry.split_once(" (") else {
            return Err(format!("line {}: pod without a version", l.number));
        };
        let mut p = Package::new(
            PackageType::Cocoapods,
            name,
            version.trim_end_matches(')'),
            file.path,
        );
        p.line = Some(l.number);
        p.direct = Some(direct.contains(name));
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods() {
        let text = "PODS:\n  - Alamofire (5.8.1)\n  - Firebase/Core (10.0.0):\n    - FirebaseAnalytics (= 10.0.0)\n  - FirebaseAnalytics (10.0.0)\n\nDEPENDENCIES:\n  - Alamofire (~> 5.8)\n  - Firebase/Core\n\nCOCOAPODS: 1.15.2\n";
        crate::text::assert_rows(
            parse,
            "/Podfile.lock",
            text,
            &[
                ("Alamofire", "5.8.1", Some(true), Some(2)),
                ("Firebase/Core", "10.0.0", Some(true), Some(3)),
                ("FirebaseAnalytics", "10.0.0", Some(false), Some(5)),
            ],
        );
    }
}
