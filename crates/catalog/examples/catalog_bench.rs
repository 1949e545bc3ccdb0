//! Times the catalogers on an OCI layout's real files, apart from decompression:
//! `cargo run --release -p plinth-catalog --example catalog_bench -- /var/tmp/plinth-fixtures/oci-debian-app`

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use plinth_catalog::{CATALOGERS, FileInput, FileMeta};

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

fn main() {
    let layout = std::env::args()
        .nth(1)
        .expect("usage: catalog_bench OCI_LAYOUT_DIR");
    let layout = Path::new(&layout);
    let blob = |d: &str| {
        layout
            .join("blobs/sha256")
            .join(d.trim_start_matches("sha256:"))
    };
    let index = json(&layout.join("index.json"));
    let manifest = json(&blob(
        index["manifests"][0]["digest"].as_str().expect("digest"),
    ));
    // (path, size, mode, bytes if some cataloger wants it)
    let mut entries = Vec::new();
    for layer in manifest["layers"].as_array().expect("layers") {
        let f = std::fs::File::open(blob(layer["digest"].as_str().expect("digest"))).expect("blob");
        let mut ar = tar::Archive::new(flate2::read::MultiGzDecoder::new(f));
        for e in ar.entries().expect("tar") {
            let mut e = e.expect("entry");
            let path = format!(
                "/{}",
                e.path()
                    .expect("path")
                    .to_string_lossy()
                    .trim_start_matches("./")
            );
            let (size, mode) = (e.size(), e.header().mode().unwrap_or(0));
            let meta = FileMeta {
                path: &path,
                size,
                mode,
            };
            let wanted =
                e.header().entry_type().is_file() && CATALOGERS.iter().any(|c| (c.wants)(&meta));
            let mut data = Vec::new();
            if wanted {
                e.read_to_end(&mut data).expect("read");
            }
            entries.push((path, size, mode, wanted.then_some(data)));
        }
    }
    const ROUNDS: u32 = 20;
    let t = Instant::now();
    let mut hits = 0usize;
    for _ in 0..ROUNDS {
        for (path, size, mode, _) in &entries {
            let meta = FileMeta {
                path,
                size: *size,
                mode: *mode,
            };
            hits += CATALOGERS.iter().filter(|c| (c.wants)(&meta)).count();
        }
    }
    let per = t.elapsed() / ROUNDS;
    println!(
        "wants: {} entries × {} catalogers in {per:?} ({:.1} ns/entry), {} hits",
        entries.len(),
        CATALOGERS.len(),
        per.as_nanos() as f64 / entries.len() as f64,
        hits / ROUNDS as usize
    );
    for c in CATALOGERS {
        let files: Vec<_> = entries
            .iter()
            .filter_map(|(p, s, m, d)| {
                d.as_ref()
                    .filter(|_| {
                        (c.wants)(&FileMeta {
                            path: p,
                            size: *s,
                            mode: *m,
                        })
                    })
                    .map(|d| (p, *m, d))
            })
            .collect();
        let bytes: usize = files.iter().map(|f| f.2.len()).sum();
        let t = Instant::now();
        let mut found = 0;
        for _ in 0..ROUNDS {
            for (path, mode, data) in &files {
                found += (c.parse)(&FileInput {
                    path,
                    data,
                    mode: *mode,
                })
                .map(|v| v.len())
                .unwrap_or(0);
            }
        }
        let per = t.elapsed() / ROUNDS;
        println!(
            "{:15} {:4} files {:>10} bytes → {:4} packages in {per:?}",
            c.name,
            files.len(),
            bytes,
            found / ROUNDS as usize
        );
    }
}
