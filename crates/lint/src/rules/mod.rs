//! The rule registry: every rule's stable ID, default severity, hadolint counterpart,
//! message, fix hint and documentation, in one table, and the checks that find them.
//!
//! Rule IDs are stable: `PL1xx` base images and stages, `PL2xx` what `RUN` does,
//! `PL3xx` other instructions, `PL4xx` layers and build cache, `PL5xx` users and secrets.

mod images;
mod instructions;
mod layers;
mod privilege;
mod run;
mod toolchain;

use crate::config::Config;
use crate::diagnostic::Severity;
use crate::model::Dockerfile;

/// A lint rule's description. The check itself lives in the module for its group.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    /// hadolint's rule with the same meaning, so configs and pragmas written for hadolint
    /// keep working and reports can show both IDs.
    pub hadolint: Option<&'static str>,
    pub severity: Severity,
    /// Off unless enabled in the config (`enable:`) or given a severity in `override:`.
    pub opt_in: bool,
    pub message: &'static str,
    pub hint: &'static str,
    /// What `plinth lint --explain ID` prints after the header.
    pub doc: &'static str,
}

/// A finding before config, pragmas and the path are applied.
#[derive(Debug)]
pub struct Finding {
    pub rule: &'static str,
    pub line: usize,
    pub end_line: usize,
    /// Replaces the rule's generic message when the check knows more.
    pub message: Option<String>,
}

/// Collects findings from the checks.
#[derive(Default)]
pub struct Findings(pub Vec<Finding>);

impl Findings {
    pub fn add(&mut self, rule: &'static str, inst: &crate::model::Instruction) {
        self.0.push(Finding {
            rule,
            line: inst.line,
            end_line: inst.end_line,
            message: None,
        });
    }

    pub fn add_msg(&mut self, rule: &'static str, inst: &crate::model::Instruction, msg: String) {
        self.0.push(Finding {
            rule,
            line: inst.line,
            end_line: inst.end_line,
            message: Some(msg),
        });
    }
}

/// Runs every check. Filtering by config and pragmas happens afterwards.
pub fn check(df: &Dockerfile, config: &Config) -> Vec<Finding> {
    let mut out = Findings::default();
    images::check(df, config, &mut out);
    run::check(df, &mut out);
    instructions::check(df, &mut out);
    layers::check(df, &mut out);
    privilege::check(df, &mut out);
    toolchain::check(df, &mut out);
    out.0
}

/// Looks a rule up by plinth ID (`PL211`) or hadolint ID (`DL3015`), case-insensitively.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| {
        r.id.eq_ignore_ascii_case(id) || r.hadolint.is_some_and(|h| h.eq_ignore_ascii_case(id))
    })
}

/// All rules, in ID order.
pub fn all() -> &'static [Rule] {
    RULES
}

const fn rule(
    id: &'static str,
    hadolint: Option<&'static str>,
    severity: Severity,
    message: &'static str,
    hint: &'static str,
    doc: &'static str,
) -> Rule {
    Rule {
        id,
        hadolint,
        severity,
        opt_in: false,
        message,
        hint,
        doc,
    }
}

const fn opt_in(r: Rule) -> Rule {
    Rule { opt_in: true, ..r }
}

use Severity::{Error, Info, Warning};

static RULES: &[Rule] = &[
    rule(
        "PL101",
        Some("DL3006"),
        Warning,
        "FROM image has no tag",
        "name a tag (debian:12-slim) or a digest",
        "Without a tag the builder takes `latest`, which moves: the same Dockerfile builds a \
         different image next month, and a major upgrade can land unannounced. `scratch`, \
         stage names and images built from unset variables are not flagged.",
    ),
    rule(
        "PL102",
        Some("DL3007"),
        Warning,
        "FROM image uses the :latest tag",
        "pin a version tag, e.g. alpine:3.20",
        "`latest` is a moving tag. Builds stop being reproducible and caches are invalidated \
         whenever upstream pushes. An image pinned by digest is not flagged.",
    ),
    rule(
        "PL103",
        Some("DL3022"),
        Warning,
        "COPY --from names a stage that is not defined before it",
        "define the stage earlier, or use a full image reference",
        "`COPY --from=NAME` must name an earlier stage (or its index). An unknown name is \
         taken as an image to pull, which is rarely what was meant. Values that look like \
         image references (with `:` or `/`) are accepted.",
    ),
    rule(
        "PL104",
        Some("DL3023"),
        Error,
        "COPY --from names its own stage",
        "copy from an earlier stage",
        "A stage cannot copy from itself; the build fails with a dependency cycle.",
    ),
    rule(
        "PL105",
        Some("DL3024"),
        Error,
        "stage name is used twice",
        "give every stage a distinct name",
        "Stage names are case-insensitive and must be unique; BuildKit refuses the file.",
    ),
    rule(
        "PL106",
        None,
        Warning,
        "COPY --from copies a whole filesystem from another stage",
        "copy only the files the final image needs",
        "`COPY --from=builder / /` brings the builder's compilers, caches and package \
         databases into the final stage, undoing what the multi-stage build was for, and \
         hides what the image contains from SBOM tools.",
    ),
    opt_in(rule(
        "PL107",
        None,
        Info,
        "FROM image is not pinned by digest",
        "append @sha256:<digest> to the image reference",
        "A tag can be re-pushed; only a digest names exact bytes. Pinning by digest makes \
         builds reproducible and supply-chain reviews meaningful, at the price of updating \
         digests (a bot such as Renovate does that). Opt-in: enable with `enable: [PL107]`.",
    )),
    rule(
        "PL108",
        Some("DL3026"),
        Error,
        "FROM image comes from a registry that is not trusted",
        "use an image from a registry listed in trustedRegistries",
        "Active only when `trustedRegistries` is set in the config. Images without a \
         registry host are from docker.io.",
    ),
    rule(
        "PL109",
        None,
        Warning,
        "the final image is a compiler or SDK image that only runs a built artifact",
        "build in a first stage and COPY --from it onto a runtime base (distroless, a JRE, -slim)",
        "The last stage stands on a toolchain image (golang, rust, maven, gradle, gcc, an          openjdk JDK, a `*-sdk` or `*-devel` image; node when the stage runs a bundler or          `npm run build`; python when it installs compilers or `-dev` packages) and its          CMD/ENTRYPOINT runs what was built. The compiler, headers and caches ship with the          application: hundreds of megabytes and hundreds of packages that only widen the attack          surface. A multi-stage build keeps them in the build stage: `FROM golang:1.22 AS build`          … `FROM gcr.io/distroless/static-debian12` + `COPY --from=build /out/server /server`.          The message names the runtime base that fits: static Go → distroless static or scratch,          Rust → distroless cc, JVM → a JRE image, .NET → the runtime image, `-devel` → `-runtime`.          Not flagged when the command needs the toolchain at run time (`go run`, `cargo run`,          `mvn`, `gradle`, `npm`/`yarn` scripts, nodemon, ts-node, Jupyter, `dotnet run|watch`),          or when the stage writes no CMD or ENTRYPOINT of its own.",
    ),
    rule(
        "PL201",
        Some("DL3003"),
        Warning,
        "RUN uses cd to change directory",
        "use WORKDIR instead of cd",
        "`cd` lasts only until the end of the RUN; WORKDIR states the directory for every \
         later instruction and is easier to read.",
    ),
    rule(
        "PL202",
        Some("DL3004"),
        Error,
        "RUN uses sudo",
        "drop sudo; switch users with USER",
        "Builds run as root unless USER says otherwise, so sudo is unneeded, and installing \
         it in an image gives every process a way back to root.",
    ),
    rule(
        "PL203",
        Some("DL4006"),
        Warning,
        "RUN pipes without pipefail: a failing command before | is ignored",
        "add SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] or set -o pipefail",
        "A POSIX shell reports only the last command of a pipeline, so `curl … | tar x` \
         succeeds when the download fails. A SHELL with `-o pipefail` earlier in the stage, \
         or `set -o pipefail` in the same RUN, satisfies the rule.",
    ),
    rule(
        "PL204",
        Some("DL4001"),
        Warning,
        "both wget and curl are used",
        "pick one downloader and install only that",
        "Installing two tools that do the same job adds bytes and attack surface.",
    ),
    rule(
        "PL210",
        Some("DL3014"),
        Warning,
        "apt-get install without -y",
        "add -y (or --yes)",
        "Without -y, apt-get asks for confirmation and a non-interactive build aborts.",
    ),
    rule(
        "PL211",
        Some("DL3015"),
        Info,
        "apt-get install without --no-install-recommends",
        "add --no-install-recommends",
        "Recommended packages are installed by default and often double an image's size with \
         packages nothing uses.",
    ),
    rule(
        "PL212",
        Some("DL3009"),
        Info,
        "apt lists are not removed in the RUN that downloaded them",
        "end the RUN with && rm -rf /var/lib/apt/lists/*",
        "`apt-get update` downloads ~20-50 MB of package lists. Removing them in the same \
         RUN keeps them out of the layer; a later RUN cannot (see PL401). Only stages that \
         end up in the shipped image are checked, and a cache mount on /var/lib/apt \
         satisfies the rule.",
    ),
    rule(
        "PL213",
        Some("DL3027"),
        Warning,
        "apt is used instead of apt-get",
        "use apt-get (or apt-cache)",
        "`apt` is for people at a terminal; its output and behaviour are not a stable \
         interface and it warns about that when scripted.",
    ),
    opt_in(rule(
        "PL214",
        Some("DL3008"),
        Warning,
        "apt-get install without version pins",
        "pin as package=version, or pin the base image by digest",
        "Off by default, unlike hadolint. Debian and Ubuntu archives keep only the current \
         version of each package, so a pin such as curl=7.88.1-10+deb12u5 stops installing \
         the day a security update replaces it, and the build breaks; pins also hold back \
         security fixes. Reproducibility is better had by pinning the base image by digest \
         (PL107) and, when needed, snapshot.debian.org. Enable with `enable: [PL214]` or a \
         hadolint `override` that names DL3008.",
    )),
    rule(
        "PL215",
        None,
        Warning,
        "apt-get update without an install in the same RUN",
        "run apt-get update && apt-get install -y … in one RUN",
        "The layer with `apt-get update` is cached. A later RUN that installs reuses the \
         stale lists when only its own line changes, and fails or installs old versions. \
         The lists also stay in the image.",
    ),
    rule(
        "PL220",
        Some("DL3019"),
        Info,
        "apk add without --no-cache",
        "use apk add --no-cache",
        "Without --no-cache, apk keeps its index in /var/cache/apk inside the layer. A cache \
         mount on /var/cache/apk satisfies the rule.",
    ),
    rule(
        "PL230",
        Some("DL3042"),
        Warning,
        "pip install without --no-cache-dir",
        "add --no-cache-dir, or set ENV PIP_NO_CACHE_DIR=1",
        "pip keeps every downloaded wheel in ~/.cache/pip, in the layer. ENV \
         PIP_NO_CACHE_DIR in the stage or a cache mount on the pip cache satisfies the rule.",
    ),
    rule(
        "PL240",
        Some("DL3040"),
        Warning,
        "dnf install without dnf clean all in the same RUN",
        "end the RUN with && dnf clean all",
        "dnf keeps metadata and packages in /var/cache/dnf, in the layer.",
    ),
    rule(
        "PL241",
        Some("DL3032"),
        Warning,
        "yum install without yum clean all in the same RUN",
        "end the RUN with && yum clean all",
        "yum keeps metadata and packages in /var/cache/yum, in the layer.",
    ),
    rule(
        "PL242",
        Some("DL3036"),
        Warning,
        "zypper install without zypper clean in the same RUN",
        "end the RUN with && zypper clean",
        "zypper keeps metadata and packages in /var/cache/zypp, in the layer.",
    ),
    rule(
        "PL301",
        Some("DL3000"),
        Error,
        "WORKDIR is not an absolute path",
        "use an absolute path, e.g. WORKDIR /app",
        "A relative WORKDIR is resolved against the previous one, which depends on the base \
         image; an absolute path says where files go.",
    ),
    rule(
        "PL302",
        Some("DL3020"),
        Error,
        "ADD is used for local files",
        "use COPY; keep ADD for URLs and archives to unpack",
        "ADD also fetches URLs and unpacks archives. For plain files COPY does the same with \
         no surprises.",
    ),
    rule(
        "PL303",
        Some("DL4003"),
        Warning,
        "more than one CMD in a stage; only the last takes effect",
        "keep one CMD per stage",
        "Earlier CMDs are silently replaced.",
    ),
    rule(
        "PL304",
        Some("DL4004"),
        Error,
        "more than one ENTRYPOINT in a stage; only the last takes effect",
        "keep one ENTRYPOINT per stage",
        "Earlier ENTRYPOINTs are silently replaced.",
    ),
    rule(
        "PL305",
        Some("DL3025"),
        Warning,
        "CMD/ENTRYPOINT in shell form",
        "use the JSON form, e.g. CMD [\"app\", \"--flag\"]",
        "The shell form runs the command under /bin/sh -c, so the program is not PID 1 and \
         does not receive SIGTERM: `docker stop` waits and then kills it.",
    ),
    rule(
        "PL306",
        Some("DL4000"),
        Error,
        "MAINTAINER is deprecated",
        "use LABEL org.opencontainers.image.authors=\"…\"",
        "MAINTAINER was deprecated in Docker 1.13; the OCI annotation carries the same fact.",
    ),
    rule(
        "PL401",
        None,
        Warning,
        "files are deleted in a later RUN than the one that added them; the bytes stay in the image",
        "delete in the same RUN (or COPY/ADD step) that creates the files",
        "Each instruction is a layer and layers only add: deleting a file in a later RUN \
         writes a whiteout, while the earlier layer still ships the bytes. Caches, \
         downloaded archives and packages must be removed in the RUN that created them, or \
         kept out with a multi-stage build or a cache mount. Checked in stages that ship.",
    ),
    rule(
        "PL402",
        None,
        Warning,
        "sources are copied before the dependency manifests: any source change re-installs all dependencies",
        "COPY the manifests, install dependencies, then COPY the rest",
        "Docker reuses a layer only while everything before it is unchanged. With `COPY . .` \
         before `npm ci`, `pip install -r`, `go mod download`, `cargo build`, `mvn`/`gradle` \
         or `bundle install`, editing any source file throws away the dependency layer. Copy \
         package.json/package-lock.json, requirements.txt/pyproject.toml, go.mod/go.sum, \
         Cargo.toml/Cargo.lock, pom.xml or build.gradle first (for Cargo, cargo-chef or \
         `cargo fetch` makes the split).",
    ),
    rule(
        "PL403",
        None,
        Warning,
        "build tools are installed in the final stage",
        "build in an earlier stage and COPY --from only the results",
        "Compilers, -dev/-devel headers and build systems are needed to build, not to run. \
         In the final stage they add tens to hundreds of MB and attack surface. A multi-stage \
         build drops them; removing them in the same RUN (apt-get purge, apk del) also \
         satisfies the rule.",
    ),
    rule(
        "PL404",
        Some("DL3059"),
        Info,
        "consecutive RUN instructions could be one",
        "join them with && in one RUN",
        "Each RUN is a layer. Joining related steps makes fewer layers and lets cleanup in \
         the same step actually free space. Only pairs of single-command RUNs with the same flags are reported: a RUN that already chains commands was split on purpose.",
    ),
    rule(
        "PL501",
        Some("DL3002"),
        Warning,
        "the last USER is root",
        "switch to an unprivileged user at the end: USER 10001",
        "A container running as root turns any escape or file-write bug into root on the \
         container, and often more.",
    ),
    rule(
        "PL502",
        None,
        Warning,
        "the final stage never sets USER, so the container runs as root",
        "create a user and add USER before CMD",
        "Most base images default to root. Reported at the final FROM; a base image whose \
         name says nonroot, or a stage that inherits a USER from an earlier stage, passes.",
    ),
    rule(
        "PL503",
        None,
        Error,
        "a secret is passed through ENV or ARG",
        "use RUN --mount=type=secret, or pass it at run time",
        "ENV values are stored in the image config and ARG values in the build history, \
         where anyone who can pull the image can read them. Flagged by name: password, \
         passwd, secret, token, api key, access key, private key, credential.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_mapped_once() {
        let ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        let mut dl: Vec<_> = RULES.iter().filter_map(|r| r.hadolint).collect();
        let n = dl.len();
        dl.sort();
        dl.dedup();
        assert_eq!(dl.len(), n);
        assert_eq!(find("dl3015").map(|r| r.id), Some("PL211"));
        assert_eq!(find("PL401").and_then(|r| r.hadolint), None);
    }
}
