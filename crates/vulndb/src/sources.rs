//! Where `db update` fetches from: the upstream publication points, mirrors that serve the same
//! paths, and the small config file that names them.
//!
//! Every source has a path that is the same on the upstream host and on any mirror
//! (`/PyPI/all.zip`, `/v3.20/main.json`, `/tracker/data/json`), so a mirror is just a base URL.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ecosystem::canonical_ecosystem;
use crate::error::DbError;
use crate::locate::Locate;

const OSV_UPSTREAM: &str = "https://osv-vulnerabilities.storage.googleapis.com";
const ALPINE_UPSTREAM: &str = "https://secdb.alpinelinux.org";
const DEBIAN_UPSTREAM: &str = "https://security-tracker.debian.org";
const AZURE_LINUX_UPSTREAM: &str =
    "https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main";
const SUSE_UPSTREAM: &str = "https://ftp.suse.com/pub/projects/security/oval";
const RED_HAT_UPSTREAM: &str = "https://security.access.redhat.com/data/csaf/v2/vex";
const AMAZON_UPSTREAM: &str = "https://cdn.amazonlinux.com";

/// Ecosystems whose vendor feeds `db update` fetches only when `--ecosystems` (or the config's
/// `ecosystems`) names them: Red Hat's VEX archive holds a file for every CVE Red Hat has rated
/// and SUSE's OVAL every SLE 15 product, large downloads only users of those distros need;
/// Amazon's are small but useful only to those who run Amazon Linux.
pub const OPT_IN_ECOSYSTEMS: &[&str] = &["Red Hat", "Amazon Linux", "SUSE", "openSUSE"];

/// Azure Linux and CBL-Mariner OVAL files fetched by default (the release is in the name).
pub const DEFAULT_AZURE_LINUX: &[&str] = &["azurelinux-3.0-oval.xml", "cbl-mariner-2.0-oval.xml"];

/// OSV exports fetched by default. Alpine and Debian come from their own feeds instead (the
/// vendors' primary data, keyed by source package), so their OSV exports are opt-in.
pub const DEFAULT_OSV_ECOSYSTEMS: &[&str] = &[
    "Go",
    "PyPI",
    "npm",
    "crates.io",
    "Maven",
    "RubyGems",
    "NuGet",
    "Packagist",
    "Ubuntu",
    "Rocky Linux",
    "AlmaLinux",
    "Wolfi",
    "Chainguard",
];

/// Alpine secdb releases and repositories fetched by default.
pub const DEFAULT_ALPINE: &[&str] = &[
    "v3.18/main",
    "v3.18/community",
    "v3.19/main",
    "v3.19/community",
    "v3.20/main",
    "v3.20/community",
    "v3.21/main",
    "v3.21/community",
    "v3.22/main",
    "v3.22/community",
];

/// One feed to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSource {
    /// The name it is stored under: `osv/PyPI`, `alpine-secdb/v3.20/main`, `debian-tracker`.
    pub name: String,
    /// The ecosystem base it serves (`PyPI`, `Alpine`, `Debian`), for `--ecosystems`.
    pub ecosystem: String,
    /// Its upstream host, used when no mirror is configured.
    pub upstream: String,
    /// Its path, the same on upstream and on mirrors.
    pub path: String,
    /// Whether the path is the feed or an index naming it.
    pub locate: Locate,
}

impl FeedSource {
    /// OSV's per-ecosystem export.
    pub fn osv(ecosystem: &str) -> FeedSource {
        let ecosystem = canonical_ecosystem(ecosystem);
        FeedSource {
            name: format!("osv/{ecosystem}"),
            path: format!("/{}/all.zip", ecosystem.replace(' ', "%20")),
            ecosystem,
            upstream: OSV_UPSTREAM.into(),
            locate: Locate::Direct,
        }
    }

    /// One Alpine secdb file, `release_repo` like `v3.20/main`.
    pub fn alpine(release_repo: &str) -> FeedSource {
        let release_repo = release_repo.trim().trim_matches('/');
        FeedSource {
            name: format!("alpine-secdb/{release_repo}"),
            ecosystem: "Alpine".into(),
            upstream: ALPINE_UPSTREAM.into(),
            path: format!("/{release_repo}.json"),
            locate: Locate::Direct,
        }
    }

    /// The apk secdb of a rolling distro: `Wolfi` (`packages.wolfi.dev/os/security.json`) or
    /// `Chainguard` (`packages.cgr.dev/chainguard/security.json`). Their `"0"` entries say "not
    /// affected", which outweighs an OSV record of the same problem.
    pub fn apk_secdb(ecosystem: &str) -> FeedSource {
        let (host, repo) = match ecosystem {
            "Chainguard" => ("https://packages.cgr.dev", "chainguard"),
            _ => ("https://packages.wolfi.dev", "os"),
        };
        FeedSource {
            name: format!("{}-secdb", ecosystem.to_ascii_lowercase()),
            ecosystem: ecosystem.into(),
            upstream: host.into(),
            path: format!("/{repo}/security.json"),
            locate: Locate::Direct,
        }
    }

    /// One Azure Linux / CBL-Mariner OVAL file (`azurelinux-3.0-oval.xml`), stored as
    /// `azure-linux-oval/<file>`: the parser reads the release from that name.
    pub fn azure_linux_oval(file: &str) -> FeedSource {
        FeedSource {
            name: format!("azure-linux-oval/{file}"),
            ecosystem: "Azure Linux".into(),
            upstream: AZURE_LINUX_UPSTREAM.into(),
            path: format!("/{file}"),
            locate: Locate::Direct,
        }
    }

    /// One SUSE OVAL file (`suse.linux.enterprise.server.15.xml.gz`, `opensuse.leap.15.6.xml.gz`).
    pub fn suse_oval(file: &str) -> FeedSource {
        FeedSource {
            name: format!("suse-oval/{file}"),
            ecosystem: if file.starts_with("opensuse") {
                "openSUSE".into()
            } else {
                "SUSE".into()
            },
            upstream: SUSE_UPSTREAM.into(),
            path: format!("/{file}"),
            locate: Locate::Direct,
        }
    }

    /// Red Hat's CSAF VEX files, all of them: the archive `archive_latest.txt` names
    /// (`csaf_vex_2025-01-05.tar.zst`).
    pub fn red_hat_csaf_vex() -> FeedSource {
        FeedSource {
            name: "redhat-csaf-vex".into(),
            ecosystem: "Red Hat".into(),
            upstream: RED_HAT_UPSTREAM.into(),
            path: "/archive_latest.txt".into(),
            locate: Locate::LatestName,
        }
    }

    /// Amazon Linux's ALAS advisories of one release (`2`, `2023`): the `updateinfo` of its core
    /// repository, found through the repository's `mirror.list`.
    pub fn amazon_alas(release: &str) -> FeedSource {
        let path = match release {
            "2023" => "/al2023/core/mirrors/latest/x86_64/mirror.list".to_string(),
            other => format!("/{other}/core/latest/x86_64/mirror.list"),
        };
        FeedSource {
            name: format!("amazon-alas/{release}"),
            ecosystem: "Amazon Linux".into(),
            upstream: AMAZON_UPSTREAM.into(),
            path,
            locate: Locate::YumMirrorList,
        }
    }

    /// Debian's security tracker JSON.
    pub fn debian_tracker() -> FeedSource {
        FeedSource {
            name: "debian-tracker".into(),
            ecosystem: "Debian".into(),
            upstream: DEBIAN_UPSTREAM.into(),
            path: "/tracker/data/json".into(),
            locate: Locate::Direct,
        }
    }

    /// The URLs to try in order: each mirror's, or upstream's when there is no mirror.
    pub fn urls(&self, mirrors: &[String]) -> Vec<String> {
        if mirrors.is_empty() {
            return vec![format!("{}{}", self.upstream, self.path)];
        }
        mirrors
            .iter()
            .map(|m| format!("{}{}", m.trim_end_matches('/'), self.path))
            .collect()
    }
}

/// The default set: OSV for language and remaining distro ecosystems, Alpine secdb, Debian
/// tracker, Wolfi and Chainguard secdb.
pub fn default_sources() -> Vec<FeedSource> {
    let mut out: Vec<FeedSource> = DEFAULT_OSV_ECOSYSTEMS
        .iter()
        .map(|e| FeedSource::osv(e))
        .collect();
    out.extend(DEFAULT_ALPINE.iter().map(|r| FeedSource::alpine(r)));
    out.push(FeedSource::debian_tracker());
    out.extend(["Wolfi", "Chainguard"].map(FeedSource::apk_secdb));
    out.extend(
        DEFAULT_AZURE_LINUX
            .iter()
            .map(|f| FeedSource::azure_linux_oval(f)),
    );
    out
}

/// The vendor feeds of an opt-in ecosystem ([`OPT_IN_ECOSYSTEMS`]); empty for others.
pub fn opt_in_sources(ecosystem: &str) -> Vec<FeedSource> {
    match ecosystem {
        "Red Hat" => vec![FeedSource::red_hat_csaf_vex()],
        "Amazon Linux" => vec![
            FeedSource::amazon_alas("2"),
            FeedSource::amazon_alas("2023"),
        ],
        "SUSE" => vec![FeedSource::suse_oval(
            "suse.linux.enterprise.server.15.xml.gz",
        )],
        "openSUSE" => vec![FeedSource::suse_oval("opensuse.leap.15.6.xml.gz")],
        _ => Vec::new(),
    }
}

/// Keeps the sources whose ecosystem is in `wanted` (case-insensitive, canonical names). An
/// opt-in ecosystem adds its vendor feeds; another with no default source, such as `Debian` via
/// OSV, adds its OSV export.
pub fn select(sources: Vec<FeedSource>, wanted: &[String]) -> Vec<FeedSource> {
    if wanted.is_empty() {
        return sources;
    }
    let wanted: Vec<String> = wanted
        .iter()
        .map(|w| crate::ecosystem::ecosystem_base(&canonical_ecosystem(w)).to_string())
        .collect();
    let mut out: Vec<FeedSource> = sources
        .into_iter()
        .filter(|s| wanted.iter().any(|w| w.eq_ignore_ascii_case(&s.ecosystem)))
        .collect();
    for w in &wanted {
        if !out.iter().any(|s| s.ecosystem.eq_ignore_ascii_case(w)) {
            let vendor = opt_in_sources(w);
            if vendor.is_empty() {
                out.push(FeedSource::osv(w));
            }
            out.extend(vendor);
        }
    }
    out
}

/// Settings for `db update`, from flags and the config file.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// Feeds to fetch (normally [`default_sources`], filtered by [`select`]).
    pub sources: Vec<FeedSource>,
    /// Mirror base URLs tried in order; empty means upstream.
    pub mirrors: Vec<String>,
    /// Connect timeout and the longest wait for any single read (a stalled server fails after
    /// this, a slow but moving one does not).
    pub timeout: Duration,
    /// Extra attempts per URL after the first, for 5xx, timeouts and broken transfers.
    pub retries: u32,
    /// Wait before the first retry; doubles each time.
    pub backoff: Duration,
    /// Downloads running at once.
    pub parallel: usize,
    /// Draw progress bars on stderr (only when it is a terminal).
    pub progress: bool,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        UpdateOptions {
            sources: default_sources(),
            mirrors: Vec::new(),
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(500),
            parallel: 4,
            progress: true,
        }
    }
}

/// The config file's settings. Format: `key = value` lines, `#` comments:
///
/// ```text
/// mirror = https://mirror.example/vulndb      # repeatable, tried in order
/// ecosystems = Go, PyPI, Alpine, Debian
/// alpine = v3.20/main, v3.20/community         # replaces the default Alpine list
/// osv = Go, PyPI, Ubuntu                        # replaces the default OSV list
/// timeout = 30
/// retries = 3
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub mirrors: Vec<String>,
    pub ecosystems: Vec<String>,
    pub alpine: Option<Vec<String>>,
    pub osv: Option<Vec<String>>,
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
}

impl Config {
    /// `$XDG_CONFIG_HOME/plinth/db.conf`, else `~/.config/plinth/db.conf`.
    pub fn default_path() -> PathBuf {
        std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .unwrap_or_else(|| PathBuf::from(".config"))
            .join("plinth")
            .join("db.conf")
    }

    /// Reads a config file; a missing file at the default path is an empty config.
    pub fn load(path: &Path) -> Result<Config, DbError> {
        let text = std::fs::read_to_string(path).map_err(|e| DbError::io(path, e))?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses config text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, DbError> {
        let mut config = Config::default();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let bad = |message: String| DbError::Config {
                origin: format!("{origin}:{}", n + 1),
                message,
            };
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| bad(format!("expected `key = value`, got `{line}`")))?;
            let value = value.trim();
            let list = || {
                value
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            };
            match key.trim() {
                "mirror" => config.mirrors.push(value.to_string()),
                "ecosystems" => config.ecosystems.extend(list()),
                "alpine" => config.alpine = Some(list()),
                "osv" => config.osv = Some(list()),
                "timeout" => {
                    let secs: f64 = value.parse().map_err(|_| {
                        bad(format!("timeout `{value}` is not a number of seconds"))
                    })?;
                    config.timeout = Some(Duration::from_secs_f64(secs.max(0.001)));
                }
                "retries" => {
                    config.retries = Some(
                        value
                            .parse()
                            .map_err(|_| bad(format!("retries `{value}` is not a count")))?,
                    )
                }
                other => return Err(bad(format!("unknown key `{other}`"))),
            }
        }
        Ok(config)
    }

    /// The sources this config selects, before `--ecosystems`.
    pub fn sources(&self) -> Vec<FeedSource> {
        let osv: Vec<FeedSource> = match &self.osv {
            Some(list) => list.iter().map(|e| FeedSource::osv(e)).collect(),
            None => DEFAULT_OSV_ECOSYSTEMS
                .iter()
                .map(|e| FeedSource::osv(e))
                .collect(),
        };
        let alpine: Vec<FeedSource> = match &self.alpine {
            Some(list) => list.iter().map(|r| FeedSource::alpine(r)).collect(),
            None => DEFAULT_ALPINE
                .iter()
                .map(|r| FeedSource::alpine(r))
                .collect(),
        };
        let mut out = osv;
        out.extend(alpine);
        out.push(FeedSource::debian_tracker());
        out.extend(["Wolfi", "Chainguard"].map(FeedSource::apk_secdb));
        out.extend(
            DEFAULT_AZURE_LINUX
                .iter()
                .map(|f| FeedSource::azure_linux_oval(f)),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_upstream_paths() {
        assert_eq!(
            FeedSource::osv("Rocky Linux").urls(&[]),
            ["https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip"]
        );
        assert_eq!(
            FeedSource::alpine("v3.20/main").urls(&[]),
            ["https://secdb.alpinelinux.org/v3.20/main.json"]
        );
        assert_eq!(
            FeedSource::apk_secdb("Chainguard").urls(&[]),
            ["https://packages.cgr.dev/chainguard/security.json"]
        );
        assert_eq!(FeedSource::apk_secdb("Wolfi").name, "wolfi-secdb");
        assert_eq!(
            FeedSource::debian_tracker().urls(&[]),
            ["https://security-tracker.debian.org/tracker/data/json"]
        );
        let mirrors = vec!["http://a/".to_string(), "http://b/x".to_string()];
        assert_eq!(
            FeedSource::osv("PyPI").urls(&mirrors),
            ["http://a/PyPI/all.zip", "http://b/x/PyPI/all.zip"]
        );
    }

    #[test]
    fn selection_and_config() {
        let picked = select(
            default_sources(),
            &["pypi".into(), "Alpine".into(), "Debian:12".into()],
        );
        let names: Vec<_> = picked.iter().map(|s| s.name.as_str()).collect();
        assert!(names.contains(&"osv/PyPI"));
        assert!(names.contains(&"alpine-secdb/v3.20/main"));
        assert!(names.contains(&"debian-tracker"));
        assert!(!names.iter().any(|n| n.starts_with("osv/Debian")));
        assert!(!names.contains(&"osv/Go"));
        let vendors = select(
            default_sources(),
            &["Red Hat".into(), "amazon linux".into(), "SUSE".into()],
        );
        let names: Vec<_> = vendors.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "redhat-csaf-vex",
                "amazon-alas/2",
                "amazon-alas/2023",
                "suse-oval/suse.linux.enterprise.server.15.xml.gz"
            ]
        );
        assert!(default_sources().iter().all(|s| {
            !OPT_IN_ECOSYSTEMS
                .iter()
                .any(|e| s.ecosystem.eq_ignore_ascii_case(e))
        }));

        let config = Config::parse("mirror = http://m1\nmirror = http://m2 # second\nosv = Go\nalpine = v3.20/main\ntimeout = 2\n", "test").unwrap();
        assert_eq!(config.mirrors, ["http://m1", "http://m2"]);
        assert_eq!(config.sources().len(), 7);
        assert_eq!(config.timeout, Some(Duration::from_secs(2)));
        let err = Config::parse("bogus = 1", "db.conf")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "db.conf:1: unknown key `bogus`");
    }
}
