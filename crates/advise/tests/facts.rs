//! Facts on real fixture images (skipped when absent) and on synthetic images written here:
//! static and dynamic entrypoints, scripts, broken symlinks, unreadable ELF, no entrypoint.

use std::path::Path;

use plinth_advise::advice::{self, Candidate};
use plinth_advise::dockerfile::Dockerfile;
use plinth_advise::eol::EolTable;
use plinth_advise::{Gathered, Options, diff, gather, gather_all};
use plinth_image::reference::Reference;
use plinth_testdata::fixture;
use plinth_testdata::truth::OciImage;
use serde_json::{Value, json};

const TODAY: (i32, u32, u32) = (2026, 11, 27);

fn gather_path(p: &Path) -> Gathered {
    let r = format!("oci-dir:{}", p.display());
    let image = Reference::parse(&r).unwrap().open_local(None).unwrap();
    let eol = EolTable::default();
    let opts = Options {
        eol: &eol,
        db: None,
        today: TODAY,
    };
    gather(&image, &opts).unwrap()
}

fn facts_of(name: &str) -> Option<Gathered> {
    fixture(&format!("oci-{name}")).map(|p| gather_path(&p))
}

/// The fixture as tar, dpkg-query and its own JSON see it (its sizes and Debian versions
/// change with every rebuild from the live mirror).
fn truth_of(name: &str) -> Option<OciImage> {
    fixture(&format!("oci-{name}")).map(|p| OciImage::open(&p))
}

#[test]
fn debian_bookworm() {
    let (Some(g), Some(truth)) = (facts_of("debian-bookworm"), truth_of("debian-bookworm")) else {
        return;
    };
    let debs = truth.dpkg_packages();
    let f = &g.facts;
    assert_eq!(
        (f.os.id.as_str(), f.os.version_id.as_deref()),
        ("debian", Some("12"))
    );
    assert_eq!(
        (f.os.eol.date.as_deref(), f.os.eol.past),
        (Some("2028-06-30"), Some(false))
    );
    assert_eq!(f.libc, "glibc");
    assert_eq!(f.libc_version.as_ref(), debs.get("libc6"));
    assert!(f.shell);
    assert_eq!(f.shell_evidence, "/bin/sh -> /usr/bin/dash");
    assert_eq!(f.package_manager.as_deref(), Some("apt"));
    assert_eq!((f.user.as_str(), f.runs_as_root), ("root", Some(true)));
    assert_eq!(f.size.compressed, Some(truth.compressed_size()));
    assert_eq!(f.size.uncompressed, truth.uncompressed_size());
    assert_eq!(f.packages.total, debs.len());
    assert!(f.vulnerabilities.is_none());
    let ep = &f.entrypoint;
    // CMD ["/bin/bash"]: shown as named, its facts read from the file /bin (-> usr/bin) leads to.
    assert_eq!(
        (ep.path.as_deref(), ep.resolved.as_deref(), ep.kind),
        (Some("/bin/bash"), Some("/usr/bin/bash"), "dynamic-elf")
    );
    assert_eq!(
        ep.interpreter.as_deref(),
        Some("/lib64/ld-linux-x86-64.so.2")
    );
    assert_eq!(ep.runtime.as_deref(), Some("shell"));
    let libs: Vec<(&str, Option<&str>)> = ep
        .libraries
        .iter()
        .map(|l| (l.name.as_str(), l.path.as_deref()))
        .collect();
    assert_eq!(
        libs,
        vec![
            ("libtinfo.so.6", Some("/lib/x86_64-linux-gnu/libtinfo.so.6")),
            ("libc.so.6", Some("/lib/x86_64-linux-gnu/libc.so.6")),
        ]
    );
    assert!(f.build_tools.is_empty(), "{:?}", f.build_tools);
    assert!(f.scratch_readiness.ca_certificates.is_none());
}

#[test]
fn debian_app_binaries() {
    let (Some(g), Some(truth)) = (facts_of("debian-app"), truth_of("debian-app")) else {
        return;
    };
    let debs = truth.dpkg_packages().len();
    let f = &g.facts;
    assert_eq!(f.layers, 3);
    let by_type: Vec<(&str, usize)> = f
        .packages
        .by_type
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        by_type,
        vec![
            ("deb", debs),
            ("go-module", 56),
            ("npm", 3),
            ("python", 6),
            ("rust-crate", 4)
        ]
    );
    let dive = f
        .binaries
        .iter()
        .find(|b| b.path == "/usr/local/bin/dive")
        .unwrap();
    assert!(
        dive.is_static,
        "dive is a static Go binary (file(1) agrees)"
    );
    assert_eq!(serde_json::to_value(dive.toolchain).unwrap(), json!("go"));
    assert_eq!(dive.go_version.as_deref(), Some("go1.24.1"));
    let rust = f
        .binaries
        .iter()
        .find(|b| b.path == "/usr/local/bin/rustapp")
        .unwrap();
    assert!(!rust.is_static);
    assert_eq!(serde_json::to_value(rust.toolchain).unwrap(), json!("rust"));
    assert_eq!(
        rust.interpreter.as_deref(),
        Some("/lib64/ld-linux-x86-64.so.2")
    );
    let libs: Vec<(&str, Option<&str>)> = rust
        .libraries
        .iter()
        .map(|l| (l.name.as_str(), l.path.as_deref()))
        .collect();
    assert_eq!(
        libs,
        vec![
            ("libgcc_s.so.1", Some("/lib/x86_64-linux-gnu/libgcc_s.so.1")),
            ("libc.so.6", Some("/lib/x86_64-linux-gnu/libc.so.6")),
            (
                "ld-linux-x86-64.so.2",
                Some("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
            ),
        ]
    );
    assert_eq!(rust.libc, Some("glibc"));
    let what: Vec<&str> = f.runtimes.iter().map(|r| r.what.as_str()).collect();
    assert_eq!(
        what,
        vec![
            "python packages (no interpreter found)",
            "go binary",
            "rust binary"
        ]
    );
}

#[test]
fn alpine_is_musl_with_a_busybox_shell() {
    let Some(g) = facts_of("alpine-3.20") else {
        return;
    };
    let f = &g.facts;
    assert_eq!(f.libc, "musl");
    assert_eq!(
        f.libc_evidence,
        "the apk database (/lib/apk/db/installed) lists musl 1.2.5-r0; no /lib/ld-musl-*.so.1 file is present"
    );
    assert!(f.shell);
    assert_eq!(f.shell_evidence, "/bin/sh -> /bin/busybox");
    assert_eq!(
        f.package_manager, None,
        "apk-tools is in the db, /sbin/apk is not in the image"
    );
    assert_eq!(
        (f.os.eol.date.as_deref(), f.os.eol.past),
        (Some("2026-04-01"), Some(true))
    );
    assert_eq!(f.entrypoint.kind, "static-elf", "Debian's busybox-static");
    let ids: Vec<&str> = advice::advise(f, &[], None).iter().map(|a| a.id).collect();
    assert_eq!(ids, vec!["os-end-of-life", "musl-dns", "runs-as-root"]);
}

#[test]
fn distroless_and_mariner_have_no_shell() {
    if let (Some(g), Some(truth)) = (facts_of("distroless-debian"), truth_of("distroless-debian")) {
        let debs = truth.dpkg_packages();
        let f = &g.facts;
        assert_eq!(f.libc, "glibc");
        assert_eq!(
            f.libc_evidence,
            format!("/var/lib/dpkg/status.d/libc6 lists libc6 {}", debs["libc6"])
        );
        assert!(!f.shell);
        assert_eq!(f.package_manager, None);
        assert_eq!(f.packages.total, debs.len());
        assert_eq!(f.entrypoint.kind, "none");
        assert_eq!(
            f.scratch_readiness.ca_certificates.as_deref(),
            Some("/etc/ssl/certs/ca-certificates.crt")
        );
        let ids: Vec<&str> = advice::advise(f, &[], None).iter().map(|a| a.id).collect();
        assert_eq!(
            ids,
            vec!["entrypoint-unknown", "no-shell-debugging", "runs-as-root"]
        );
    }
    if let Some(g) = facts_of("rpm-mariner") {
        let f = &g.facts;
        assert!(!f.shell);
        assert_eq!(f.package_manager, None);
        assert_eq!(f.package_databases, vec!["/var/lib/rpm/rpmdb.sqlite"]);
        assert_eq!(
            (f.libc, f.libc_version.as_deref()),
            ("glibc", Some("2.34-2.cm2"))
        );
        assert_eq!(f.os.eol.past, Some(true));
        assert_eq!(f.build_tools.len(), 11, "eleven -devel rpms");
    }
}

#[test]
fn edge_cases_say_unknown() {
    let Some(g) = facts_of("edge-cases") else {
        return;
    };
    let f = &g.facts;
    assert_eq!(f.os.id, "unknown");
    assert_eq!(f.os.eol.past, None);
    assert_eq!(f.libc, "none");
    assert_eq!(
        f.entrypoint.reason.as_deref(),
        Some("the config has no ENTRYPOINT and no CMD")
    );
}

/// The single walk's inventory must equal plinth-sbom's (it is assembled by the same rules).
#[test]
fn inventory_matches_plinth_sbom() {
    for name in [
        "debian-app",
        "alpine-3.20",
        "distroless-debian",
        "rpm-mariner",
        "edge-cases",
    ] {
        let Some(p) = fixture(&format!("oci-{name}")) else {
            return;
        };
        let g = gather_path(&p);
        let image = Reference::parse(&format!("oci-dir:{}", p.display()))
            .unwrap()
            .open_local(None)
            .unwrap();
        let sbom = plinth_sbom::inventory(&image).unwrap();
        assert_eq!(
            serde_json::to_value(&g.inventory).unwrap(),
            serde_json::to_value(&sbom).unwrap(),
            "{name}"
        );
    }
}

/// Gathering images together (their common base walked once, one collector for all of
/// them) gives each the facts it gets alone.
#[test]
fn gathering_together_equals_gathering_alone() {
    let names = [
        "debian-bookworm",
        "debian-app",
        "distroless-debian",
        "alpine-3.20",
    ];
    let Some(paths) = names
        .iter()
        .map(|n| fixture(&format!("oci-{n}")))
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let images: Vec<_> = paths
        .iter()
        .map(|p| {
            Reference::parse(&format!("oci-dir:{}", p.display()))
                .unwrap()
                .open_local(None)
                .unwrap()
        })
        .collect();
    let eol = EolTable::default();
    let opts = Options {
        eol: &eol,
        db: None,
        today: TODAY,
    };
    let together = gather_all(&images, &opts).unwrap();
    for ((name, path), g) in names.iter().zip(&paths).zip(&together) {
        let alone = gather_path(path);
        assert_eq!(
            serde_json::to_value(&g.facts).unwrap(),
            serde_json::to_value(&alone.facts).unwrap(),
            "{name}"
        );
        assert_eq!(
            serde_json::to_value(&g.inventory).unwrap(),
            serde_json::to_value(&alone.inventory).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn diff_bookworm_to_app() {
    let (Some(old), Some(new), Some(truth)) = (
        facts_of("debian-bookworm"),
        facts_of("debian-app"),
        truth_of("debian-app"),
    ) else {
        return;
    };
    let d = diff::diff(&old, &new);
    // The app layer's pinned pip, npm, Go and Rust packages; no Debian package changes.
    assert_eq!(d.packages.added.len(), 69);
    assert!(d.packages.added.iter().all(|p| p.kind != "deb"));
    assert_eq!(
        (
            d.packages.removed.len(),
            d.packages.upgraded.len(),
            d.packages.downgraded.len()
        ),
        (0, 0, 0)
    );
    assert_eq!(d.packages.unchanged, truth.dpkg_packages().len());
    let layer: Vec<i64> = truth
        .layers
        .iter()
        .map(|l| l.entries_size() as i64)
        .collect();
    let sizes: Vec<(bool, i64)> = d.layers.iter().map(|l| (l.same, l.change)).collect();
    assert_eq!(sizes, vec![(true, 0), (false, layer[1]), (false, layer[2])]);
    let (base, app) = (layer[0] as u64, layer.iter().sum::<i64>() as u64);
    assert_eq!(
        (d.size.old, d.size.new, d.size.change),
        (base, app, (app - base) as i64)
    );
    let back = diff::diff(&new, &old);
    assert_eq!(
        (back.packages.removed.len(), back.packages.added.len()),
        (69, 0)
    );
}

#[test]
fn alpine_versions_go_up_and_down() {
    let (Some(old), Some(new)) = (facts_of("alpine-3.9"), facts_of("alpine-3.20")) else {
        return;
    };
    let d = diff::diff(&old, &new);
    let up = d
        .packages
        .upgraded
        .iter()
        .find(|c| c.name == "musl")
        .expect("musl upgraded");
    assert_eq!(
        (up.old.as_str(), up.new.as_str()),
        ("1.1.20-r5", "1.2.5-r0")
    );
    let down = diff::diff(&new, &old);
    assert_eq!(down.packages.downgraded.len(), d.packages.upgraded.len());
}

// ---- synthetic images ----------------------------------------------------------------------

enum Item<'a> {
    File(&'a str, u32, &'a [u8]),
    Link(&'a str, &'a str),
    Dir(&'a str),
}

/// An OCI layout with one uncompressed layer holding `items` and the given config.
fn layout(dir: &Path, items: &[Item], config: Value) {
    let mut b = tar::Builder::new(Vec::new());
    for it in items {
        let mut h = tar::Header::new_gnu();
        match it {
            Item::File(p, mode, data) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                h.set_size(data.len() as u64);
                h.set_cksum();
                b.append_data(&mut h, p, *data).unwrap();
            }
            Item::Link(p, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                b.append_link(&mut h, p, target).unwrap();
            }
            Item::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                h.set_cksum();
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
        }
    }
    let layer = b.into_inner().unwrap();
    let id = plinth_testdata::sha256(&layer);
    plinth_testdata::oci_layout(dir, &[layer], &[id], config);
}

/// The smallest ELF64 header `object` accepts: an executable with no program or section
/// headers, i.e. static.
fn tiny_static_elf() -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 2; // 64-bit
    h[5] = 1; // little-endian
    h[6] = 1;
    h[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    h[18..20].copy_from_slice(&62u16.to_le_bytes()); // x86-64
    h[20..24].copy_from_slice(&1u32.to_le_bytes());
    h[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    h[54..56].copy_from_slice(&56u16.to_le_bytes());
    h[58..60].copy_from_slice(&64u16.to_le_bytes());
    h.extend_from_slice(&[0u8; 4096]);
    h
}

fn synthetic(items: &[Item], config: Value) -> Gathered {
    let dir = tempfile::tempdir().unwrap();
    layout(dir.path(), items, config);
    gather_path(dir.path())
}

const OS_RELEASE: &[u8] = b"ID=debian\nVERSION_ID=\"12\"\n";

#[test]
fn static_entrypoint_gets_scratch_advice_with_dockerfile_lines() {
    let elf = tiny_static_elf();
    let g = synthetic(
        &[
            Item::Dir("etc"),
            Item::File("etc/os-release", 0o644, OS_RELEASE),
            Item::File(
                "etc/passwd",
                0o644,
                b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/false\n",
            ),
            Item::Dir("usr"),
            Item::Dir("usr/local"),
            Item::Dir("usr/local/bin"),
            Item::File("usr/local/bin/server", 0o755, &elf),
            Item::File("usr/bin/sh", 0o755, b"#!fake\n"),
            Item::Dir("tmp"),
        ],
        json!({"config": {"Entrypoint": ["server"], "User": "app"}}),
    );
    let f = &g.facts;
    assert_eq!(f.entrypoint.kind, "static-elf");
    assert_eq!(f.entrypoint.path.as_deref(), Some("/usr/local/bin/server"));
    assert_eq!(f.entrypoint.size, Some(elf.len() as u64));
    assert_eq!(
        (f.runs_as_root, f.user_evidence.as_str()),
        (
            Some(false),
            "the config sets USER app; /etc/passwd gives uid 1000"
        )
    );
    let docker = Dockerfile::parse(
        "FROM golang:1.22 AS build\nRUN go build -o /server .\nFROM debian:bookworm\nCOPY --from=build /server /usr/local/bin/server\nUSER app\n",
    );
    let advice = advice::advise(f, &[], Some(&docker));
    let a = advice.iter().find(|a| a.id == "static-binary").unwrap();
    let s = a.saving.as_ref().unwrap();
    assert_eq!(s.bytes, f.size.uncompressed as i64 - elf.len() as i64);
    assert_eq!(
        (s.packages, s.vulnerabilities, s.basis.as_str()),
        (0, None, "estimated")
    );
    assert_eq!(
        a.dockerfile_lines
            .iter()
            .map(|l| l.line)
            .collect::<Vec<_>>(),
        vec![3]
    );
    assert!(
        a.evidence
            .iter()
            .any(|e| e.contains("USER app needs an /etc/passwd entry in scratch"))
    );
    assert!(a.evidence.iter().any(|e| e.contains("create /tmp")));
    assert!(f.shell, "{}", f.shell_evidence);
    assert!(advice.iter().any(|a| a.id == "shell-not-needed"));
    assert!(!advice.iter().any(|a| a.id == "runs-as-root"));
    // Measured against a real candidate instead of estimated.
    let cand = synthetic(
        &[Item::File("usr/local/bin/server", 0o755, &elf)],
        json!({}),
    );
    let advice = advice::advise(
        f,
        &[Candidate {
            reference: "scratch-like",
            facts: &cand.facts,
        }],
        None,
    );
    let a = advice.iter().find(|a| a.id == "static-binary").unwrap();
    assert_eq!(
        a.saving.as_ref().unwrap().basis,
        "measured against scratch-like"
    );
}

#[test]
fn bad_entrypoints_are_unknown_with_reasons() {
    let cases: Vec<(Vec<Item>, Value, &str)> = vec![
        (
            vec![Item::Dir("app"), Item::Link("app/run", "/opt/missing")],
            json!({"config": {"Entrypoint": ["/app/run"]}}),
            "/app/run: broken symlink /app/run -> /opt/missing",
        ),
        (
            vec![
                Item::Dir("bin"),
                Item::File("bin/tool", 0o755, b"\x7fELF\x02\x01\x01\0"),
            ],
            json!({"config": {"Cmd": ["tool", "--serve"]}}),
            "/bin/tool: unreadable ELF: bad ELF header",
        ),
        (
            vec![],
            json!({"config": {"Cmd": ["missing"]}}),
            "missing: not found (missing in PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin))",
        ),
        (vec![], json!({}), "the config has no ENTRYPOINT and no CMD"),
    ];
    for (items, config, reason) in cases {
        let g = synthetic(&items, config);
        let ep = &g.facts.entrypoint;
        assert!(
            ep.reason.as_deref().unwrap_or("").starts_with(reason),
            "{:?}",
            ep.reason
        );
        let advice = advice::advise(&g.facts, &[], None);
        assert!(advice.iter().any(|a| a.id == "entrypoint-unknown"));
        assert!(!advice.iter().any(|a| matches!(
            a.id,
            "static-binary" | "dynamic-binary" | "shell-not-needed"
        )));
        assert_eq!(g.facts.os.id, "unknown");
    }
}

#[test]
fn scripts_name_their_interpreter() {
    let g = synthetic(
        &[
            Item::Dir("app"),
            Item::File("app/main.py", 0o755, b"#!/usr/bin/env python3\nprint(1)\n"),
            Item::Dir("usr"),
            Item::Dir("usr/lib"),
            Item::File(
                "usr/lib/python3.12/site-packages/ext/_speed.cpython-312-x86_64-linux-musl.so",
                0o644,
                b"not really elf",
            ),
            Item::File(
                "lib/apk/db/installed",
                0o644,
                b"P:musl\nV:1.2.5-r0\nA:x86_64\n\n",
            ),
            Item::File("etc/os-release", 0o644, b"ID=alpine\nVERSION_ID=3.22.0\n"),
        ],
        json!({"config": {"Cmd": ["./main.py"], "WorkingDir": "/app", "Env": ["LANG=de_DE.UTF-8"]}}),
    );
    let f = &g.facts;
    assert_eq!(f.entrypoint.kind, "script");
    assert_eq!(f.entrypoint.interpreter.as_deref(), Some("python3"));
    assert_eq!(f.entrypoint.runtime.as_deref(), Some("python"));
    assert_eq!(f.libc, "musl");
    assert_eq!(f.native_extensions.len(), 1);
    assert_eq!(f.native_extensions[0].libc, Some("musl"));
    assert!(f.locale.missing);
    let ids: Vec<&str> = advice::advise(f, &[], None).iter().map(|a| a.id).collect();
    assert_eq!(
        ids,
        vec![
            "language-runtime",
            "no-shell-debugging",
            "musl-python-extensions",
            "musl-dns",
            "missing-locale",
            "runs-as-root"
        ]
    );
}

/// A database of the real Alpine secdb records (v3.9 and v3.20), or `None` when
/// ../shared is absent.
fn alpine_db(dir: &Path) -> Option<plinth_vulndb::VulnDb> {
    let secdb = plinth_testdata::vulndata()?.join("alpine-secdb");
    let db_path = dir.join("vuln.redb");
    plinth_vulndb::import(&db_path, &[secdb]).unwrap();
    Some(plinth_vulndb::VulnDb::open(&db_path).unwrap())
}

fn gather_with_db(p: &Path, db: &plinth_vulndb::VulnDb) -> Gathered {
    let image = Reference::parse(&format!("oci-dir:{}", p.display()))
        .unwrap()
        .open_local(None)
        .unwrap();
    let eol = EolTable::default();
    let opts = Options {
        eol: &eol,
        db: Some(db),
        today: TODAY,
    };
    gather(&image, &opts).unwrap()
}

/// With a database, facts count vulnerabilities: alpine-3.20 against the real Alpine 3.20
/// secdb records (every secdb finding has a fix, and secdb gives no severities).
#[test]
fn vulnerability_counts_with_a_database() {
    let Some(p) = fixture("oci-alpine-3.20") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let Some(db) = alpine_db(tmp.path()) else {
        return;
    };
    let g = gather_with_db(&p, &db);
    let counts = g
        .facts
        .vulnerabilities
        .as_ref()
        .expect("counts with a database");
    let scan = plinth_scan::match_inventory(&g.inventory, &db, None).unwrap();
    assert_eq!(counts.total, 56);
    assert_eq!(counts.total, scan.findings.len());
    assert_eq!(counts.fixable, counts.total);
    assert_eq!(counts.unknown, counts.total);
}

/// alpine 3.9 → 3.20 with the secdb: OpenSSL 1.1 leaves with its 12 findings, OpenSSL 3,
/// a newer busybox and the rest bring 56.
#[test]
fn diff_counts_vulnerabilities_fixed_and_introduced() {
    let (Some(old), Some(new)) = (fixture("oci-alpine-3.9"), fixture("oci-alpine-3.20")) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let Some(db) = alpine_db(tmp.path()) else {
        return;
    };
    let (old, new) = (gather_with_db(&old, &db), gather_with_db(&new, &db));
    let d = diff::diff(&old, &new);
    let v = d.vulnerabilities.expect("compared with a database");
    assert_eq!((v.fixed.len(), v.introduced.len()), (12, 56));
    let has = |list: &[diff::VulnRef], id: &str, package: &str| {
        list.iter().any(|r| r.id == id && r.package == package)
    };
    assert!(has(&v.fixed, "CVE-2021-3449", "libssl1.1"));
    assert!(has(&v.introduced, "CVE-2024-12797", "libcrypto3"));
    assert!(v.fixed.iter().all(|r| r.package.ends_with("1.1")));
    let back = diff::diff(&new, &old).vulnerabilities.unwrap();
    assert_eq!((back.fixed.len(), back.introduced.len()), (56, 12));
}
