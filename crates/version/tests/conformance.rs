//! Conformance against the reference implementations installed on the machine.
//!
//! Each test generates at least 10,000 version pairs deterministically, runs its reference
//! ONCE over all of them (pairs in a temp file, one process), and compares every answer. When
//! the reference is missing, the test prints `skipped: <why>` and passes.
//!
//! References: dpkg (Perl `Dpkg::Version` from libdpkg-perl for the batch, cross-checked on a
//! sample against the `dpkg --compare-versions` binary), rpm 4.18 (`rpm.vercmp` in rpm's Lua),
//! Python `packaging`, Maven's `ComparableVersion` (maven-artifact jar), node-semver (bundled
//! with npm) for SemVer and Go module versions.

use std::cmp::Ordering;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use plinth_version::Scheme;

const PAIRS: usize = 12_000;
const MIN_COMPARED: usize = 10_000;

/// splitmix64: small, deterministic, good enough to spread choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// A number: mostly small, sometimes with leading zeros, sometimes beyond u64.
    fn number(&mut self) -> String {
        match self.below(20) {
            0 => "0".into(),
            1 => format!("0{}", self.below(10)),
            2 => format!("{}{}", self.below(9) + 1, "0123456789".repeat(2)),
            3 => format!("{}", 20_000_000 + self.below(10_000_000)),
            4 => "18446744073709551616".into(),
            5 => "18446744073709551615".into(),
            _ => format!("{}", self.below(13)),
        }
    }
    /// Like `number` but never with a leading zero (grammars that forbid it).
    fn clean_number(&mut self) -> String {
        let n = self.number();
        let t = n.trim_start_matches('0');
        if t.is_empty() { "0".into() } else { t.into() }
    }
}

/// Pairs: independent versions, identical copies, and near misses made by editing one side.
fn make_pairs(
    seed: u64,
    count: usize,
    generate: impl Fn(&mut Rng) -> String,
    fragments: &[&str],
) -> Vec<(String, String)> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let a = generate(&mut rng);
        let b = match rng.below(8) {
            0 => a.clone(),
            1 | 2 => format!("{a}{}", rng.pick(fragments)),
            3 => {
                // Change one digit.
                let digits: Vec<usize> = a
                    .char_indices()
                    .filter(|(_, c)| c.is_ascii_digit())
                    .map(|(i, _)| i)
                    .collect();
                if digits.is_empty() {
                    generate(&mut rng)
                } else {
                    let at = digits[rng.below(digits.len())];
                    let d = (b'0' + rng.below(10) as u8) as char;
                    format!("{}{}{}", &a[..at], d, &a[at + 1..])
                }
            }
            4 if a.len() > 1 => {
                let cut = 1 + rng.below(a.len() - 1);
                if a.is_char_boundary(cut) {
                    a[..cut].to_string()
                } else {
                    a.clone()
                }
            }
            _ => generate(&mut rng),
        };
        if rng.chance(50) {
            out.push((a, b))
        } else {
            out.push((b, a))
        }
    }
    out
}

fn write_pairs(pairs: &[(String, String)]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    for (a, b) in pairs {
        writeln!(f, "{a}\t{b}").expect("write pairs");
    }
    f.flush().expect("flush pairs");
    f
}

fn ordering_of(n: i64) -> Ordering {
    n.cmp(&0)
}

/// Runs a command, returning stdout lines, or None (with the reason) when it cannot run.
fn run(cmd: &mut Command) -> Result<Vec<String>, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// Compares our answers with the reference's; `None` answers (reference refused the pair)
/// are counted and left out. Returns (compared, disagreements).
fn check(
    scheme: Scheme,
    pairs: &[(String, String)],
    reference: &[Option<Ordering>],
) -> (usize, Vec<String>) {
    assert_eq!(
        pairs.len(),
        reference.len(),
        "{scheme}: reference answered a different number of pairs"
    );
    let mut compared = 0;
    let mut bad = Vec::new();
    for ((a, b), want) in pairs.iter().zip(reference) {
        let Some(want) = want else { continue };
        compared += 1;
        let got = scheme.compare(a, b);
        if got != *want {
            bad.push(format!(
                "{a:?} vs {b:?}: plinth {got:?}, reference {want:?}"
            ));
        }
    }
    (compared, bad)
}

fn report(scheme: Scheme, reference: &str, compared: usize, refused: usize, bad: &[String]) {
    println!(
        "{scheme} vs {reference}: {compared} pairs compared, {refused} refused by the reference, {} disagreements",
        bad.len()
    );
    for line in bad.iter().take(25) {
        println!("  {line}");
    }
    assert!(
        bad.is_empty(),
        "{scheme}: {} disagreements with {reference}",
        bad.len()
    );
    assert!(
        compared >= MIN_COMPARED,
        "{scheme}: only {compared} pairs compared"
    );
}

// ---------------------------------------------------------------- dpkg

fn dpkg_version(r: &mut Rng) -> String {
    let mut v = String::new();
    if r.chance(10) {
        v.push_str(r.pick(&["0:", "1:", "2:", "10:", "01:"]));
    }
    let parts = 1 + r.below(4);
    for i in 0..parts {
        if i > 0 {
            v.push_str(r.pick(&[".", ".", ".", "+", "~", "-"]));
        }
        v.push_str(&r.number());
        if r.chance(15) {
            v.push_str(r.pick(&["a", "b", "z", "rc1", "beta", "dfsg", "A", "Z"]));
        }
    }
    if r.chance(25) {
        v.push_str(r.pick(&[
            "~rc1",
            "~beta2",
            "~",
            "~~",
            "~a",
            "+dfsg",
            "+b1",
            "+really1.0",
            "+git20240101.abc",
            ".",
            "+",
        ]));
    }
    if r.chance(60) {
        v.push_str(r.pick(&[
            "-1",
            "-0",
            "-2",
            "-10",
            "-0ubuntu1",
            "-1~bpo12+1",
            "-2+deb12u1",
            "-1.1",
            "-3ubuntu0.22.04.1",
            "-1build1",
            "-a",
            "-~",
            "-1~",
            "-01",
        ]));
    }
    v
}

fn perl_has_dpkg() -> bool {
    Command::new("perl")
        .args(["-MDpkg::Version", "-e", "1"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn dpkg_matches_dpkg() {
    if !perl_has_dpkg() {
        println!("skipped: perl Dpkg::Version (libdpkg-perl) not installed");
        return;
    }
    let all: Vec<_> = make_pairs(
        1,
        2 * PAIRS,
        dpkg_version,
        &["~", "~rc1", "+b1", "a", ".0", "-1", "-1~1", "0"],
    )
    .into_iter()
    .filter(|(a, b)| Scheme::Dpkg.parse_check(a).is_ok() && Scheme::Dpkg.parse_check(b).is_ok())
    .collect();
    // Perl compares digit runs as floating-point numbers, so pairs with runs longer than 15
    // digits go to the dpkg binary instead (it compares digit strings).
    let (long, pairs): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|(a, b)| has_long_number(a) || has_long_number(b));
    let file = write_pairs(&pairs);
    let script = r#"chomp; my ($a, $b) = split /\t/, $_, -1; print version_compare($a, $b), "\n";"#;
    let lines = run(Command::new("perl")
        .args(["-MDpkg::Version", "-ne", script])
        .arg(file.path()))
    .expect("perl Dpkg::Version");
    let reference: Vec<_> = lines
        .iter()
        .map(|l| l.trim().parse::<i64>().ok().map(ordering_of))
        .collect();
    let (compared, bad) = check(Scheme::Dpkg, &pairs, &reference);
    report(
        Scheme::Dpkg,
        "perl Dpkg::Version",
        compared,
        pairs.len() - compared,
        &bad,
    );

    // The binary itself, one process per pair: a sample of the pairs above, pairs with long
    // numbers, and versions dpkg only warns about.
    if Command::new("dpkg").arg("--version").output().is_err() {
        println!("skipped: dpkg binary not installed");
        return;
    }
    let mut sample: Vec<_> = pairs.iter().step_by(pairs.len() / 200).cloned().collect();
    sample.extend(long.iter().step_by((long.len() / 400).max(1)).cloned());
    sample.extend(
        [
            ("1.0@", "1.0"),
            ("a1", "1"),
            ("1.0\u{e9}", "1.0z"),
            ("1.0\u{e9}", "1.0."),
            ("", "0"),
            ("1.0", ""),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string())),
    );
    let mut bad = Vec::new();
    for (a, b) in &sample {
        let lt = Command::new("dpkg")
            .args(["--compare-versions", a, "lt", b])
            .output();
        let eq = Command::new("dpkg")
            .args(["--compare-versions", a, "eq", b])
            .output();
        let (Ok(lt), Ok(eq)) = (lt, eq) else { continue };
        let want = match (lt.status.code(), eq.status.code()) {
            (Some(0), _) => Ordering::Less,
            (Some(1), Some(0)) => Ordering::Equal,
            (Some(1), Some(1)) => Ordering::Greater,
            _ => continue,
        };
        let got = Scheme::Dpkg.compare(a, b);
        if got != want {
            bad.push(format!("{a:?} vs {b:?}: plinth {got:?}, dpkg {want:?}"));
        }
    }
    report_sample("dpkg --compare-versions", sample.len(), &bad);
}

fn has_long_number(v: &str) -> bool {
    v.split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() > 15)
}

fn report_sample(reference: &str, n: usize, bad: &[String]) {
    println!(
        "dpkg vs {reference}: {n} sampled pairs, {} disagreements",
        bad.len()
    );
    for line in bad.iter().take(25) {
        println!("  {line}");
    }
    assert!(bad.is_empty());
}

// ---------------------------------------------------------------- rpm

fn rpm_version(r: &mut Rng) -> String {
    let mut v = String::new();
    if r.chance(10) {
        v.push_str(r.pick(&["0:", "1:", "2:", "10:", ":"]));
    }
    let parts = 1 + r.below(4);
    for i in 0..parts {
        if i > 0 {
            v.push_str(r.pick(&[".", ".", ".", "_", "+", "~", "^", "..", ""]));
        }
        if r.chance(80) {
            v.push_str(&r.number());
        } else {
            v.push_str(r.pick(&["a", "b", "rc", "beta", "git", "Z", "el", "fc"]));
        }
    }
    if r.chance(20) {
        v.push_str(r.pick(&["~rc1", "~", "^", "^git1.abc", "~~", "a", ".", "^post1"]));
    }
    if r.chance(70) {
        v.push('-');
        v.push_str(r.pick(&[
            "1",
            "2",
            "10",
            "1.el9",
            "2.el9_3",
            "225.el9",
            "0.rc1.fc40",
            "1.module+el8.9.0+19",
            "3ubuntu1",
            "~1",
            "^1",
            "",
            "01",
        ]));
    }
    v
}

#[test]
fn rpm_matches_rpm() {
    if Command::new("rpm").arg("--version").output().is_err() {
        println!("skipped: rpm not installed (apt-get install rpm)");
        return;
    }
    let pairs = make_pairs(
        2,
        PAIRS,
        rpm_version,
        &["~rc1", "^1", ".0", "-1", "a", "~", "^", "0"],
    );
    compare_with_rpm(&pairs);
}

/// RHEL EVRs as errata and module builds write them: an epoch or none, a few upstream versions
/// (so pairs often differ only in epoch or release), releases with `.el9_4` or
/// `.module+el8.10.0+22202+761b9a65` dist tags and rebuild suffixes.
fn rhel_evr(r: &mut Rng) -> String {
    let mut v = String::new();
    if r.chance(60) {
        v.push_str(r.pick(&["0:", "1:", "2:", "3:", "10:"]));
    }
    v.push_str(r.pick(&["18.20.4", "18.20.2", "20.16.0", "2.4.37", "1.14.3", "3.9.7"]));
    v.push('-');
    v.push_str(&(1 + r.below(3)).to_string());
    let major = 8 + r.below(2);
    if r.chance(60) {
        v.push_str(&format!(
            ".module+el{major}.{}.0+{}+{:08x}",
            r.below(11),
            9_000 + r.below(15_000),
            r.next() as u32
        ));
    } else {
        v.push_str(&format!(".el{major}"));
        if r.chance(60) {
            v.push_str(&format!("_{}", r.below(11)));
        }
    }
    if r.chance(20) {
        v.push_str(r.pick(&[".1", ".2", ".10", ".z"]));
    }
    v
}

#[test]
fn rhel_module_evrs_match_rpm() {
    if Command::new("rpm").arg("--version").output().is_err() {
        println!("skipped: rpm not installed (apt-get install rpm)");
        return;
    }
    let pairs = make_pairs(3, PAIRS, rhel_evr, &[".1", ".el8", "_1", "+1", "-1"]);
    compare_with_rpm(&pairs);
}

/// Checks every pair against `rpm.vercmp` in one `rpm --eval` run.
fn compare_with_rpm(pairs: &[(String, String)]) {
    let file = write_pairs(pairs);
    let path = file.path().to_str().expect("utf-8 temp path");
    let lua = format!(
        r#"%{{lua: for line in io.lines("{path}") do local a, b = line:match("^(.-)\t(.*)$"); io.write(rpm.vercmp(a, b), "\n") end}}"#
    );
    let lines = run(Command::new("rpm").arg("--eval").arg(lua)).expect("rpm --eval");
    let lines: Vec<_> = lines.into_iter().filter(|l| !l.is_empty()).collect();
    let reference: Vec<_> = lines
        .iter()
        .map(|l| l.trim().parse::<i64>().ok().map(ordering_of))
        .collect();
    let (compared, bad) = check(Scheme::Rpm, pairs, &reference);
    report(
        Scheme::Rpm,
        "rpm.vercmp",
        compared,
        pairs.len() - compared,
        &bad,
    );
}

// ---------------------------------------------------------------- PEP 440

fn pep440_version(r: &mut Rng) -> String {
    let mut v = String::new();
    if r.chance(5) {
        v.push_str(r.pick(&["v", "V", " "]));
    }
    if r.chance(8) {
        v.push_str(&r.number());
        v.push('!');
    }
    let parts = 1 + r.below(4);
    for i in 0..parts {
        if i > 0 {
            v.push('.');
        }
        v.push_str(&r.number());
    }
    let sep = |r: &mut Rng| r.pick(&["", "", ".", "-", "_"]).to_string();
    if r.chance(35) {
        v.push_str(&sep(r));
        v.push_str(r.pick(&[
            "a", "b", "rc", "alpha", "beta", "c", "pre", "preview", "A", "RC", "Beta",
        ]));
        if r.chance(20) {
            v.push_str(&sep(r));
        }
        if r.chance(80) {
            v.push_str(&r.number());
        }
    }
    if r.chance(25) {
        if r.chance(25) {
            v.push('-');
            v.push_str(&r.number());
        } else {
            v.push_str(&sep(r));
            v.push_str(r.pick(&["post", "rev", "r", "POST"]));
            if r.chance(80) {
                v.push_str(&sep(r));
                v.push_str(&r.number());
            }
        }
    }
    if r.chance(25) {
        v.push_str(&sep(r));
        v.push_str(r.pick(&["dev", "DEV"]));
        if r.chance(80) {
            v.push_str(&r.number());
        }
    }
    if r.chance(15) {
        v.push('+');
        v.push_str(r.pick(&[
            "abc", "1", "ubuntu-1", "A_b.2", "local.7", "0", "007", "z.z", "deadbeef",
        ]));
    }
    if r.chance(3) {
        v.push_str(r.pick(&[".", "-", "+", "foo", "..1", "  "]));
    }
    v
}

fn python_has_packaging() -> bool {
    Command::new("python3")
        .args(["-c", "import packaging.version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn pep440_matches_packaging() {
    if !python_has_packaging() {
        println!("skipped: python3 with packaging not installed (pip install packaging)");
        return;
    }
    let pairs = make_pairs(
        3,
        PAIRS,
        pep440_version,
        &["a1", ".post1", ".dev0", "+local.1", "rc", "-1", ".0", "0"],
    );
    let file = write_pairs(&pairs);
    let script = r#"
import sys
from packaging.version import Version, InvalidVersion
def parse(s):
    try:
        return Version(s)
    except InvalidVersion:
        return None
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    a, b = line.rstrip("\n").split("\t")
    va, vb = parse(a), parse(b)
    ea, eb = "E" if va is None else "V", "E" if vb is None else "V"
    if va is None or vb is None:
        out.append(ea + eb + " x")
    else:
        out.append(ea + eb + " " + str((va > vb) - (va < vb)))
print("\n".join(out))
"#;
    let lines = run(Command::new("python3")
        .args(["-c", script])
        .arg(file.path()))
    .expect("python3");
    let mut reference = Vec::new();
    let mut validity_bad = Vec::new();
    for ((a, b), line) in pairs.iter().zip(&lines) {
        let (valid, result) = line.split_once(' ').unwrap_or(("EE", "x"));
        for (v, flag) in [(a, &valid[..1]), (b, &valid[1..])] {
            let ours = Scheme::Pep440.parse_check(v).is_ok();
            if ours != (flag == "V") {
                validity_bad.push(format!(
                    "{v:?}: plinth valid={ours}, packaging valid={}",
                    flag == "V"
                ));
            }
        }
        reference.push(result.parse::<i64>().ok().map(ordering_of));
    }
    validity_bad.sort();
    validity_bad.dedup();
    println!(
        "pep440 validity: {} versions where plinth and packaging disagree",
        validity_bad.len()
    );
    for line in validity_bad.iter().take(25) {
        println!("  {line}");
    }
    let (compared, bad) = check(Scheme::Pep440, &pairs, &reference);
    report(
        Scheme::Pep440,
        "packaging",
        compared,
        pairs.len() - compared,
        &bad,
    );
    assert!(validity_bad.is_empty());
}

// ---------------------------------------------------------------- Maven

fn maven_version(r: &mut Rng) -> String {
    let mut v = r.number();
    let parts = r.below(6);
    for _ in 0..parts {
        v.push_str(r.pick(&[".", ".", "-", "", "-", "."]));
        if r.chance(55) {
            v.push_str(&r.number());
        } else {
            v.push_str(r.pick(&[
                "alpha",
                "a",
                "beta",
                "b",
                "milestone",
                "m",
                "rc",
                "cr",
                "snapshot",
                "SNAPSHOT",
                "ga",
                "GA",
                "final",
                "Final",
                "sp",
                "abc",
                "RELEASE",
                "jre",
                "android",
                "x",
                "",
                "Beta",
            ]));
        }
    }
    v
}

fn maven_jar() -> Option<PathBuf> {
    let candidates = [
        "/usr/share/maven/lib/maven-artifact-3.x.jar",
        "/usr/share/java/maven3-artifact.jar",
    ];
    if let Some(found) = candidates.iter().map(Path::new).find(|p| p.exists()) {
        return Some(found.to_path_buf());
    }
    let lib = Path::new("/usr/share/maven/lib");
    std::fs::read_dir(lib)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("maven-artifact"))
        })
}

#[test]
fn maven_matches_comparable_version() {
    let Some(jar) = maven_jar() else {
        println!("skipped: maven-artifact jar not found (apt-get install maven)");
        return;
    };
    if Command::new("java").arg("-version").output().is_err() {
        println!("skipped: java not installed");
        return;
    }
    let pairs: Vec<_> = make_pairs(
        4,
        PAIRS,
        maven_version,
        &["-1", ".0", "-SNAPSHOT", "a1", "-sp", ".ga", "1", "-"],
    )
    .into_iter()
    .filter(|(a, b)| !a.is_empty() && !b.is_empty())
    .collect();
    // ComparableVersion's main compares adjacent arguments: a1 b1 a2 b2 ... gives a1?b1,
    // b1?a2, a2?b2, ...; the even-numbered comparisons are ours.
    let mut cmd = Command::new("java");
    cmd.arg("-cp")
        .arg(&jar)
        .arg("org.apache.maven.artifact.versioning.ComparableVersion");
    for (a, b) in &pairs {
        cmd.arg(a).arg(b);
    }
    let lines = run(&mut cmd).expect("java ComparableVersion");
    let comparisons: Vec<_> = lines.iter().filter(|l| l.starts_with("   ")).collect();
    let reference: Vec<_> = comparisons
        .iter()
        .step_by(2)
        .map(|l| match l.split(' ').filter(|t| !t.is_empty()).nth(1) {
            Some("<") => Some(Ordering::Less),
            Some("==") => Some(Ordering::Equal),
            Some(">") => Some(Ordering::Greater),
            _ => None,
        })
        .collect();
    let (compared, bad) = check(Scheme::Maven, &pairs, &reference);
    report(
        Scheme::Maven,
        "ComparableVersion",
        compared,
        pairs.len() - compared,
        &bad,
    );
}

// ---------------------------------------------------------------- SemVer and Go via node-semver

fn semver_core(r: &mut Rng) -> String {
    format!(
        "{}.{}.{}",
        r.clean_number(),
        r.clean_number(),
        r.clean_number()
    )
}

fn semver_pre(r: &mut Rng) -> String {
    let n = 1 + r.below(3);
    let ids: Vec<String> = (0..n)
        .map(|_| {
            if r.chance(40) {
                r.clean_number()
            } else {
                r.pick(&[
                    "alpha", "beta", "rc", "a", "Z", "x-y", "0a", "alpha-1", "-", "A1", "b",
                ])
                .to_string()
            }
        })
        .collect();
    ids.join(".")
}

fn semver_version(r: &mut Rng) -> String {
    let mut v = String::new();
    if r.chance(5) {
        v.push('v');
    }
    v.push_str(&semver_core(r));
    if r.chance(45) {
        v.push('-');
        v.push_str(&semver_pre(r));
    }
    if r.chance(15) {
        v.push('+');
        v.push_str(r.pick(&["build.1", "001", "sha.abc", "x-y.2", "incompatible"]));
    }
    v
}

fn go_version(r: &mut Rng) -> String {
    let base = format!("v{}.{}.{}", r.below(4), r.below(4), r.below(4));
    let stamp = format!(
        "20{:02}{:02}{:02}{:06}",
        18 + r.below(8),
        1 + r.below(12),
        1 + r.below(28),
        r.below(1_000_000)
    );
    let hash = r.pick(&[
        "daa7c04131f5",
        "000000000000",
        "abcdefabcdef",
        "123456789abc",
    ]);
    let mut v = match r.below(6) {
        0 => format!("v0.0.0-{stamp}-{hash}"),
        1 => format!("{base}-0.{stamp}-{hash}"),
        2 => format!(
            "{base}-{}.0.{stamp}-{hash}",
            r.pick(&["pre", "rc.1", "beta"])
        ),
        3 => format!("{base}-{}", semver_pre(r)),
        _ => base,
    };
    if r.chance(15) {
        v.push_str("+incompatible");
    }
    v
}

fn node_semver() -> Option<PathBuf> {
    // npm bundles node-semver; Debian's node-semver package installs it on its own.
    let bundled = run(Command::new("npm").args(["root", "-g"]))
        .ok()
        .and_then(|lines| lines.into_iter().next())
        .map(|root| Path::new(root.trim()).join("npm/node_modules/semver"));
    bundled
        .into_iter()
        .chain([PathBuf::from("/usr/share/nodejs/semver")])
        .find(|p| p.exists())
}

/// node-semver's answers: Some(order), or None when node-semver refuses either version.
fn node_compare(semver: &Path, pairs: &[(String, String)]) -> Vec<Option<Ordering>> {
    let file = write_pairs(pairs);
    let script = r#"
const semver = require(process.argv[1]);
const lines = require("fs").readFileSync(process.argv[2], "utf8").split("\n");
const out = [];
for (const line of lines) {
  if (line === "") continue;
  const [a, b] = line.split("\t");
  out.push(semver.valid(a) && semver.valid(b) ? String(semver.compare(a, b)) : "x");
}
console.log(out.join("\n"));
"#;
    let lines = run(Command::new("node")
        .args(["-e", script])
        .arg(semver)
        .arg(file.path()))
    .expect("node");
    lines
        .iter()
        .map(|l| l.trim().parse::<i64>().ok().map(ordering_of))
        .collect()
}

/// node-semver keeps numbers below 2^53 and compares longer numeric prerelease identifiers
/// as text; SemVer 2.0 (and plinth) compares them as numbers. Pairs where that matters are
/// left out and counted.
fn beyond_node_numbers(v: &str) -> bool {
    v.split(['.', '-', '+'])
        .any(|id| id.len() > 15 && id.bytes().all(|c| c.is_ascii_digit()))
}

#[test]
fn semver_matches_node_semver() {
    let Some(semver) = node_semver() else {
        println!("skipped: node-semver not found (needs nodejs + npm)");
        return;
    };
    let pairs = make_pairs(
        5,
        2 * PAIRS + 2_000,
        semver_version,
        &["-rc.1", ".1", "-0", "+b", "-alpha.1", "1", "-x"],
    );
    let reference = node_compare(&semver, &pairs);
    let mut beyond = 0;
    let reference: Vec<_> = pairs
        .iter()
        .zip(reference)
        .map(|((a, b), want)| {
            if beyond_node_numbers(a) || beyond_node_numbers(b) {
                beyond += 1;
                None
            } else {
                want
            }
        })
        .collect();
    println!("semver: {beyond} pairs with numbers beyond 2^53 left out (node-semver limit)");
    let (compared, bad) = check(Scheme::Semver, &pairs, &reference);
    report(
        Scheme::Semver,
        "node-semver",
        compared,
        pairs.len() - compared,
        &bad,
    );
}

#[test]
fn go_matches_node_semver() {
    let Some(semver) = node_semver() else {
        println!("skipped: node-semver not found (needs nodejs + npm)");
        return;
    };
    let pairs = make_pairs(
        6,
        PAIRS,
        go_version,
        &[
            "+incompatible",
            "-0.20200101000000-abcdefabcdef",
            ".1",
            "-pre",
        ],
    );
    let reference: Vec<_> = node_compare(&semver, &pairs)
        .into_iter()
        .zip(&pairs)
        .map(|(want, (a, b))| {
            if beyond_node_numbers(a) || beyond_node_numbers(b) {
                None
            } else {
                want
            }
        })
        .collect();
    let (compared, bad) = check(Scheme::Go, &pairs, &reference);
    report(
        Scheme::Go,
        "node-semver",
        compared,
        pairs.len() - compared,
        &bad,
    );
}
