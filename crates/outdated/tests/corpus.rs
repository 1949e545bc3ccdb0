//! Extraction over plinth-lint's corpus of 53 Dockerfiles (heredocs, escapes, ARGs, stages,
//! broken ones): no panic, every reference's span holds exactly its text, and every skip has
//! a one-line reason.

use std::path::Path;

use plinth_outdated::extract::extract;

#[test]
fn lint_corpus_extracts_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lint/tests/corpus");
    let mut files = 0;
    let mut refs = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("UTF-8 Dockerfile");
        files += 1;
        let name = path.display().to_string();
        let got = extract(&name, &text);
        for f in &got.found {
            if let Some(span) = &f.span {
                assert_eq!(&text[span.clone()], f.text, "{name}:{}", f.line);
            }
            assert!(f.text.len() < 300, "{name}:{}", f.line);
        }
        for s in &got.skipped {
            assert!(
                !s.reason.is_empty() && !s.reason.contains('\n'),
                "{name}: {s:?}"
            );
        }
        refs += got.found.len();
    }
    assert!(files >= 40, "read {files} files");
    assert!(refs >= files, "{refs} references in {files} files");
}
