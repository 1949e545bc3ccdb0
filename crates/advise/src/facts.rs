//! Facts about one image, each with the file or record that shows it: OS and end of life,
//! libc, shell, package manager, user, sizes, packages, vulnerabilities, what the entrypoint
//! is, language runtimes, build tools, native extensions, scratch readiness.
//!
//! Everything comes from one walk ([`crate::walk`]). A fact that could not be established
//! says `unknown` and why; nothing is assumed from an image's name.

use std::collections::{BTreeMap, HashSet};

use plinth_catalog::PackageType;
use plinth_image::Image;
use plinth_image::files::Kind;
use plinth_image::report::{self, Report};
use plinth_sbom::Inventory;
use plinth_scan::{Finding, FixStatus, Level, Origin};
use plinth_vulndb::VulnDb;
use serde::Serialize;

use crate::AdviseError;
use crate::elf::{ElfInfo, Toolchain};
use crate::eol::{Eol, EolTable};
use crate::multicall::{self, MultiCall};
use crate::tree::{Resolved, Tree};
use crate::walk::{self, BIN_DIRS, Gather, Kept, Walked};

/// What gathering needs besides the image.
pub struct Options<'a> {
    pub eol: &'a EolTable,
    /// Vulnerability counts are `null` without a database.
    pub db: Option<&'a VulnDb>,
    /// The date end-of-life is judged on (`eol::today()` in the CLI).
    pub today: (i32, u32, u32),
}

/// Everything one walk learned: the facts, and what diff and advice need beside them.
pub struct Gathered {
    pub facts: Facts,
    pub inventory: Inventory,
    pub layers: Report,
    /// Findings that count, when a database was given.
    pub findings: Option<Vec<Finding>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub image: String,
    pub os: OsFacts,
    /// `glibc`, `musl`, `none` or `unknown`.
    pub libc: &'static str,
    pub libc_version: Option<String>,
    /// What shows the libc (or why it is unknown).
    pub libc_evidence: String,
    pub shell: bool,
    /// The shell found (`/bin/sh -> /usr/bin/dash`), or the paths looked at.
    pub shell_evidence: String,
    /// The package manager program present (`apt`, `apk`, `dnf`, `rpm`, ...), or null.
    pub package_manager: Option<String>,
    pub package_manager_evidence: String,
    /// Multi-call binaries (busybox, toybox): their applets are not the programs they are
    /// named after.
    pub multi_call: Vec<MultiCall>,
    /// Why the image is static (no libc, a static entrypoint), with the evidence; null when
    /// it is not.
    pub static_image: Option<String>,
    /// Package databases present even without their program (`rpm`, `dpkg status.d`).
    pub package_databases: Vec<String>,
    pub user: String,
    /// Null when the user is a name the image's /etc/passwd does not resolve.
    pub runs_as_root: Option<bool>,
    pub user_evidence: String,
    pub size: Size,
    pub layers: usize,
    /// The image this one stands on, and how many of its layers are the base's.
    pub base: BaseFact,
    pub packages: Packages,
    pub vulnerabilities: Option<VulnCounts>,
    pub entrypoint: Entrypoint,
    /// Language runtimes present, each with the file that shows it.
    pub runtimes: Vec<Evidence>,
    /// Go and Rust executables, and ELF files in `/usr/local/bin` and `/app`.
    pub binaries: Vec<Binary>,
    pub build_tools: Vec<Evidence>,
    /// Python C extensions and Node native addons, with the libc each was built for.
    pub native_extensions: Vec<NativeExtension>,
    pub jvm: Option<String>,
    pub locale: LocaleFacts,
    pub scratch_readiness: ScratchReadiness,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OsFacts {
    /// `debian`, `alpine`, ... or `unknown`.
    pub id: String,
    pub version_id: Option<String>,
    pub codename: Option<String>,
    pub pretty_name: Option<String>,
    pub eol: Eol,
}

impl OsFacts {
    /// `debian 12`, or `unknown OS (no os-release)`: never an empty string.
    pub fn label(&self) -> String {
        if self.id.is_empty() || self.id == "unknown" {
            return "unknown OS (no os-release)".into();
        }
        match self.version_id.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => format!("{} {v}", self.id),
            None => self.id.clone(),
        }
    }
}

impl Facts {
    /// `package manager apk`, `busybox applets, no package manager` or `no package manager`.
    pub fn package_manager_label(&self) -> String {
        match (&self.package_manager, self.multi_call.first()) {
            (Some(pm), _) => format!("package manager {pm}"),
            (None, Some(m)) => format!("{} applets, no package manager", m.kind),
            (None, None) => "no package manager".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BaseFact {
    /// `org.opencontainers.image.base.name`, when recorded.
    pub name: Option<String>,
    /// `org.opencontainers.image.base.digest`, when recorded.
    pub digest: Option<String>,
    /// Layers that came from the base, from its own manifest or the history.
    pub layers: Option<usize>,
    /// Where each part came from, or what is missing.
    pub evidence: String,
}

impl BaseFact {
    /// `debian:12@sha256:…`, `debian:12`, `@sha256:…` or `unknown`.
    pub fn label(&self) -> String {
        match (&self.name, &self.digest) {
            (Some(n), Some(d)) => format!("{n}@{d}"),
            (Some(n), None) => n.clone(),
            (None, Some(d)) => format!("@{d}"),
            (None, None) => "unknown".into(),
        }
    }
}

fn base_fact(image: &Image) -> BaseFact {
    let base = plinth_scan::base_of(image);
    let who = match &base.named_by {
        Some(by) => format!("the {by} name it (org.opencontainers.image.base.name/.base.digest)"),
        None => "no org.opencontainers.image.base.name or .base.digest annotation or label".into(),
    };
    BaseFact {
        evidence: format!("{who}; {}", base.split_evidence()),
        name: base.name,
        digest: base.digest,
        layers: base.layers,
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Size {
    /// Σ layer blob sizes; null for a directory.
    pub compressed: Option<u64>,
    /// Σ layer tar entry sizes (what `plinth layers` and dive call the image size).
    pub uncompressed: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Packages {
    pub total: usize,
    /// OS packages (deb, apk, rpm).
    pub os: usize,
    pub by_type: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct VulnCounts {
    pub total: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub unknown: usize,
    /// Findings with a fixed version published.
    pub fixable: usize,
    /// Findings in OS packages (what a base-image change can remove).
    pub in_os_packages: usize,
    /// Findings in packages the base image's layers brought, and in those added on top;
    /// null when the image does not show where its base ends (see `base`).
    pub in_base: Option<usize>,
    pub added: Option<usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Evidence {
    pub what: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Library {
    pub name: String,
    /// Where the loader would find it in the image; null when it is not there.
    pub path: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entrypoint {
    /// ENTRYPOINT followed by CMD, as the runtime runs it.
    pub command: Vec<String>,
    /// The program's path as the command names it (found through PATH or WORKDIR).
    pub path: Option<String>,
    /// The file that path leads to through symlinks and hard links, when it is another one.
    pub resolved: Option<String>,
    /// The multi-call binary the program is an applet of (`busybox`), if any.
    pub applet_of: Option<String>,
    /// That file's size in bytes.
    pub size: Option<u64>,
    /// `static-elf`, `dynamic-elf`, `script`, `none` or `unknown`.
    pub kind: &'static str,
    /// The ELF loader, or the script's `#!` interpreter.
    pub interpreter: Option<String>,
    pub libraries: Vec<Library>,
    pub libc: Option<&'static str>,
    /// `go`, `rust`, `python`, `node`, `java`, `dotnet`, `shell`, ...
    pub runtime: Option<String>,
    /// The entrypoint itself is a shell, a shell script, or `sh -c`.
    pub needs_shell: bool,
    /// Why `kind` is `unknown` or `none`.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Binary {
    pub path: String,
    pub toolchain: Option<Toolchain>,
    pub go_version: Option<String>,
    #[serde(rename = "static")]
    pub is_static: bool,
    pub interpreter: Option<String>,
    pub libraries: Vec<Library>,
    pub libc: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NativeExtension {
    pub path: String,
    /// `python` or `node`.
    pub kind: &'static str,
    /// The libc it links against, from its needed libraries or file name; null when unknown.
    pub libc: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocaleFacts {
    /// LANG / LC_ALL from the config.
    pub requested: Option<String>,
    /// Compiled locales present (`/usr/lib/locale/locale-archive` or its directories).
    pub available: Option<String>,
    /// A non-C locale is requested and none is available.
    pub missing: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScratchReadiness {
    pub ca_certificates: Option<String>,
    pub tzdata: Option<String>,
    pub tmp: bool,
    pub passwd: Option<String>,
}

const CA_BUNDLES: &[&str] = &[
    "etc/ssl/certs/ca-certificates.crt",
    "etc/pki/tls/certs/ca-bundle.crt",
    "etc/ssl/cert.pem",
    "etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
];
const SHELLS: &[&str] = &[
    "bin/sh",
    "usr/bin/sh",
    "bin/bash",
    "usr/bin/bash",
    "bin/ash",
    "bin/dash",
];
/// Package manager programs, most specific first, each with the databases one of which must be
/// there too: a program without its database (busybox's `rpm` applet, a leftover binary)
/// manages nothing.
const PACKAGE_MANAGERS: &[(&str, &str, &[&str])] = &[
    ("apt", "usr/bin/apt-get", DPKG_DB),
    ("apk", "sbin/apk", APK_DB),
    ("apk", "usr/bin/apk", APK_DB),
    ("dnf", "usr/bin/dnf", RPM_DB),
    ("microdnf", "usr/bin/microdnf", RPM_DB),
    ("tdnf", "usr/bin/tdnf", RPM_DB),
    ("yum", "usr/bin/yum", RPM_DB),
    ("zypper", "usr/bin/zypper", RPM_DB),
    ("dpkg", "usr/bin/dpkg", DPKG_DB),
    ("dpkg", "bin/dpkg", DPKG_DB),
    ("rpm", "usr/bin/rpm", RPM_DB),
    ("rpm", "bin/rpm", RPM_DB),
];
const DPKG_DB: &[&str] = &["var/lib/dpkg/status"];
const APK_DB: &[&str] = &["lib/apk/db/installed", "usr/lib/apk/db/installed"];
const RPM_DB: &[&str] = &[
    "var/lib/rpm/rpmdb.sqlite",
    "var/lib/rpm/Packages.db",
    "var/lib/rpm/Packages",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages",
];
const COMPILERS: &[&str] = &[
    "gcc", "cc", "g++", "c++", "clang", "clang++", "make", "cmake", "rustc", "cargo", "go",
    "javac", "gfortran", "tcc",
];
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Walks `image` once and establishes its facts.
pub fn gather(image: &Image, opts: &Options) -> Result<Gathered, AdviseError> {
    gather_all(std::slice::from_ref(image), opts).map(|mut all| all.remove(0))
}

/// Establishes the facts of several images, in order, walking the layers they share once.
pub fn gather_all(images: &[Image], opts: &Options) -> Result<Vec<Gathered>, AdviseError> {
    let candidates = images.iter().flat_map(|i| Launch::of(i).candidates());
    let gather = Gather::new(candidates.collect());
    let shared = walk::Shared::new(images);
    images
        .iter()
        .map(|image| gather_one(image, opts, &gather, &shared))
        .collect()
}

/// How the image starts: its command, environment, working directory and PATH.
struct Launch {
    command: Vec<String>,
    env: Vec<String>,
    workdir: String,
    path_dirs: Vec<String>,
}

impl Launch {
    fn of(image: &Image) -> Launch {
        let env = image.config().config.env.clone().unwrap_or_default();
        let workdir = image
            .config()
            .config
            .working_dir
            .clone()
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| "/".into());
        Launch {
            command: command_of(image),
            path_dirs: path_dirs(&env),
            env,
            workdir,
        }
    }

    /// Paths the entrypoint may be at, known before the walk.
    fn candidates(&self) -> HashSet<String> {
        candidates(&self.command, &self.workdir, &self.path_dirs)
    }
}

fn gather_one(
    image: &Image,
    opts: &Options,
    gather: &Gather,
    shared: &walk::Shared,
) -> Result<Gathered, AdviseError> {
    let Launch {
        command,
        env,
        workdir,
        path_dirs,
    } = Launch::of(image);
    let walked = walk::walk(image, gather, shared).map_err(|e| AdviseError::Image(Box::new(e)))?;
    let tree = walked.tree();
    let layers = report::build(image.name(), &image.layers(), &walk::lists(&walked.layers));
    let findings = match opts.db {
        Some(db) => {
            let base = plinth_scan::base_layers_of(image);
            let report = plinth_scan::match_inventory(&walked.inventory, db, base)
                .map_err(|e| AdviseError::Db(Box::new(e)))?;
            Some(
                report
                    .findings
                    .into_iter()
                    .filter(|f| f.suppressed.is_none())
                    .collect::<Vec<_>>(),
            )
        }
        None => None,
    };
    let ctx = Ctx {
        walked: &walked,
        tree: &tree,
        arch: image.config().architecture.clone(),
        multi: multicall::find(&tree),
    };
    let mut warnings: Vec<String> = walked
        .inventory
        .warnings
        .iter()
        .map(|w| format!("{}: {}: {}", w.cataloger, w.path, w.message))
        .collect();
    for l in &walked.layers {
        warnings.extend(l.warnings.iter().cloned());
    }
    let (libc, libc_version, libc_evidence) = libc_fact(&ctx, &walked.inventory);
    let (shell, shell_evidence) = shell_fact(&tree, &ctx.multi);
    let (package_manager, package_manager_evidence) = package_manager_fact(&tree, &ctx.multi);
    let (user, runs_as_root, user_evidence) = user_fact(&ctx, image);
    let scan = scan_tree(&ctx);
    let entrypoint = entrypoint_fact(&ctx, &command, &workdir, &path_dirs);
    let static_image = static_fact(libc, &libc_evidence, &entrypoint);
    let facts = Facts {
        image: image.name().to_string(),
        os: os_fact(&walked.inventory, opts),
        libc,
        libc_version,
        libc_evidence,
        shell,
        shell_evidence,
        package_manager,
        package_manager_evidence,
        package_databases: package_databases(&walked.inventory),
        multi_call: ctx.multi.clone(),
        static_image,
        user,
        runs_as_root,
        user_evidence,
        size: Size {
            compressed: layers.compressed_size,
            uncompressed: layers.total_size,
        },
        layers: layers.layers.len(),
        base: base_fact(image),
        packages: package_counts(&walked.inventory),
        vulnerabilities: findings.as_deref().map(vuln_counts),
        entrypoint,
        runtimes: runtimes(&ctx, &path_dirs),
        binaries: binaries(&ctx),
        build_tools: build_tools(&scan, &walked.inventory),
        native_extensions: scan.native,
        jvm: scan.jvm,
        locale: locale_fact(&env, scan.locale),
        scratch_readiness: ScratchReadiness {
            ca_certificates: CA_BUNDLES
                .iter()
                .find(|p| tree.file(p).is_some())
                .map(|p| format!("/{p}")),
            tzdata: ["usr/share/zoneinfo/UTC", "usr/share/zoneinfo/Etc/UTC"]
                .iter()
                .find(|p| tree.file(p).is_some())
                .map(|_| "/usr/share/zoneinfo".to_string()),
            tmp: tree.is_dir("tmp"),
            passwd: tree.file("etc/passwd").map(|p| format!("/{p}")),
        },
        warnings,
    };
    Ok(Gathered {
        facts,
        inventory: walked.inventory,
        layers,
        findings,
    })
}

struct Ctx<'a> {
    walked: &'a Walked,
    tree: &'a Tree<'a>,
    arch: String,
    multi: Vec<MultiCall>,
}

impl Ctx<'_> {
    fn kept(&self, path: &str) -> Option<&[Kept]> {
        self.walked.kept(self.tree, path)
    }

    fn elf(&self, path: &str) -> Option<&Result<ElfInfo, String>> {
        self.kept(path)?.iter().find_map(|k| match k {
            Kept::Elf(e) => Some(e),
            _ => None,
        })
    }

    /// Directories the dynamic loader searches, for this image.
    fn lib_dirs(&self, runpath: &[String], origin: &str) -> Vec<String> {
        let mut dirs: Vec<String> = runpath
            .iter()
            .map(|d| d.replace("$ORIGIN", origin).replace("${ORIGIN}", origin))
            .collect();
        for conf in ["etc/ld.so.conf"].into_iter().map(String::from).chain(
            self.tree
                .entries()
                .filter(|(p, e, _)| e.kind == Kind::File && p.starts_with(b"etc/ld.so.conf.d/"))
                .map(|(p, _, _)| String::from_utf8_lossy(p).into_owned()),
        ) {
            if let Some(kept) = self.kept(&conf) {
                for k in kept {
                    if let Kept::Text(t) = k {
                        dirs.extend(
                            String::from_utf8_lossy(t)
                                .lines()
                                .map(str::trim)
                                .filter(|l| l.starts_with('/'))
                                .map(String::from),
                        );
                    }
                }
            }
        }
        let triplets: &[&str] = match self.arch.as_str() {
            "amd64" => &["x86_64-linux-gnu"],
            "arm64" => &["aarch64-linux-gnu"],
            "386" => &["i386-linux-gnu"],
            "arm" => &["arm-linux-gnueabihf"],
            _ => &["x86_64-linux-gnu", "aarch64-linux-gnu"],
        };
        for t in triplets {
            dirs.push(format!("/lib/{t}"));
            dirs.push(format!("/usr/lib/{t}"));
        }
        for d in ["/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"] {
            dirs.push(d.into());
        }
        dirs
    }

    fn libraries(&self, info: &ElfInfo, path: &str) -> Vec<Library> {
        let origin = format!("/{}", path.rsplit_once('/').map_or("", |(d, _)| d));
        let dirs = self.lib_dirs(&info.runpath, &origin);
        info.needed
            .iter()
            .map(|name| Library {
                name: name.clone(),
                path: if name.contains('/') {
                    self.tree.file(name).map(|p| format!("/{p}"))
                } else {
                    dirs.iter().find_map(|d| {
                        self.tree
                            .file(&format!("{d}/{name}"))
                            .map(|_| format!("{}/{name}", d.trim_end_matches('/')))
                    })
                },
            })
            .collect()
    }
}

fn command_of(image: &Image) -> Vec<String> {
    let c = &image.config().config;
    let mut argv = c.entrypoint.clone().unwrap_or_default();
    argv.extend(c.cmd.clone().unwrap_or_default());
    argv
}

fn path_dirs(env: &[String]) -> Vec<String> {
    let path = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH);
    path.split(':')
        .filter(|d| d.starts_with('/'))
        .map(String::from)
        .collect()
}

fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') {
        return name.to_string();
    }
    format!("{}/{name}", dir.trim_end_matches('/'))
}

/// Paths the entrypoint may run, known before the walk: the program through PATH or
/// WORKDIR, and file-like arguments (`app.py`, `-jar app.jar`).
fn candidates(command: &[String], workdir: &str, path_dirs: &[String]) -> HashSet<String> {
    let mut out = HashSet::new();
    let strip = |s: String| s.trim_start_matches('/').to_string();
    if let Some(prog) = command.first() {
        if prog.contains('/') {
            out.insert(strip(join(workdir, prog)));
        } else {
            for d in path_dirs {
                out.insert(strip(join(d, prog)));
            }
        }
    }
    for arg in command.iter().skip(1).take(4) {
        if !arg.starts_with('-') && !arg.contains(' ') && !arg.is_empty() {
            out.insert(strip(join(workdir, arg)));
        }
    }
    out
}

fn os_fact(inv: &Inventory, opts: &Options) -> OsFacts {
    match &inv.os {
        Some(os) => OsFacts {
            eol: opts.eol.lookup(
                &os.id,
                os.version_id.as_deref(),
                os.codename.as_deref(),
                opts.today,
            ),
            id: os.id.clone(),
            version_id: os.version_id.clone(),
            codename: os.codename.clone(),
            pretty_name: os.pretty_name.clone(),
        },
        None => OsFacts {
            id: "unknown".into(),
            version_id: None,
            codename: None,
            pretty_name: None,
            eol: Eol {
                release: None,
                date: None,
                past: None,
                source: "unknown: no /etc/os-release or /usr/lib/os-release in the image".into(),
            },
        },
    }
}

fn type_name(t: PackageType) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| format!("{t:?}"))
}

fn package_counts(inv: &Inventory) -> Packages {
    let mut by_type = BTreeMap::new();
    for f in &inv.packages {
        *by_type.entry(type_name(f.package.kind)).or_insert(0) += 1;
    }
    Packages {
        total: inv.packages.len(),
        os: inv
            .packages
            .iter()
            .filter(|f| f.package.kind.is_os())
            .count(),
        by_type,
    }
}

fn package_databases(inv: &Inventory) -> Vec<String> {
    let mut dbs: Vec<String> = inv
        .packages
        .iter()
        .filter(|f| f.package.kind.is_os())
        .map(|f| f.package.found_at.clone())
        .collect();
    dbs.sort();
    dbs.dedup();
    dbs
}

pub(crate) fn vuln_counts(findings: &[Finding]) -> VulnCounts {
    let mut c = VulnCounts {
        total: findings.len(),
        ..VulnCounts::default()
    };
    for f in findings {
        match f.severity.level {
            Level::Critical => c.critical += 1,
            Level::High => c.high += 1,
            Level::Medium => c.medium += 1,
            Level::Low => c.low += 1,
            Level::Unknown => c.unknown += 1,
        }
        if f.status == FixStatus::Fixed {
            c.fixable += 1;
        }
        if f.kind.is_os() {
            c.in_os_packages += 1;
        }
    }
    let split = findings.iter().all(|f| f.origin != Origin::Unknown);
    let count = |o: Origin| split.then(|| findings.iter().filter(|f| f.origin == o).count());
    (c.in_base, c.added) = (count(Origin::Base), count(Origin::Added));
    c
}

fn libc_fact(ctx: &Ctx, inv: &Inventory) -> (&'static str, Option<String>, String) {
    let pkg = |kind: PackageType, name: &str| {
        inv.packages
            .iter()
            .find(|f| f.package.kind == kind && f.package.name == name)
    };
    let musl_loader = ctx
        .tree
        .entries()
        .find(|(p, _, _)| {
            let p = String::from_utf8_lossy(p);
            (p.starts_with("lib/ld-musl-") || p.starts_with("usr/lib/ld-musl-"))
                && p.ends_with(".so.1")
        })
        .map(|(p, _, _)| format!("/{}", String::from_utf8_lossy(p)));
    let glibc_file = ctx
        .tree
        .entries()
        .find(|(p, e, _)| {
            matches!(e.kind, Kind::File | Kind::Symlink) && p.ends_with(b"/libc.so.6")
        })
        .map(|(p, _, _)| String::from_utf8_lossy(p).into_owned());
    if let Some(f) = pkg(PackageType::Apk, "musl") {
        let files = match &musl_loader {
            Some(l) => format!("; {l} is present"),
            None => "; no /lib/ld-musl-*.so.1 file is present".into(),
        };
        return (
            "musl",
            Some(f.package.version.clone()),
            format!(
                "the apk database ({}) lists musl {}{files}",
                f.package.found_at, f.package.version
            ),
        );
    }
    for (kind, name) in [(PackageType::Deb, "libc6"), (PackageType::Rpm, "glibc")] {
        if let Some(f) = pkg(kind, name) {
            return (
                "glibc",
                Some(f.package.version.clone()),
                format!("{} lists {name} {}", f.package.found_at, f.package.version),
            );
        }
    }
    if let Some(l) = musl_loader {
        return ("musl", None, format!("{l} (musl's loader) is present"));
    }
    if let Some(path) = glibc_file {
        let version = ctx.kept(&path).and_then(|k| {
            k.iter().find_map(|k| match k {
                Kept::GlibcVersion(v) => v.clone(),
                _ => None,
            })
        });
        return ("glibc", version, format!("/{path} is present"));
    }
    (
        "none",
        None,
        "no libc package (libc6, glibc, musl), no libc.so.6 and no ld-musl loader in the image"
            .into(),
    )
}

/// An image is static when it has no libc and its entrypoint is a static executable.
fn static_fact(libc: &str, libc_evidence: &str, ep: &Entrypoint) -> Option<String> {
    if libc != "none" || ep.kind != "static-elf" {
        return None;
    }
    let path = ep.path.as_deref().unwrap_or("?");
    let via = ep
        .resolved
        .as_deref()
        .map_or(String::new(), |r| format!(" (the file {r})"));
    Some(format!(
        "{libc_evidence}; the entrypoint {path}{via} is a static ELF (no interpreter, no needed libraries)"
    ))
}

fn shell_fact(tree: &Tree, multi: &[MultiCall]) -> (bool, String) {
    for sh in SHELLS {
        if let Some(file) = tree.file(sh) {
            let applet = multicall::of(multi, &file)
                .map_or(String::new(), |m| format!(", a {} applet", m.kind));
            return (true, format!("{}{applet}", named(tree, sh, &file)));
        }
    }
    (
        false,
        "none of /bin/sh, /usr/bin/sh, /bin/bash, /bin/ash, /bin/dash leads to a file".into(),
    )
}

fn package_manager_fact(tree: &Tree, multi: &[MultiCall]) -> (Option<String>, String) {
    let mut passed_over = Vec::new();
    let mut seen = HashSet::new();
    for (name, path, dbs) in PACKAGE_MANAGERS {
        let Some(file) = tree.file(path) else {
            continue;
        };
        // `/bin/rpm` and `/usr/bin/rpm` of a merged /usr are one program.
        if !seen.insert((file.clone(), *name)) {
            continue;
        }
        let shown = named(tree, path, &file);
        if let Some(m) = multicall::of(multi, &file) {
            passed_over.push(format!("{shown} is a {} applet", m.kind));
            continue;
        }
        match dbs.iter().find(|db| tree.file(db).is_some()) {
            Some(db) => {
                return (
                    Some((*name).into()),
                    format!("{shown} with its database /{db}"),
                );
            }
            None => passed_over.push(format!(
                "{shown} without its database (none of /{})",
                dbs.join(", /")
            )),
        }
    }
    let why = if passed_over.is_empty() {
        "no apt-get, apk, dnf, microdnf, tdnf, yum, zypper, dpkg or rpm program".to_string()
    } else {
        passed_over.join("; ")
    };
    match multi.first() {
        Some(m) => (
            None,
            format!("{} applets, no package manager: {why}", m.kind),
        ),
        None => (None, why),
    }
}

/// `path` as the user named it (`/bin/sh`), with the file it leads to when that is another.
fn named(tree: &Tree, path: &str, file: &str) -> String {
    let path = path.trim_start_matches('/');
    if path == file {
        return format!("/{path}");
    }
    match tree.get(path) {
        Some((e, _)) if e.kind == Kind::Hardlink => format!("/{path} (hard link to /{file})"),
        _ => format!("/{path} -> /{file}"),
    }
}

fn user_fact(ctx: &Ctx, image: &Image) -> (String, Option<bool>, String) {
    let raw = image.config().config.user.clone().unwrap_or_default();
    if raw.is_empty() {
        return (
            "root".into(),
            Some(true),
            "the config sets no USER, so the container runs as root (uid 0)".into(),
        );
    }
    let name = raw.split(':').next().unwrap_or(&raw).to_string();
    if let Ok(uid) = name.parse::<u32>() {
        return (
            raw.clone(),
            Some(uid == 0),
            format!("the config sets USER {raw} (numeric uid {uid})"),
        );
    }
    let passwd = ctx.kept("etc/passwd").and_then(|k| {
        k.iter().find_map(|k| match k {
            Kept::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
            _ => None,
        })
    });
    let uid = passwd.as_deref().and_then(|p| {
        p.lines().find_map(|l| {
            let mut f = l.split(':');
            (f.next() == Some(name.as_str()))
                .then(|| f.nth(1).and_then(|u| u.parse::<u32>().ok()))
                .flatten()
        })
    });
    match (uid, passwd.is_some()) {
        (Some(uid), _) => (
            raw.clone(),
            Some(uid == 0),
            format!("the config sets USER {raw}; /etc/passwd gives uid {uid}"),
        ),
        (None, true) => (
            raw.clone(),
            None,
            format!(
                "the config sets USER {raw}, which /etc/passwd does not list: the container will not start"
            ),
        ),
        (None, false) => (
            raw.clone(),
            None,
            format!("the config sets USER {raw}, but the image has no /etc/passwd to resolve it"),
        ),
    }
}

fn entrypoint_fact(
    ctx: &Ctx,
    command: &[String],
    workdir: &str,
    path_dirs: &[String],
) -> Entrypoint {
    let mut ep = Entrypoint {
        command: command.to_vec(),
        path: None,
        resolved: None,
        applet_of: None,
        size: None,
        kind: "unknown",
        interpreter: None,
        libraries: Vec::new(),
        libc: None,
        runtime: None,
        needs_shell: false,
        reason: None,
    };
    let Some(prog) = command.first() else {
        ep.kind = "none";
        ep.reason = Some("the config has no ENTRYPOINT and no CMD".into());
        return ep;
    };
    let (shown, resolved) = if prog.contains('/') {
        let p = join(workdir, prog);
        (p.clone(), ctx.tree.resolve(&p))
    } else {
        path_dirs
            .iter()
            .map(|d| {
                let p = join(d, prog);
                (p.clone(), ctx.tree.resolve(&p))
            })
            .find(|(_, r)| {
                matches!(
                    r,
                    Resolved::Found {
                        kind: Kind::File,
                        ..
                    }
                )
            })
            .unwrap_or_else(|| {
                (
                    prog.clone(),
                    Resolved::Missing {
                        path: format!("{prog} in PATH ({})", path_dirs.join(":")),
                    },
                )
            })
    };
    let path = match resolved {
        Resolved::Found {
            path,
            kind: Kind::File,
        } => path,
        Resolved::Found { path, kind } => {
            ep.reason = Some(format!("/{path} is a {kind:?}, not a program").to_lowercase());
            return ep;
        }
        Resolved::Missing { path } => {
            ep.reason = Some(format!("{prog}: not found ({path})"));
            return ep;
        }
        Resolved::Broken { link, target } => {
            ep.reason = Some(format!("{prog}: broken symlink {link} -> {target}"));
            return ep;
        }
        Resolved::Loop { link } => {
            ep.reason = Some(format!("{prog}: symlink loop at /{link}"));
            return ep;
        }
    };
    // The path shown is the one the command names; the file it leads to gives the facts.
    let shown = format!("/{}", shown.trim_start_matches('/'));
    if shown.trim_start_matches('/') != path {
        ep.resolved = Some(format!("/{path}"));
    }
    ep.path = Some(shown);
    ep.applet_of = multicall::of(&ctx.multi, &path).map(|m| m.kind.clone());
    ep.size = ctx.tree.get(&path).map(|(_, at)| ctx.tree.size(at));
    let name = path.rsplit('/').next().unwrap_or(&path);
    let called = prog.rsplit('/').next().unwrap_or(prog);
    ep.runtime = runtime_of(called)
        .or_else(|| runtime_of(name))
        .map(String::from);
    match ctx.kept(&path) {
        Some(kept) => match kept
            .iter()
            .find(|k| matches!(k, Kept::Elf(_) | Kept::Script(_) | Kept::Opaque))
        {
            Some(Kept::Elf(Ok(info))) => {
                ep.kind = if info.is_static {
                    "static-elf"
                } else {
                    "dynamic-elf"
                };
                ep.interpreter = info.interpreter.clone();
                ep.libraries = ctx.libraries(info, &path);
                ep.libc = info.libc;
                if ep.runtime.is_none() {
                    ep.runtime = info.toolchain.map(|t| {
                        match t {
                            Toolchain::Go => "go",
                            Toolchain::Rust => "rust",
                        }
                        .to_string()
                    });
                }
            }
            Some(Kept::Elf(Err(why))) => {
                ep.reason = Some(format!("/{path}: unreadable ELF: {why}"));
            }
            Some(Kept::Script(line)) => {
                ep.kind = "script";
                let interp = script_interpreter(line);
                if let Some(i) = &interp {
                    let base = i.rsplit('/').next().unwrap_or(i);
                    if ep.runtime.is_none() {
                        ep.runtime = runtime_of(base).map(String::from);
                    }
                }
                ep.interpreter = interp;
            }
            _ => {
                ep.reason = Some(format!("/{path}: neither an ELF file nor a #! script"));
            }
        },
        None => {
            ep.reason = Some(format!(
                "/{path} was not read in the walk (reached through a symlink outside the bin directories)"
            ));
        }
    }
    // Launchers: `python app.py`, `java -jar x.jar`, `node server.js` name the runtime; `sh -c`
    // needs a shell.
    ep.needs_shell = ep.runtime.as_deref() == Some("shell");
    ep
}

/// `/usr/bin/env -S python3 -u` → `python3`; `/bin/sh -e` → `/bin/sh`.
fn script_interpreter(line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    let first = words.next()?;
    if first.ends_with("/env") {
        return words.find(|w| !w.starts_with('-')).map(String::from);
    }
    Some(first.to_string())
}

fn runtime_of(name: &str) -> Option<&'static str> {
    let n = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    Some(match n {
        "python" | "pypy" => "python",
        "node" | "nodejs" | "bun" | "deno" => "node",
        "java" => "java",
        "dotnet" => "dotnet",
        "ruby" => "ruby",
        "php" | "php-fpm" => "php",
        "sh" | "bash" | "dash" | "ash" | "zsh" | "busybox" => "shell",
        _ => return None,
    })
}

fn runtimes(ctx: &Ctx, path_dirs: &[String]) -> Vec<Evidence> {
    let mut out: Vec<Evidence> = Vec::new();
    let mut seen = HashSet::new();
    for (p, e, _) in ctx.tree.entries() {
        if !matches!(e.kind, Kind::File | Kind::Symlink) {
            continue;
        }
        let p = String::from_utf8_lossy(p);
        let (dir, base) = p.rsplit_once('/').unwrap_or(("", &p));
        let in_path = path_dirs.iter().any(|d| d.trim_start_matches('/') == dir)
            || BIN_DIRS.contains(&dir)
            || dir.ends_with("/bin");
        let Some(rt) = runtime_of(base).filter(|r| *r != "shell") else {
            continue;
        };
        // `python3-config` and friends do not count; the name must be the interpreter's.
        if in_path && seen.insert(rt) && ctx.tree.file(&p).is_some() {
            out.push(Evidence {
                what: rt.into(),
                path: format!("/{p}"),
            });
        }
    }
    let site = ctx.tree.entries().find(|(p, e, _)| {
        e.kind == Kind::Dir && (p.ends_with(b"/site-packages") || p.ends_with(b"/dist-packages"))
    });
    if let Some((p, _, _)) = site
        && !seen.contains("python")
    {
        out.push(Evidence {
            what: "python packages (no interpreter found)".into(),
            path: format!("/{}", String::from_utf8_lossy(p)),
        });
    }
    for b in binaries(ctx) {
        if let Some(t) = b.toolchain {
            let what = match t {
                Toolchain::Go => "go",
                Toolchain::Rust => "rust",
            };
            if seen.insert(what) {
                out.push(Evidence {
                    what: format!("{what} binary"),
                    path: b.path.clone(),
                });
            }
        }
    }
    out
}

fn binaries(ctx: &Ctx) -> Vec<Binary> {
    let mut out = Vec::new();
    for (p, e, _) in ctx.tree.entries() {
        if e.kind != Kind::File {
            continue;
        }
        let p = String::from_utf8_lossy(p);
        let Some(Ok(info)) = ctx.elf(&p) else {
            continue;
        };
        let local = p.starts_with("usr/local/bin/") || p.starts_with("app/");
        if info.toolchain.is_none() && !local {
            continue;
        }
        if walk::is_native_extension(&p) {
            continue;
        }
        out.push(Binary {
            path: format!("/{p}"),
            toolchain: info.toolchain,
            go_version: info.go_version.clone(),
            is_static: info.is_static,
            interpreter: info.interpreter.clone(),
            libraries: ctx.libraries(info, &p),
            libc: info.libc,
        });
    }
    out
}

/// Facts read from the merged listing alone (names and sizes).
struct Scan {
    compilers: Vec<Evidence>,
    cache_bytes: BTreeMap<&'static str, u64>,
    native: Vec<NativeExtension>,
    jvm: Option<String>,
    locale: Option<String>,
}

fn scan_tree(ctx: &Ctx) -> Scan {
    let mut s = Scan {
        compilers: Vec::new(),
        cache_bytes: BTreeMap::new(),
        native: Vec::new(),
        jvm: None,
        locale: None,
    };
    for (p, e, at) in ctx.tree.entries() {
        let p = String::from_utf8_lossy(p);
        let (dir, base) = p.rsplit_once('/').unwrap_or(("", &p));
        if matches!(e.kind, Kind::File | Kind::Symlink)
            && (BIN_DIRS.contains(&dir) || dir.ends_with("go/bin"))
            && COMPILERS.contains(&base)
            // A busybox `make`-style applet is not a toolchain.
            && ctx
                .tree
                .file(&p)
                .is_some_and(|f| multicall::of(&ctx.multi, &f).is_none())
        {
            s.compilers.push(Evidence {
                what: format!("{base} (compiler or build tool)"),
                path: format!("/{p}"),
            });
        }
        if e.kind == Kind::File {
            if let Some(cache) = cache_kind(&p) {
                *s.cache_bytes.entry(cache).or_insert(0) += ctx.tree.size(at);
            }
            if walk::is_native_extension(&p) {
                let libc = match ctx.elf(&p) {
                    Some(Ok(info)) => info.libc,
                    _ => None,
                }
                .or(if base.contains("musl") {
                    Some("musl")
                } else if base.contains("-linux-gnu") {
                    Some("glibc")
                } else {
                    None
                });
                s.native.push(NativeExtension {
                    path: format!("/{p}"),
                    kind: if base.ends_with(".node") {
                        "node"
                    } else {
                        "python"
                    },
                    libc,
                });
            }
            if base == "libjvm.so" && s.jvm.is_none() {
                s.jvm = Some(format!("/{p}"));
            }
        }
        if s.locale.is_none()
            && (p == "usr/lib/locale/locale-archive"
                || (dir == "usr/lib/locale" && e.kind == Kind::Dir && base != "C.utf8"))
        {
            s.locale = Some(format!("/{p}"));
        }
    }
    s
}

/// Package-manager caches that a final image should not carry.
fn cache_kind(p: &str) -> Option<&'static str> {
    let is = |prefix: &str| p.starts_with(prefix);
    if is("var/cache/apt/archives/") && p.ends_with(".deb")
        || is("var/lib/apt/lists/") && !p.ends_with("/lock") && !p.contains("/partial/")
        || is("var/cache/apt/") && p.ends_with(".bin")
    {
        Some("apt cache (/var/cache/apt, /var/lib/apt/lists)")
    } else if is("var/cache/apk/") {
        Some("apk cache (/var/cache/apk)")
    } else if is("var/cache/dnf/") || is("var/cache/yum/") {
        Some("dnf/yum cache (/var/cache/dnf, /var/cache/yum)")
    } else if is("root/.cache/pip/") {
        Some("pip cache (/root/.cache/pip)")
    } else if is("root/.npm/_cacache/") {
        Some("npm cache (/root/.npm)")
    } else if is("root/.cargo/registry/") || is("usr/local/cargo/registry/") {
        Some("cargo registry cache")
    } else if is("root/go/pkg/mod/") || is("go/pkg/mod/") {
        Some("Go module cache")
    } else {
        None
    }
}

fn build_tools(scan: &Scan, inv: &Inventory) -> Vec<Evidence> {
    let mut out = scan.compilers.clone();
    for f in inv.packages.iter().filter(|f| f.package.kind.is_os()) {
        let n = &f.package.name;
        let dev = n.ends_with("-dev") || n.ends_with("-devel") || n.ends_with("-headers");
        let tool = matches!(
            n.as_str(),
            "gcc"
                | "g++"
                | "clang"
                | "make"
                | "cmake"
                | "build-essential"
                | "build-base"
                | "binutils"
        ) || ((n.starts_with("gcc-") || n.starts_with("g++-")) && !n.ends_with("-base"));
        if dev || tool {
            out.push(Evidence {
                what: format!(
                    "{} package {n} {}",
                    type_name(f.package.kind),
                    f.package.version
                ),
                path: f.package.found_at.clone(),
            });
        }
    }
    for (what, bytes) in &scan.cache_bytes {
        out.push(Evidence {
            what: format!("{what}: {bytes} bytes"),
            path: what
                .split_once('(')
                .map_or(String::new(), |(_, p)| p.trim_end_matches(')').into()),
        });
    }
    out
}

fn locale_fact(env: &[String], available: Option<String>) -> LocaleFacts {
    let requested = ["LC_ALL=", "LANG="]
        .iter()
        .find_map(|k| env.iter().find_map(|e| e.strip_prefix(k)))
        .filter(|v| !v.is_empty())
        .map(String::from);
    let plain = |v: &str| matches!(v, "C" | "POSIX" | "C.UTF-8" | "C.utf8");
    LocaleFacts {
        missing: requested.as_deref().is_some_and(|r| !plain(r)) && available.is_none(),
        requested,
        available,
    }
}
