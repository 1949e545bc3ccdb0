//! Conformance: the real feed samples in ../shared/fixtures/vulndata, imported and looked up.

use plinth_testdata::vulndata;
use std::io::Write;
use std::path::PathBuf;

use plinth_vulndb::{
    Event, RangeKind, Rating, SeverityKind, Status, VulnDb, group_by_alias, import,
};

fn imported(inputs: &[PathBuf]) -> (tempfile::TempDir, VulnDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vuln.redb");
    import(&path, inputs).unwrap();
    let db = VulnDb::open(&path).unwrap();
    (dir, db)
}

#[test]
fn osv_records_of_every_language_fixture() {
    let Some(data) = vulndata() else { return };
    let (_dir, db) = imported(&[data.join("osv")]);

    // npm: two affected entries of one package become one advisory with both ranges.
    let minimist = db.advisories("npm", "minimist").unwrap();
    assert_eq!(minimist.len(), 1);
    let adv = &minimist[0];
    assert_eq!(adv.id, "GHSA-xvch-5gv4-984h");
    assert_eq!(adv.aliases, ["CVE-2021-44906"]);
    assert_eq!(adv.affected.len(), 2);
    assert_eq!(adv.affected[0].ranges[0].kind, RangeKind::Ecosystem);
    assert_eq!(
        adv.affected[0].ranges[0].events,
        [
            Event::Introduced("1.0.0".into()),
            Event::Fixed("1.2.6".into())
        ]
    );
    assert_eq!(adv.affected[0].status, Status::Fixed);
    let cvss = adv
        .severity
        .iter()
        .find(|s| s.kind == SeverityKind::CvssV3)
        .unwrap();
    assert_eq!(cvss.score, Some(9.8));
    let ghsa = adv.severity.iter().find(|s| s.source == "ghsa").unwrap();
    assert_eq!(ghsa.level.as_deref(), Some("CRITICAL"));
    assert_eq!(adv.rating(), Rating::Critical);

    // One record naming two npm packages is found under both.
    assert_eq!(
        db.advisories("npm", "lodash-es").unwrap()[0].id,
        "GHSA-35jh-r3h4-6jhm"
    );
    let lodash = &db.advisories("npm", "lodash").unwrap()[0];
    assert_eq!(lodash.severity[0].score, Some(7.2));
    assert_eq!(
        lodash.affected.len(),
        1,
        "lodash-es ranges must not leak into lodash"
    );

    // PyPI names meet through PEP 503 whatever the caller's spelling.
    let jinja = db.advisories("pypi", "Jinja2").unwrap();
    assert_eq!(jinja.len(), 5);
    assert!(
        jinja
            .iter()
            .any(|a| a.id == "PYSEC-2021-66"
                && a.aliases.contains(&"GHSA-g3rq-g295-4j3m".to_string()))
    );

    // Go: the standard library, a record listing stdlib twice, repeated aliases kept once.
    let stdlib = db.advisories("Go", "stdlib").unwrap();
    assert!(stdlib.len() > 30, "{}", stdlib.len());
    let twice = stdlib.iter().find(|a| a.id == "GO-2023-2185").unwrap();
    assert_eq!(twice.affected.len(), 2);
    let dup = stdlib.iter().find(|a| a.id == "GO-2025-4014").unwrap();
    assert_eq!(dup.aliases, ["CVE-2025-58183"]);
    assert!(stdlib.iter().all(|a| {
        a.affected
            .iter()
            .all(|f| f.ranges.iter().all(|r| r.kind == RangeKind::Semver))
    }));

    // crates.io, case-insensitive.
    let smallvec = db.advisories("crates.io", "SmallVec").unwrap();
    assert_eq!(smallvec.len(), 5);

    // Batch lookups line up with their queries.
    let batch = db
        .advisories_batch(&[
            ("PyPI", "requests"),
            ("npm", "nope"),
            ("crates.io", "base64"),
        ])
        .unwrap();
    assert_eq!(batch.len(), 3);
    assert!(batch[0].iter().any(|a| a.id == "PYSEC-2023-74"));
    assert!(batch[1].is_empty());
    assert_eq!(batch[2][0].id, "RUSTSEC-2017-0004");

    let info = db.info().unwrap();
    assert_eq!(info.ecosystems["Go"].packages, 26);
    assert_eq!(info.sources.len(), 1);
    assert_eq!(info.sources[0].stats.skipped, 0);
}

#[test]
fn osv_all_zip_built_from_the_fixtures() {
    let Some(data) = vulndata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("all.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let mut n = 0;
    for entry in std::fs::read_dir(data.join("osv/Go")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
        n += 1;
    }
    zip.finish().unwrap();
    let (_d, db) = imported(&[zip_path]);
    let info = db.info().unwrap();
    assert_eq!(
        info.sources[0].stats.records,
        info.ecosystems["Go"].advisories
    );
    assert!(n > 40);
    let docker = db.advisories("Go", "github.com/docker/docker").unwrap();
    assert!(docker.iter().any(|a| a.id == "GO-2024-3005"));
    assert!(
        db.advisories("Go", "github.com/moby/moby")
            .unwrap()
            .iter()
            .any(|a| a.id == "GO-2024-3005")
    );
}

#[test]
fn alpine_secdb_json_and_legacy_yaml() {
    let Some(data) = vulndata() else { return };
    let (_dir, db) = imported(&[data.join("alpine-secdb"), data.join("alpine-secdb-legacy")]);

    let openssl = db.advisories("Alpine:v3.20", "openssl").unwrap();
    let fixed = openssl.iter().find(|a| a.id == "CVE-2021-3449").unwrap();
    assert_eq!(fixed.affected[0].status, Status::Fixed);
    assert_eq!(
        fixed.affected[0].ranges[0].events,
        [
            Event::Introduced("0".into()),
            Event::Fixed("1.1.1k-r0".into())
        ]
    );
    // Secfix "0": Alpine never shipped the problem.
    let never = openssl.iter().find(|a| a.id == "CVE-2022-1292").unwrap();
    assert_eq!(never.affected[0].status, Status::NotAffected);
    assert!(never.affected[0].ranges.is_empty());
    // Loose release spelling reaches the same key.
    assert_eq!(
        db.advisories("alpine:3.20.3", "openssl").unwrap().len(),
        openssl.len()
    );
    assert!(
        db.advisories("Alpine:v3.9", "openssl")
            .unwrap()
            .iter()
            .any(|a| a.id == "CVE-2019-1543")
    );

    // Legacy YAML, including the real typo "CVE 2018-16859".
    let ansible = db.advisories("Alpine:v3.9", "ansible").unwrap();
    assert!(ansible.iter().any(|a| a.id == "CVE-2018-16859"));
    assert!(ansible.iter().any(|a| a.id == "CVE-2019-10206"
        && a.affected[0].ranges[0].events[1] == Event::Fixed("2.7.13-r0".into())));
    assert!(db.info().unwrap().ecosystems.contains_key("Alpine:v3.11"));
}

#[test]
fn debian_tracker_by_release_number() {
    let Some(data) = vulndata() else { return };
    let (_dir, db) = imported(&[data.join("debian-tracker-json")]);

    let bookworm = db.advisories("Debian:12", "chromium").unwrap();
    assert_eq!(bookworm.len(), 1);
    assert_eq!(bookworm[0].id, "CVE-2022-0456");
    assert_eq!(bookworm[0].affected[0].status, Status::Fixed);
    assert_eq!(
        bookworm[0].affected[0].ranges[0].events[1],
        Event::Fixed("98.0.4758.80-1".into())
    );
    assert_eq!(
        db.advisories("Debian:bookworm", "chromium").unwrap(),
        bookworm
    );

    // buster: open → unfixed, introduced 0 and no fix.
    let buster = db.advisories("Debian:10", "chromium").unwrap();
    assert_eq!(buster[0].affected[0].status, Status::Unfixed);
    assert_eq!(
        buster[0].affected[0].ranges[0].events,
        [Event::Introduced("0".into())]
    );

    // fixed_version "0": not affected; urgency kept as the vendor's word.
    let proto = db.advisories("Debian:9", "prototypejs").unwrap();
    let old = proto.iter().find(|a| a.id == "CVE-2007-2383").unwrap();
    assert_eq!(old.affected[0].status, Status::NotAffected);
    let newer = proto.iter().find(|a| a.id == "CVE-2008-7220").unwrap();
    assert_eq!(newer.severity[0].level.as_deref(), Some("high**"));
    assert_eq!(newer.rating(), Rating::High);
    assert!(
        newer
            .summary
            .starts_with("Unspecified vulnerability in Prototype")
    );

    // `releases: []` (chromium-browser/CVE-2022-0358) is not malformed, just empty.
    let info = db.info().unwrap();
    assert_eq!(info.sources[0].stats.skipped, 0);
}

#[test]
fn one_problem_from_two_feeds_is_one_group() {
    let Some(data) = vulndata() else { return };
    let (_dir, db) = imported(&[data.join("osv")]);
    // GO-2022-0969 (Go) and its GHSA alias share CVE-2022-27664 with nothing else here, but two
    // records for one package that share an alias must group.
    let mut advisories = db.advisories("Go", "stdlib").unwrap();
    advisories.extend(db.advisories("Go", "golang.org/x/net").unwrap());
    let total = advisories.len();
    let groups = group_by_alias(advisories);
    let big = groups
        .iter()
        .find(|g| g.iter().any(|a| a.id == "GO-2022-0969"))
        .unwrap();
    assert_eq!(
        big.len(),
        2,
        "stdlib and x/net copies of GO-2022-0969 are one problem"
    );
    assert!(groups.len() < total);
}
