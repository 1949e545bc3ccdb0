//! Small text inputs users and images hand plinth: `.trivyignore` (lines and YAML), OpenVEX /
//! CycloneDX VEX, `trivy-secret.yaml`, and os-release files.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = plinth_scan::policy::parse_ignore_lines(&text);
    let _ = plinth_scan::policy::parse_ignore_yaml(&text);
    let _ = plinth_scan::policy::parse_vex(data);
    let _ = plinth_secrets::RuleSet::from_yaml(&text);
    for file in plinth_catalog::os_files() {
        let _ = plinth_catalog::detect_os(|path| (path == *file).then_some(data));
    }
});
