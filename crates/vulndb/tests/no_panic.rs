//! Hostile feeds: truncated, byte-flipped and random documents of every format `db import`
//! sniffs never panic; an error is one line naming the file; a bad record costs only itself.
//! Seeds are small synthetic documents, plus every real record in ../shared/fixtures/vulndata
//! when it exists. `fuzz/` runs the same reader under libFuzzer for longer.

use std::io::Write;
use std::path::{Path, PathBuf};

use plinth_vulndb::feed::{Records, read_file, read_path};
use proptest::prelude::*;

/// What every hostile document is called: formats are sniffed from bytes, but Azure Linux's
/// OVAL names its release only in the file name.
const FILE_NAME: &str = "azurelinux-3.0-oval.xml";

/// One document of each format, small enough to try every prefix of.
fn synthetic_seeds() -> Vec<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(UPDATEINFO).unwrap();
    let mut zstd_tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_ustar();
    header.set_size(OSV.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    zstd_tar
        .append_data(&mut header, "a/GHSA-1.json", OSV)
        .unwrap();
    let zstd_tar = zstd::encode_all(&zstd_tar.into_inner().unwrap()[..], 1).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("GHSA-1.json", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(OSV).unwrap();
    let zip = zip.finish().unwrap().into_inner();
    [
        OSV, ALPINE, DEBIAN, NVD, CVE5, CSAF, OVAL, SUSE_OVAL, CVRF, UPDATEINFO, ALAS_JSON,
    ]
    .iter()
    .map(|s| s.to_vec())
    .chain([gz.finish().unwrap(), zstd_tar, zip])
    .collect()
}

const OSV: &[u8] = br#"[{"id":"GHSA-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-1"],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0"}]}],"versions":["0.9"]}]}]"#;
const ALPINE: &[u8] = br#"{"distroversion":"v3.20","reponame":"main","urlprefix":"https://dl-cdn.alpinelinux.org/alpine","packages":[{"pkg":{"name":"openssl","secfixes":{"3.1.4-r1":["CVE-2023-5678"]}}}]}"#;
const DEBIAN: &[u8] = br#"{"zlib":{"CVE-2022-37434":{"description":"d","scope":"remote","releases":{"bookworm":{"status":"resolved","fixed_version":"1:1.2.13.dfsg-1","urgency":"not yet assigned","repositories":{"bookworm":"1:1.2.13.dfsg-1"}}}}}}"#;
const NVD: &[u8] = br#"{"resultsPerPage":1,"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":{"id":"CVE-2024-1","metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8,"baseSeverity":"CRITICAL"}}]}}}]}"#;
const CVE5: &[u8] = br#"{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"CVE-2024-2","state":"PUBLISHED"},"containers":{"cna":{"metrics":[{"cvssV3_1":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8,"baseSeverity":"CRITICAL"}}]},"adp":[{"providerMetadata":{"shortName":"CISA-ADP"},"metrics":[{"other":{"type":"ssvc"}}]}]}}"#;
const CSAF: &[u8] = br#"{"document":{"category":"csaf_vex","csaf_version":"2.0","tracking":{"id":"CVE-2024-3"},"aggregate_severity":{"text":"Important"}},"product_tree":{"branches":[{"category":"vendor","branches":[{"category":"product_family","branches":[{"category":"product_name","product":{"product_id":"AppStream-9","name":"RHEL 9","product_identification_helper":{"cpe":"cpe:/a:redhat:enterprise_linux:9::appstream"}}}]},{"category":"product_version","product":{"product_id":"curl-0:7.76.1-29.el9","name":"curl","product_identification_helper":{"purl":"pkg:rpm/redhat/curl@7.76.1-29.el9"}}}]}],"relationships":[{"category":"default_component_of","full_product_name":{"product_id":"AppStream-9:curl-0:7.76.1-29.el9"},"product_reference":"curl-0:7.76.1-29.el9","relates_to_product_reference":"AppStream-9"}]},"vulnerabilities":[{"cve":"CVE-2024-3","product_status":{"fixed":["AppStream-9:curl-0:7.76.1-29.el9"],"known_affected":["AppStream-9:curl"]},"threats":[{"category":"impact","details":"Important"}]}]}"#;
const OVAL: &[u8] = br#"<?xml version="1.0"?><oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><generator><product_name>Azure Linux OVAL</product_name></generator><definitions><definition class="vulnerability" id="oval:com.microsoft.azurelinux:def:1"><metadata><title>CVE-2024-4 affecting package curl for versions less than 8.8.0-1</title><reference ref_id="CVE-2024-4" source="CVE"/><advisory><severity>High</severity></advisory></metadata><criteria operator="AND"><criterion test_ref="t1" comment="Package curl is earlier than 8.8.0-1, affected by CVE-2024-4"/></criteria></definition></definitions><tests><rpminfo_test id="t1"><object object_ref="o1"/><state state_ref="s1"/></rpminfo_test></tests><objects><rpminfo_object id="o1"><name>curl</name></rpminfo_object></objects><states><rpminfo_state id="s1"><evr datatype="evr_string" operation="less than">0:8.8.0-1.azl3</evr></rpminfo_state></states></oval_definitions>"#;
const SUSE_OVAL: &[u8] = br#"<?xml version="1.0"?><oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><generator><oval:product_name xmlns:oval="x">Marcus Updateinfo to OVAL Converter</oval:product_name></generator><definitions><definition id="oval:org.opensuse.security:def:20245" class="vulnerability"><metadata><title>CVE-2024-5</title><reference ref_id="CVE-2024-5" source="CVE"/><advisory><severity>Moderate</severity></advisory></metadata><criteria operator="AND"><criterion test_ref="t1" comment="SUSE Linux Enterprise Server 15 SP6 is installed"/><criterion test_ref="t2" comment="curl-8.6.0-4.1 is installed"/></criteria></definition></definitions></oval_definitions>"#;
const CVRF: &[u8] = br#"<?xml version="1.0"?><cvrfdoc xmlns="http://www.icasi.org/CVRF/schema/cvrf/1.1"><DocumentTitle>Security update for curl</DocumentTitle><DocumentTracking><Identification><ID>SUSE-SU-2024:1</ID></Identification></DocumentTracking><ProductTree><Relationship ProductReference="curl-8.6.0-4.1" RelationType="Default Component Of" RelatesToProductReference="SUSE Linux Enterprise Server 15 SP6"><FullProductName ProductID="SUSE Linux Enterprise Server 15 SP6:curl-8.6.0-4.1">curl</FullProductName></Relationship></ProductTree><Vulnerability><CVE>CVE-2024-6</CVE><ProductStatuses><Status Type="Fixed"><ProductID>SUSE Linux Enterprise Server 15 SP6:curl-8.6.0-4.1</ProductID></Status></ProductStatuses><Threats><Threat Type="Impact"><Description>moderate</Description></Threat></Threats></Vulnerability></cvrfdoc>"#;
const UPDATEINFO: &[u8] = br#"<?xml version="1.0"?><updates><update author="alas@amazon.com" from="alas@amazon.com" status="final" type="security" version="1.4"><id>ALAS2023-2024-1</id><title>Amazon Linux 2023 - ALAS2023-2024-1: important priority package update for curl</title><issued date="2024-01-01 00:00"/><severity>important</severity><references><reference href="https://x" id="CVE-2024-7" type="cve"/></references><pkglist><collection short=""><name>Amazon Linux 2023</name><package arch="x86_64" epoch="0" name="curl" release="1.amzn2023" version="8.5.0"><filename>curl-8.5.0-1.amzn2023.x86_64.rpm</filename></package></collection></pkglist></update></updates>"#;
const ALAS_JSON: &[u8] = br#"{"id":"ALAS-2024-1","title":"Amazon Linux 2 - ALAS-2024-1: important priority package update for curl","issued":{"date":"2024-01-01 00:00"},"severity":"important","references":[{"href":"x","id":"CVE-2024-8","type":"cve"}],"packages":[{"name":"curl","epoch":"0","version":"8.5.0","release":"1.amzn2","arch":"x86_64"}]}"#;

/// Real feed files: every record in ../shared/fixtures/vulndata (skipped without it).
fn real_seeds() -> Vec<Vec<u8>> {
    fn walk(dir: &Path, out: &mut Vec<Vec<u8>>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.file_name().is_some_and(|n| n != "SOURCE") {
                out.push(std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = Vec::new();
    if let Some(vulndata) = plinth_testdata::vulndata() {
        walk(&vulndata, &mut out);
    }
    out
}

/// Reads `bytes` as `db import` reads a file; an error must be one line naming the file.
fn import(file: &Path, bytes: &[u8]) -> Records {
    std::fs::write(file, bytes).unwrap();
    let mut records = Records::default();
    if let Err(e) = read_file(file, "test", &mut records) {
        let text = e.to_string();
        assert!(!text.contains('\n'), "one line: {text:?}");
        assert!(
            text.contains(&file.display().to_string()),
            "names the file: {text}"
        );
    }
    records
}

#[test]
fn prefixes_of_every_seed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(FILE_NAME);
    let seeds = synthetic_seeds();
    let real = real_seeds();
    for data in seeds.iter().chain(&real) {
        // 128 prefixes spread over each synthetic seed, 8 over each of the ~400 real ones.
        let count = if real.contains(data) { 8 } else { 128 };
        let step = (data.len() / count).max(1);
        for n in (0..data.len()).step_by(step) {
            import(&file, &data[..n]);
        }
    }
    // The whole seeds are feeds: the prefixes above reached the parsers, not just sniffing.
    for data in &seeds {
        std::fs::write(&file, data).unwrap();
        read_file(&file, "test", &mut Records::default()).unwrap();
    }
}

#[test]
fn flipped_bytes_in_every_seed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(FILE_NAME);
    let seeds: Vec<Vec<u8>> = synthetic_seeds().into_iter().chain(real_seeds()).collect();
    plinth_testdata::hostile::flipped_bytes(&seeds, 512, |_, data| {
        import(&file, data);
    });
}

#[test]
fn random_bytes_behind_every_format_marker() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(FILE_NAME);
    let markers: [&[u8]; 12] = [
        b"",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff",
        b"\x28\xb5\x2f\xfd",
        b"PK\x03\x04",
        b"[",
        b"{\"csaf_version\":",
        b"{\"format\":\"NVD_CVE\",",
        b"{\"dataType\":\"CVE_RECORD\",",
        b"{\"secfixes\":",
        b"<?xml version=\"1.0\"?><oval_definitions>",
        b"<?xml version=\"1.0\"?><cvrfdoc>",
        b"<updates>",
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(256));
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..2048), |tail| {
            for marker in markers {
                let mut data = marker.to_vec();
                data.extend_from_slice(&tail);
                import(&file, &data);
            }
            Ok(())
        })
        .unwrap();
}

/// One malformed record in an OSV array, and one unreadable file in a feed directory, are
/// skipped and named; every other record still imports.
#[test]
fn a_bad_record_costs_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let good = |id: &str| {
        std::str::from_utf8(&OSV[1..OSV.len() - 1])
            .unwrap()
            .replace("GHSA-1", id)
    };
    let array = format!(
        "[{},{{\"id\":\"GHSA-bad\",\"affected\":7}},{}]",
        good("GHSA-a"),
        good("GHSA-b")
    );
    let feed = dir.path().join("feed/osv.json");
    std::fs::create_dir(feed.parent().unwrap()).unwrap();
    std::fs::write(&feed, array).unwrap();
    std::fs::write(dir.path().join("feed/truncated.json"), &ALPINE[..40]).unwrap();
    std::fs::write(dir.path().join("feed/wolfi.json"), ALPINE).unwrap();

    let mut records = Records::default();
    read_path(&dir.path().join("feed"), "test", &mut records).unwrap();
    assert_eq!(
        records.stats.records, 3,
        "GHSA-a, GHSA-b and the secdb's CVE"
    );
    assert_eq!(records.stats.skipped, 2, "{:?}", records.stats);
    let skipped = records.stats.first_skipped.join("\n");
    assert!(skipped.contains("osv.json[1]"), "{skipped}");
    assert!(skipped.contains("truncated.json"), "{skipped}");
}
