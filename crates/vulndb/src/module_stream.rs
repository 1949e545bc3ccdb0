//! RHEL module streams in database keys.
//!
//! RHEL 8 and later ship some AppStream software as modules: one name (`nodejs`) with several
//! parallel streams (`nodejs:18`, `nodejs:20`), each its own line of builds and fixes. An
//! installed rpm says which stream it came from in its modularity label
//! (`nodejs:18:8100020240807161023:489197e6`: name, stream, version, context), and Red Hat's
//! CSAF documents name the stream of every modular rpm they fix. Advisories of a modular rpm are
//! stored under `name:stream::package` (`nodejs:18::nodejs`), as Trivy keys them, so a lookup
//! under one stream never returns another stream's fix, nor a non-modular package's.
//!
//! Module builds carry a release with a `.module+el8.10.0+22202+761b9a65` dist tag (Fedora's
//! older builds `.module_f28+…`): that is all Red Hat's OSV export keeps of the module, since it
//! names modular rpms by their plain name.

/// `nodejs:18` from a modularity label `nodejs:18:8100020240807161023:489197e6` (or from an
/// already short `nodejs:18`); `None` when the label does not name both parts.
pub fn stream_of_label(label: &str) -> Option<String> {
    let mut parts = label.trim().splitn(3, ':');
    let name = parts.next().filter(|s| !s.is_empty())?;
    let stream = parts.next().filter(|s| !s.is_empty())?;
    Some(format!("{name}:{stream}"))
}

/// The database package name of `package` built in module `stream`: `nodejs:18::nodejs`.
pub fn modular_name(stream: &str, package: &str) -> String {
    format!("{stream}::{package}")
}

/// True when `evr`'s release is a module build's (`1:18.20.4-1.module+el8.10.0+22202+761b9a65`).
pub fn is_module_build(evr: &str) -> bool {
    let release = evr.rsplit_once('-').map_or("", |(_, r)| r);
    release.contains(".module+") || release.contains(".module_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_streams_and_builds() {
        assert_eq!(
            stream_of_label("nodejs:18:8100020240807161023:489197e6").as_deref(),
            Some("nodejs:18")
        );
        assert_eq!(stream_of_label("389-ds:1.4").as_deref(), Some("389-ds:1.4"));
        assert_eq!(stream_of_label("nodejs"), None);
        assert_eq!(stream_of_label(":18:1:2"), None);
        assert_eq!(modular_name("nodejs:18", "npm"), "nodejs:18::npm");
        assert!(is_module_build(
            "1:18.20.4-1.module+el8.10.0+22202+761b9a65"
        ));
        assert!(is_module_build("0:3.9.7-2.module+el8.6.0+20026+579726f4.2"));
        assert!(is_module_build("5.4.1-1.module_f28+1234+abcdef01"));
        assert!(!is_module_build("1:16.20.2-8.el9_4"));
        // A version that merely says "module" is not a module build's release.
        assert!(!is_module_build("1.module+el8-1.el8"));
    }
}
