//! `plinth vercmp`: output, exit codes and one-line errors.

use assert_cmd::Command;

fn vercmp(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("plinth")
        .expect("plinth binary")
        .arg("vercmp")
        .args(args)
        .output()
        .expect("run plinth");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn prints_the_order_per_ecosystem() {
    let cases = [
        (["Debian:12", "1.0~rc1", "1.0"], "<"),
        (["deb", "1:0.9", "2.0"], ">"),
        (["Alpine:v3.20", "1.2.3_rc1-r0", "1.2.3-r0"], "<"),
        (["Rocky Linux:9", "2.28-225.el9", "2.28-225.el9_3"], "<"),
        (["npm", "1.0.0+build.1", "1.0.0+build.2"], "="),
        (["Go", "v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"], "<"),
        (["go-module", "v2.0.0+incompatible", "2.0.0"], "="),
        (["PyPI", "1.0.post1", "1.0"], ">"),
        (["Maven", "1.0-SNAPSHOT", "1.0"], "<"),
        (["RubyGems", "1.0.a", "1.0"], "<"),
        (["generic", "1.10", "1.9"], ">"),
    ];
    for (args, want) in cases {
        let (code, stdout, stderr) = vercmp(&args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stdout, format!("{want}\n"), "{args:?}");
    }
}

#[test]
fn versions_may_start_with_a_hyphen() {
    let (code, stdout, _) = vercmp(&["rpm", "-1", "1"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.trim().len(), 1);
}

#[test]
fn unknown_ecosystem_is_an_input_error() {
    let (code, stdout, stderr) = vercmp(&["Debain", "1", "2"]);
    assert_eq!(code, 3);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unknown ecosystem \"Debain\""), "{stderr}");
}

#[test]
fn malformed_version_in_a_strict_scheme_is_an_input_error() {
    let (code, stdout, stderr) = vercmp(&["PyPI", "1.0", "not-a-version"]);
    assert_eq!(code, 3);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("invalid pep440 version \"not-a-version\""),
        "{stderr}"
    );
    let (code, _, _) = vercmp(&["npm", "1.2", "1.2.0"]);
    assert_eq!(code, 3);
}

#[test]
fn malformed_version_in_a_lenient_scheme_warns_and_compares() {
    // dpkg itself warns about a version that does not start with a digit, and compares it
    // (`dpkg --compare-versions a1 gt 1` holds).
    let (code, stdout, stderr) = vercmp(&["Debian", "a1", "1"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, ">\n");
    assert!(stderr.contains("warning"), "{stderr}");
}

#[test]
fn missing_argument_is_a_usage_error() {
    let (code, _, _) = vercmp(&["npm", "1.0.0"]);
    assert_eq!(code, 2);
}
