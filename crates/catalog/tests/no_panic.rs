//! Hostile input: random, truncated and mutated bytes never make a parser panic. Each
//! cataloger is run on its own kind of seed (synthetic, plus real files when ../shared and the
//! fixture images exist), then on prefixes and byte-flipped copies of it.

mod common;

use std::io::Write;

use plinth_catalog::{CATALOGERS, Cataloger, FileInput};
use proptest::prelude::*;

fn cataloger(name: &str) -> &'static Cataloger {
    CATALOGERS.iter().find(|c| c.name == name).unwrap()
}

/// Parses `data` as every cataloger would see it under `path`; only panics matter.
fn feed(name: &str, path: &str, data: &[u8]) {
    let _ = (cataloger(name).parse)(&FileInput {
        path,
        data,
        mode: 0o755,
    });
}

fn jar_seed() -> Vec<u8> {
    let mut inner = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    inner.start_file("META-INF/MANIFEST.MF", opts).unwrap();
    inner
        .write_all(b"Manifest-Version: 1.0\nImplementation-Version: 1.2\n")
        .unwrap();
    let inner = inner.finish().unwrap().into_inner();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("META-INF/maven/g/a/pom.properties", opts)
        .unwrap();
    w.write_all(b"groupId=g\nartifactId=a\nversion=1\n")
        .unwrap();
    w.start_file("lib/inner-1.2.jar", opts).unwrap();
    w.write_all(&inner).unwrap();
    w.finish().unwrap().into_inner()
}

/// (cataloger, path, seed bytes): synthetic seeds always, real ones when present.
fn seeds() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let mut s: Vec<(&str, &str, Vec<u8>)> = vec![
        ("dpkg-db", "/var/lib/dpkg/status", b"Package: a\nStatus: install ok installed\nVersion: 1\nSource: b (2)\n\nPackage: c\nVersion: 3\n".to_vec()),
        ("apk-db", "/lib/apk/db/installed", b"P:musl\nV:1.2.5-r0\nA:x86_64\nF:lib\nR:libc.so\n\nP:b\nV:2\n".to_vec()),
        ("python-package", "/x/a-1.dist-info/METADATA", b"Metadata-Version: 2.1\nName: a\nVersion: 1\nClassifier: License :: OSI Approved :: MIT License\n\nbody\n".to_vec()),
        ("npm-package", "/app/package.json", br#"{"name":"@s/a","version":"1.0.0","licenses":[{"type":"MIT"}]}"#.to_vec()),
        ("java-archive", "/app/a.jar", jar_seed()),
        ("npm-lock", "/package-lock.json", br#"{"lockfileVersion":3,"packages":{"":{"dependencies":{"a":"1"}},"node_modules/a":{"version":"1.0.0","dev":true}}}"#.to_vec()),
        ("yarn-lock", "/yarn.lock", b"\"a@^1\", b@npm:c@^2:\n  version \"1.0.0\"\n  resolution: \"a@npm:1.0.0\"\n".to_vec()),
        ("pnpm-lock", "/pnpm-lock.yaml", b"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        version: 1.0.0\npackages:\n  a@1.0.0:\n    dev: true\n".to_vec()),
        ("python-requirements", "/requirements.txt", b"a==1 \\\n --hash=x\nb[c]>=2 ; python_version>'3'\n".to_vec()),
        ("uv-lock", "/uv.lock", b"[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { virtual = \".\" }\ndependencies = [{ name = \"b\" }]\n".to_vec()),
        ("go-mod", "/go.mod", b"module m\nrequire (\n a v1 // indirect\n)\nreplace a => b v2\n".to_vec()),
        ("maven-pom", "/pom.xml", b"<project><properties><v>1</v></properties><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>${v}</version></dependency></dependencies></project>".to_vec()),
        ("gemfile-lock", "/Gemfile.lock", b"GEM\n  specs:\n    a (1.0)\n\nDEPENDENCIES\n  a\n".to_vec()),
        ("podfile-lock", "/Podfile.lock", b"PODS:\n  - A/B (1.0):\n    - C\nDEPENDENCIES:\n  - A/B\n".to_vec()),
        ("mix-lock", "/mix.lock", b"%{\n  \"a\": {:hex, :a, \"1.0.0\", \"x\"},\n}\n".to_vec()),
        ("binary-classifier", "/usr/bin/java", b"\x00openjdk\x00java\x0017\x0017.0.1+12\x00\x00BusyBox v1.36.1 \x00".to_vec()),
        ("binary-classifier", "/usr/lib/libpython3.12.so.1.0", b"\x003.12.7\x00".to_vec()),
    ];
    if let Some(shared) = common::shared() {
        let rpm = shared.join("fixtures/rpmdb");
        for (file, path) in [
            ("built-here/rpmdb.sqlite", "/var/lib/rpm/rpmdb.sqlite"),
            (
                "sle15-bci-ndb/Packages.db",
                "/usr/lib/sysimage/rpm/Packages.db",
            ),
            ("libuuid-bdb/Packages", "/var/lib/rpm/Packages"),
        ] {
            s.push(("rpm-db", path, std::fs::read(rpm.join(file)).unwrap()));
        }
        let apk = shared.join("fixtures/alpine/3.20.3-x86_64/lib/apk/db/installed");
        s.push((
            "apk-db",
            "/lib/apk/db/installed",
            std::fs::read(apk).unwrap(),
        ));
    }
    if let Some(layout) = common::fixture_image("oci-debian-app") {
        for (path, data, _) in common::wanted_files(&layout) {
            let name = match path.as_str() {
                "/usr/local/bin/dive" => "go-binary",
                "/usr/local/bin/rustapp" => "rust-binary",
                "/var/lib/dpkg/status" => "dpkg-db",
                _ => continue,
            };
            s.push((
                name,
                if name == "dpkg-db" {
                    "/var/lib/dpkg/status"
                } else {
                    "/usr/local/bin/x"
                },
                data,
            ));
        }
    }
    s
}

#[test]
fn every_prefix_of_small_seeds_and_sampled_prefixes_of_large_ones() {
    for (name, path, data) in seeds() {
        let step = (data.len() / 2000).max(1);
        for n in (0..data.len()).step_by(step) {
            feed(name, path, &data[..n]);
        }
    }
}

#[test]
fn random_bytes_to_every_cataloger() {
    let paths = [
        ("apk-db", "/lib/apk/db/installed"),
        ("dpkg-db", "/var/lib/dpkg/status"),
        ("rpm-db", "/var/lib/rpm/Packages"),
        ("python-package", "/a.dist-info/METADATA"),
        ("npm-package", "/package.json"),
        ("go-binary", "/bin/x"),
        ("rust-binary", "/bin/x"),
        ("java-archive", "/a.jar"),
        ("npm-lock", "/package-lock.json"),
        ("yarn-lock", "/yarn.lock"),
        ("pnpm-lock", "/pnpm-lock.yaml"),
        ("python-requirements", "/requirements.txt"),
        ("poetry-lock", "/poetry.lock"),
        ("pipfile-lock", "/Pipfile.lock"),
        ("uv-lock", "/uv.lock"),
        ("pdm-lock", "/pdm.lock"),
        ("go-mod", "/go.mod"),
        ("cargo-lock", "/Cargo.lock"),
        ("maven-pom", "/pom.xml"),
        ("gradle-lock", "/gradle.lockfile"),
        ("gemfile-lock", "/Gemfile.lock"),
        ("ruby-gemspec", "/specifications/a.gemspec"),
        ("composer-lock", "/composer.lock"),
        ("composer-installed", "/vendor/composer/installed.json"),
        ("nuget-lock", "/packages.lock.json"),
        ("dotnet-deps", "/a.deps.json"),
        ("pubspec-lock", "/pubspec.lock"),
        ("swift-resolved", "/Package.resolved"),
        ("mix-lock", "/mix.lock"),
        ("podfile-lock", "/Podfile.lock"),
        ("conan-lock", "/conan.lock"),
        ("conanfile", "/conanfile.txt"),
        ("conda-meta", "/conda-meta/a.json"),
        ("binary-classifier", "/usr/bin/python3.12"),
    ];
    assert_eq!(paths.len(), CATALOGERS.len(), "every cataloger is fuzzed");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(256));
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..4096), |bytes| {
            for (name, path) in paths {
                feed(name, path, &bytes);
            }
            // Magic numbers first, so the format readers get past their sniffing.
            for magic in [
                &b"\x7fELF\x02\x01\x01"[..],
                b"SQLite format 3\0",
                b"RpmP\0\0\0\0",
                b"PK\x03\x04",
            ] {
                let mut v = magic.to_vec();
                v.extend_from_slice(&bytes);
                for (name, path) in paths {
                    feed(name, path, &v);
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn flipped_bytes_in_real_seeds() {
    let seeds = seeds();
    let bytes: Vec<Vec<u8>> = seeds.iter().map(|(_, _, data)| data.clone()).collect();
    plinth_testdata::hostile::flipped_bytes(&bytes, 64, |i, data| {
        let (name, path, _) = &seeds[i];
        feed(name, path, data);
    });
}

#[test]
fn bdb_metadata_claims_pages_beyond_the_file() {
    // Magic at offset 12, a 4096-byte page size, last page far beyond the 64 bytes given.
    let mut b = vec![0u8; 64];
    b[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
    b[20..24].copy_from_slice(&4096u32.to_le_bytes());
    b[32..36].copy_from_slice(&1000u32.to_le_bytes());
    let err = (cataloger("rpm-db").parse)(&FileInput {
        path: "/var/lib/rpm/Packages",
        data: &b,
        mode: 0,
    })
    .unwrap_err();
    assert!(err.contains("BerkeleyDB"), "{err}");
}

/// Debian copyright files: random text shaped like DEP-5 (field names, operators, pointers to
/// common-licenses, multi-byte characters) and random bytes give names, never a panic, and
/// every name is a single non-empty word.
#[test]
fn copyright_files_never_panic() {
    let word = prop::sample::select(vec![
        "License:",
        "license:",
        "GPL-2+",
        "or",
        "and",
        "and/or",
        "with",
        "exception",
        ",",
        "\n",
        " ",
        "\t",
        "/usr/share/common-licenses/",
        "GPL-2.",
        "é",
        "…",
        "none",
        "Files:",
        ":",
    ]);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(512));
    runner
        .run(
            &(
                proptest::collection::vec(word, 0..64),
                proptest::collection::vec(any::<u8>(), 0..512),
            ),
            |(words, bytes)| {
                for data in [words.concat().into_bytes(), bytes] {
                    for name in plinth_catalog::copyright_licenses(&data) {
                        assert!(!name.is_empty() && !name.contains(char::is_whitespace));
                    }
                }
                Ok(())
            },
        )
        .unwrap();
}

/// os-release and the older release files (`/etc/redhat-release`, `/etc/lsb-release`, …) of
/// every distro in ../shared/fixtures/os, truncated and byte-flipped, under every name OS
/// detection reads: an OS or none, never a panic.
#[test]
fn release_files_never_panic() {
    let mut seeds: Vec<Vec<u8>> = vec![b"ID=\"alpine\nVERSION_ID='3.20'\nID_LIKE=\n".to_vec()];
    if let Some(shared) = common::shared() {
        for distro in std::fs::read_dir(shared.join("fixtures/os")).unwrap() {
            let etc = distro.unwrap().path().join("etc");
            for file in std::fs::read_dir(&etc).into_iter().flatten() {
                let path = file.unwrap().path();
                if path.is_file() {
                    seeds.push(std::fs::read(path).unwrap());
                }
            }
        }
    }
    let detect = |data: &[u8]| {
        for name in plinth_catalog::os_files() {
            let _ = plinth_catalog::detect_os(|path| (path == *name).then_some(data));
        }
    };
    for seed in &seeds {
        for n in 0..seed.len() {
            detect(&seed[..n]);
        }
    }
    plinth_testdata::hostile::flipped_bytes(&seeds, 512, |_, data| detect(data));
}
