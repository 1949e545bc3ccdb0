//! Hostile input: every case gives a clear error naming the file (and line where there is
//! one), and random bytes never panic.

use plinth_lint::{Config, LintError, lint, lint_bytes};
use proptest::prelude::*;

fn err(bytes: &[u8]) -> LintError {
    lint_bytes(bytes, "Dockerfile", &Config::default()).expect_err("should be rejected")
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(
        err(b"").to_string(),
        "Dockerfile: empty Dockerfile (no FROM instruction)"
    );
    assert!(matches!(
        err(b"# just a comment\n\n   \n"),
        LintError::Empty { .. }
    ));
}

#[test]
fn binary_and_invalid_utf8() {
    let e = err(b"\x7fELF\x02\x01\x01\0\0\0");
    assert_eq!(
        e.to_string(),
        "Dockerfile: binary file (NUL byte at offset 7), not a Dockerfile"
    );
    let e = err(b"FROM debian:12\nRUN echo \xc3\x28\n");
    assert_eq!(
        e.to_string(),
        "Dockerfile:2: invalid UTF-8 (byte offset 24)"
    );
    assert_eq!(e.line(), Some(2));
}

#[test]
fn unknown_instruction_and_missing_from() {
    let e = err(b"FROM debian:12\nRUN true\nFOO bar\n");
    assert_eq!(e.line(), Some(3));
    assert!(
        e.to_string()
            .starts_with("Dockerfile:3: unknown instruction 'FOO'"),
        "{e}"
    );
    let e = err(b"RUN true\n");
    assert!(
        e.to_string().starts_with("Dockerfile:1: expected FROM"),
        "{e}"
    );
}

#[test]
fn unterminated_heredoc() {
    let e = err(b"FROM debian:12\n\nRUN <<EOF\napt-get update\n");
    assert_eq!(
        e.to_string(),
        "Dockerfile:3: unterminated heredoc: no line `EOF` ends <<EOF"
    );
}

#[test]
fn ten_megabyte_dockerfile() {
    // Long RUNs (200 packages each) keep the debug-build test quick; the release binary
    // lints 10 MB of short instructions too (see bench/results/lint.md).
    let packages: Vec<String> = (0..200).map(|i| format!("lib-package-{i:03}")).collect();
    let block = format!(
        "RUN set -eux; apt-get update; \\\n    apt-get install -y --no-install-recommends {}; \\\n    rm -rf /var/lib/apt/lists/*\nWORKDIR /srv\n",
        packages.join(" \\\n        ")
    );
    let mut text = String::from("FROM debian:12-slim\nUSER nobody\n");
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&block);
    }
    let d = lint(&text, "big", &Config::default()).expect("lints");
    assert!(d.is_empty(), "{:?}", &d[..d.len().min(3)]);
}

#[test]
fn byte_order_mark_and_crlf() {
    let d = lint(
        "\u{feff}FROM debian\r\nUSER nobody\r\n",
        "bom",
        &Config::default(),
    )
    .unwrap();
    assert_eq!(
        d.iter().map(|d| (d.line, d.code)).collect::<Vec<_>>(),
        [(1, "PL101")]
    );
}

const TOKENS: &[&str] = &[
    "FROM ",
    "RUN ",
    "COPY ",
    "ADD ",
    "USER ",
    "WORKDIR ",
    "ENV ",
    "ARG ",
    "CMD ",
    "AS ",
    "<<EOF",
    "EOF",
    "\n",
    "\\\n",
    "# escape=`\n",
    "# hadolint ignore=DL3003\n",
    "[\"a\",",
    "\"",
    "'",
    "$(",
    ")",
    "|",
    "&&",
    ";",
    "apt-get install ",
    "-y ",
    "--from=0 ",
    "--mount=type=cache,target=/x ",
    "cd ",
    "debian:12 ",
    "${X:-y}",
    "=",
    "`",
    "\t",
    "\u{e9}",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = lint_bytes(&bytes, "fuzz", &Config::default());
    }

    #[test]
    fn random_dockerfile_tokens_never_panic(parts in proptest::collection::vec(0..TOKENS.len(), 0..80)) {
        let text: String = parts.iter().map(|&i| TOKENS[i]).collect();
        let _ = lint(&text, "fuzz", &Config::default());
        let with_from = format!("FROM debian:12\n{text}");
        if let Ok(d) = lint(&with_from, "fuzz", &Config::default()) {
            for diag in d {
                prop_assert!(diag.line >= 1 && diag.end_line >= diag.line);
            }
        }
    }
}
