//! The base-image decision tree, applied to [`Facts`]. Each piece of advice carries the
//! evidence it rests on (paths, package records), the expected saving — estimated from the
//! image itself, or measured against real candidate images — and, given a Dockerfile, the
//! lines it concerns. A fact that is `unknown` produces no claim, only a note saying so.

use serde::Serialize;

use crate::dockerfile::{Dockerfile, Instruction};
use crate::facts::{Binary, Facts};

/// Picks the final stage's Dockerfile lines that satisfy a predicate.
type LinesOf<'a> = dyn Fn(&dyn Fn(&Instruction) -> bool) -> Vec<Line> + 'a;

/// One recommendation.
#[derive(Debug, Clone, Serialize)]
pub struct Advice {
    /// Stable identifier: `static-binary`, `runs-as-root`, `build-tools`, ...
    pub id: &'static str,
    pub title: String,
    pub evidence: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saving: Option<Saving>,
    /// Dockerfile lines this concerns, when a Dockerfile was given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dockerfile_lines: Vec<Line>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub line: usize,
    pub text: String,
}

/// What a change would save. Positive numbers are savings.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Saving {
    pub bytes: i64,
    pub packages: i64,
    /// Null without a vulnerability database.
    pub vulnerabilities: Option<i64>,
    /// `estimated` from this image, or the candidate image it was measured against.
    pub basis: String,
}

/// A candidate base image, gathered like the image itself.
pub struct Candidate<'a> {
    pub reference: &'a str,
    pub facts: &'a Facts,
}

/// Applies the decision tree.
pub fn advise(
    facts: &Facts,
    candidates: &[Candidate],
    dockerfile: Option<&Dockerfile>,
) -> Vec<Advice> {
    let mut out = Vec::new();
    let lines = |f: &dyn Fn(&Instruction) -> bool| -> Vec<Line> {
        dockerfile
            .map(|d| {
                d.final_stage()
                    .filter(|i| f(i))
                    .map(|i| Line {
                        line: i.line,
                        text: format!("{} {}", i.keyword, i.args),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let from_line = || lines(&|i: &Instruction| i.keyword == "FROM");
    eol(facts, &from_line, &mut out);
    entrypoint(facts, candidates, &from_line, &mut out);
    shell(facts, &from_line, &mut out);
    build_tools(facts, &lines, &mut out);
    musl(facts, &mut out);
    libraries(facts, &mut out);
    locale(facts, &mut out);
    user(facts, &lines, &mut out);
    for c in candidates {
        out.push(candidate(facts, c));
    }
    out
}

fn mb(bytes: i64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn describe(s: &Saving) -> String {
    let vulns = s.vulnerabilities.map_or(
        "an unknown number of (no database given)".to_string(),
        |v| v.to_string(),
    );
    format!(
        "{} drop {}, {} packages and {vulns} known vulnerabilities ({})",
        if s.basis == "estimated" {
            "would"
        } else {
            "drops"
        },
        mb(s.bytes),
        s.packages,
        s.basis
    )
}

fn eol(facts: &Facts, from: &dyn Fn() -> Vec<Line>, out: &mut Vec<Advice>) {
    if facts.os.eol.past == Some(true) {
        out.push(Advice {
            id: "os-end-of-life",
            title: format!(
                "{} {} is past its end of life ({}): move to a supported release",
                facts.os.id,
                facts.os.eol.release.as_deref().unwrap_or("?"),
                facts.os.eol.date.as_deref().unwrap_or("?")
            ),
            evidence: vec![
                format!("os-release: {}", facts.os.label()),
                format!("end of life from the {}", facts.os.eol.source),
            ],
            saving: None,
            dockerfile_lines: from(),
        });
    }
}

/// What dropping everything but the entrypoint would save, from this image's own numbers.
fn estimate_all_but(facts: &Facts, kept_bytes: u64) -> Saving {
    Saving {
        bytes: facts.size.uncompressed as i64 - kept_bytes as i64,
        packages: facts.packages.os as i64,
        vulnerabilities: facts
            .vulnerabilities
            .as_ref()
            .map(|v| v.in_os_packages as i64),
        basis: "estimated".into(),
    }
}

fn measured(facts: &Facts, c: &Candidate) -> Saving {
    Saving {
        bytes: facts.size.uncompressed as i64 - c.facts.size.uncompressed as i64,
        packages: facts.packages.total as i64 - c.facts.packages.total as i64,
        vulnerabilities: match (&facts.vulnerabilities, &c.facts.vulnerabilities) {
            (Some(a), Some(b)) => Some(a.total as i64 - b.total as i64),
            _ => None,
        },
        basis: format!("measured against {}", c.reference),
    }
}

fn entrypoint(
    facts: &Facts,
    candidates: &[Candidate],
    from: &dyn Fn() -> Vec<Line>,
    out: &mut Vec<Advice>,
) {
    let ep = &facts.entrypoint;
    let path = ep.path.clone().unwrap_or_default();
    let runtime = ep.runtime.as_deref();
    let mut evidence = vec![format!("ENTRYPOINT/CMD: {:?}", ep.command)];
    match (ep.kind, runtime) {
        ("none", _) | ("unknown", _) => {
            out.push(Advice {
                id: "entrypoint-unknown",
                title: format!(
                    "what the entrypoint needs is unknown ({}): no base recommendation depends on it",
                    ep.reason.as_deref().unwrap_or("no reason recorded")
                ),
                evidence,
                saving: None,
                dockerfile_lines: Vec::new(),
            });
        }
        (_, Some("shell")) => {}
        ("static-elf", _) => {
            let lang = match runtime {
                Some("go") => "Go ",
                Some("rust") => "Rust ",
                _ => "",
            };
            evidence.push(format!(
                "{path}: static ELF, no interpreter, no needed libraries"
            ));
            let saving = best_candidate(facts, candidates, |c| c.facts.libc != "unknown")
                .unwrap_or_else(|| estimate_all_but(facts, ep.size.unwrap_or(0)));
            evidence.extend(scratch_needs(facts));
            out.push(Advice {
                id: "static-binary",
                title: format!(
                    "the entrypoint {path} is a static {lang}binary: scratch or distroless static {}",
                    describe(&saving)
                ),
                evidence,
                saving: Some(saving),
                dockerfile_lines: from(),
            });
        }
        ("dynamic-elf", _) => {
            let libs: Vec<&str> = ep.libraries.iter().map(|l| l.name.as_str()).collect();
            evidence.push(format!(
                "{path}: dynamic ELF, interpreter {}, needs {}",
                ep.interpreter.as_deref().unwrap_or("none"),
                libs.join(", ")
            ));
            if runtime == Some("go") {
                evidence.push(format!(
                    "{path} is a Go binary linked dynamically: it was built with CGO; CGO_ENABLED=0 would make it static"
                ));
            }
            let only_libc = ep.libraries.iter().all(|l| is_libc_family(&l.name));
            let (base, need) = match (ep.libc, only_libc) {
                (Some("glibc"), true) => ("distroless/cc (glibc, libgcc, libstdc++)", "glibc"),
                (Some("glibc"), false) => (
                    "a glibc slim base (debian-slim, distroless/cc plus the libraries)",
                    "glibc",
                ),
                (Some("musl"), _) => ("alpine or a musl-based wolfi image", "musl"),
                _ => ("a base providing its libraries", "unknown"),
            };
            let saving = best_candidate(facts, candidates, |c| c.facts.libc == need);
            let title = match &saving {
                Some(s) => format!(
                    "the entrypoint {path} is a dynamic ELF needing only {need}: {base} {}",
                    describe(s)
                ),
                None => format!(
                    "the entrypoint {path} is a dynamic ELF needing {need}{}: {base} is the smallest base that runs it",
                    if only_libc {
                        " only"
                    } else {
                        " and other libraries"
                    }
                ),
            };
            out.push(Advice {
                id: "dynamic-binary",
                title,
                evidence,
                saving,
                dockerfile_lines: from(),
            });
        }
        ("script", _) => {
            evidence.push(format!(
                "{path}: script, #! {}",
                ep.interpreter.as_deref().unwrap_or("?")
            ));
            if let Some(rt) = runtime {
                out.push(runtime_advice(facts, rt, evidence, from));
            }
        }
        _ => {}
    }
    if let Some(rt @ ("python" | "node" | "java" | "dotnet" | "ruby" | "php")) = runtime
        && matches!(ep.kind, "dynamic-elf" | "static-elf")
    {
        out.push(runtime_advice(
            facts,
            rt,
            vec![format!("the entrypoint runs {path}")],
            from,
        ));
    }
}

fn runtime_advice(
    facts: &Facts,
    rt: &str,
    mut evidence: Vec<String>,
    from: &dyn Fn() -> Vec<Line>,
) -> Advice {
    let base = match rt {
        "python" => "python:3-slim (glibc) or distroless/python3",
        "node" => "node:lts-slim (glibc) or distroless/nodejs",
        "java" => "a JRE-only base (eclipse-temurin:*-jre) or distroless/java",
        "dotnet" => "mcr.microsoft.com/dotnet/runtime (or runtime-deps for self-contained apps)",
        _ => "the language's official slim image",
    };
    evidence.push(format!("libc: {} ({})", facts.libc, facts.libc_evidence));
    Advice {
        id: "language-runtime",
        title: format!(
            "the entrypoint runs on the {rt} runtime: {base} carries the runtime without build tools"
        ),
        evidence,
        saving: None,
        dockerfile_lines: from(),
    }
}

fn is_libc_family(name: &str) -> bool {
    [
        "libc.so",
        "libm.so",
        "libpthread.so",
        "libdl.so",
        "librt.so",
        "ld-linux",
        "libgcc_s.so",
        "libstdc++.so",
        "libresolv.so",
        "libutil.so",
        "ld-musl",
        "libc.musl",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

/// The candidate with the largest size saving among those that qualify.
fn best_candidate(
    facts: &Facts,
    candidates: &[Candidate],
    ok: impl Fn(&Candidate) -> bool,
) -> Option<Saving> {
    candidates
        .iter()
        .filter(|c| ok(c))
        .map(|c| measured(facts, c))
        .max_by_key(|s| s.bytes)
}

/// What scratch lacks that the program may need, from this image's files.
fn scratch_needs(facts: &Facts) -> Vec<String> {
    let r = &facts.scratch_readiness;
    let mut v = Vec::new();
    v.push(match &r.ca_certificates {
        Some(p) => {
            format!("for scratch, copy the CA bundle {p} if the program makes TLS connections")
        }
        None => "this image has no CA bundle either: TLS verification already has no roots".into(),
    });
    if let Some(tz) = &r.tzdata {
        v.push(format!("for scratch, copy {tz} if the program loads time zones (or embed them: Go's time/tzdata)"));
    }
    if r.tmp {
        v.push("for scratch, create /tmp (WORKDIR /tmp or COPY an empty directory) if the program writes temporary files".into());
    }
    if facts.runs_as_root != Some(true) {
        v.push(match &r.passwd {
            Some(p) => format!(
                "USER {} needs an /etc/passwd entry in scratch: copy {p} or use a numeric uid",
                facts.user
            ),
            None => format!(
                "USER {} has no /etc/passwd here: use a numeric uid",
                facts.user
            ),
        });
    } else {
        v.push("distroless static provides /etc/passwd with a nonroot user (uid 65532); on scratch, use USER 65532".into());
    }
    v
}

fn shell(facts: &Facts, from: &dyn Fn() -> Vec<Line>, out: &mut Vec<Advice>) {
    let ep = &facts.entrypoint;
    let knows = matches!(ep.kind, "static-elf" | "dynamic-elf");
    if facts.shell && knows && !ep.needs_shell {
        out.push(Advice {
            id: "shell-not-needed",
            title: "no shell is needed by the entrypoint: a shell-less base (distroless) removes it and what attackers do with it".into(),
            evidence: vec![
                format!("shell present: {}", facts.shell_evidence),
                format!("entrypoint {} is an ELF executable, not a shell or script", ep.path.as_deref().unwrap_or("?")),
            ],
            saving: None,
            dockerfile_lines: from(),
        });
    }
    if !facts.shell {
        out.push(Advice {
            id: "no-shell-debugging",
            title: "no shell in the image: debug with a :debug variant (distroless ships busybox there) or an ephemeral debug container (kubectl debug -it POD --image=busybox --target=CONTAINER)".into(),
            evidence: vec![facts.shell_evidence.clone()],
            saving: None,
            dockerfile_lines: Vec::new(),
        });
    }
}

fn build_tools(facts: &Facts, lines: &LinesOf, out: &mut Vec<Advice>) {
    if facts.build_tools.is_empty() {
        return;
    }
    let words = [
        "gcc",
        "g++",
        "make",
        "build-essential",
        "build-base",
        "-dev",
        "-devel",
        "clang",
        "cmake",
    ];
    out.push(Advice {
        id: "build-tools",
        title: format!(
            "{} build tools or caches in the final image: use a multi-stage build and copy only the result",
            facts.build_tools.len()
        ),
        evidence: facts
            .build_tools
            .iter()
            .map(|e| format!("{} ({})", e.what, e.path))
            .collect(),
        saving: None,
        dockerfile_lines: lines(&|i: &Instruction| {
            i.keyword == "RUN" && words.iter().any(|w| i.args.contains(w))
        }),
    });
}

fn musl(facts: &Facts, out: &mut Vec<Advice>) {
    if facts.libc != "musl" {
        // Extensions built for musl do not load on glibc either.
        for n in facts
            .native_extensions
            .iter()
            .filter(|n| n.libc == Some("musl"))
        {
            out.push(Advice {
                id: "libc-mismatch",
                title: format!(
                    "{} is built for musl but the image's libc is {}",
                    n.path, facts.libc
                ),
                evidence: vec![facts.libc_evidence.clone()],
                saving: None,
                dockerfile_lines: Vec::new(),
            });
        }
        return;
    }
    let why = format!("libc is musl: {}", facts.libc_evidence);
    let py: Vec<_> = facts
        .native_extensions
        .iter()
        .filter(|n| n.kind == "python")
        .collect();
    if !py.is_empty() {
        let mut evidence = vec![why.clone()];
        evidence.extend(py.iter().map(|n| {
            format!(
                "{} (built for {})",
                n.path,
                n.libc.unwrap_or("unknown libc")
            )
        }));
        out.push(Advice {
            id: "musl-python-extensions",
            title: "musl image running Python with C extensions: consider a glibc slim base (manylinux wheels install prebuilt there; on musl they compile from source or need musllinux wheels)".into(),
            evidence,
            saving: None,
            dockerfile_lines: Vec::new(),
        });
    }
    let node: Vec<_> = facts
        .native_extensions
        .iter()
        .filter(|n| n.kind == "node")
        .collect();
    if !node.is_empty() {
        let mut evidence = vec![why.clone()];
        evidence.extend(node.iter().map(|n| {
            format!(
                "{} (built for {})",
                n.path,
                n.libc.unwrap_or("unknown libc")
            )
        }));
        out.push(Advice {
            id: "musl-node-native-modules",
            title: "Node native modules on musl: each must be built for musl; a glibc slim base avoids rebuilds".into(),
            evidence,
            saving: None,
            dockerfile_lines: Vec::new(),
        });
    }
    for b in facts
        .binaries
        .iter()
        .filter(|b| !b.is_static && b.libc == Some("glibc"))
    {
        out.push(Advice {
            id: "musl-glibc-binary",
            title: format!(
                "{} is linked against glibc but the image's libc is musl: it will not start",
                b.path
            ),
            evidence: vec![why.clone(), binary_evidence(b)],
            saving: None,
            dockerfile_lines: Vec::new(),
        });
    }
    if let Some(j) = &facts.jvm {
        out.push(Advice {
            id: "musl-jvm",
            title: "a JVM on musl: use a JDK built for musl (Alpine's OpenJDK, Temurin's alpine builds) or a glibc base".into(),
            evidence: vec![why.clone(), j.clone()],
            saving: None,
            dockerfile_lines: Vec::new(),
        });
    }
    out.push(Advice {
        id: "musl-dns",
        title: "musl's resolver differs from glibc's: it queries nameservers in parallel, honours `search`/`ndots` differently, and before musl 1.2.4 never retried over TCP (large DNS answers fail) — check service discovery in Kubernetes".into(),
        evidence: vec![why.clone()],
        saving: None,
        dockerfile_lines: Vec::new(),
    });
}

fn binary_evidence(b: &Binary) -> String {
    let libs: Vec<String> = b
        .libraries
        .iter()
        .map(|l| format!("{} ({})", l.name, l.path.as_deref().unwrap_or("missing")))
        .collect();
    format!(
        "{}: interpreter {}, needs {}",
        b.path,
        b.interpreter.as_deref().unwrap_or("none"),
        libs.join(", ")
    )
}

fn libraries(facts: &Facts, out: &mut Vec<Advice>) {
    let ep = &facts.entrypoint;
    let missing: Vec<&str> = ep
        .libraries
        .iter()
        .filter(|l| l.path.is_none())
        .map(|l| l.name.as_str())
        .collect();
    if !missing.is_empty() {
        out.push(Advice {
            id: "missing-libraries",
            title: format!(
                "the entrypoint {} needs {} which the image does not have: it will not start",
                ep.path.as_deref().unwrap_or("?"),
                missing.join(", ")
            ),
            evidence: vec![
                "searched RUNPATH, /etc/ld.so.conf and the standard library directories".into(),
            ],
            saving: None,
            dockerfile_lines: Vec::new(),
        });
    }
    for b in &facts.binaries {
        if b.libraries.iter().any(|l| l.path.is_none()) {
            out.push(Advice {
                id: "missing-libraries",
                title: format!("{} needs libraries the image does not have", b.path),
                evidence: vec![binary_evidence(b)],
                saving: None,
                dockerfile_lines: Vec::new(),
            });
        }
    }
}

fn locale(facts: &Facts, out: &mut Vec<Advice>) {
    if facts.locale.missing {
        out.push(Advice {
            id: "missing-locale",
            title: format!(
                "the config asks for locale {} but the image has no compiled locales{}",
                facts.locale.requested.as_deref().unwrap_or("?"),
                if facts.libc == "musl" {
                    " (musl supports only C.UTF-8-like behaviour)"
                } else {
                    ": install locales or use C.UTF-8"
                }
            ),
            evidence: vec!["no /usr/lib/locale/locale-archive or /usr/lib/locale/<name>".into()],
            saving: None,
            dockerfile_lines: Vec::new(),
        });
    }
}

fn user(facts: &Facts, lines: &LinesOf, out: &mut Vec<Advice>) {
    match facts.runs_as_root {
        Some(true) => {
            let mut at = lines(&|i: &Instruction| i.keyword == "USER");
            if at.is_empty() {
                at = lines(&|i: &Instruction| i.keyword == "FROM");
            }
            out.push(Advice {
                id: "runs-as-root",
                title: "runs as root: add a non-root USER (a numeric uid such as 65532 works without /etc/passwd)".into(),
                evidence: vec![facts.user_evidence.clone()],
                saving: None,
                dockerfile_lines: at,
            });
        }
        None => out.push(Advice {
            id: "user-unknown",
            title: format!("whether USER {} is root is unknown", facts.user),
            evidence: vec![facts.user_evidence.clone()],
            saving: None,
            dockerfile_lines: lines(&|i: &Instruction| i.keyword == "USER"),
        }),
        Some(false) => {}
    }
}

fn candidate(facts: &Facts, c: &Candidate) -> Advice {
    let s = measured(facts, c);
    let mut evidence = vec![format!(
        "{}: libc {}, shell {}, package manager {}, {} packages, {}",
        c.reference,
        c.facts.libc,
        c.facts.shell,
        c.facts.package_manager.as_deref().unwrap_or("none"),
        c.facts.packages.total,
        mb(c.facts.size.uncompressed as i64)
    )];
    let ep = &facts.entrypoint;
    let mut fits = true;
    if let Some(need) = ep.libc
        && c.facts.libc != need
    {
        fits = false;
        evidence.push(format!(
            "the entrypoint needs {need}; {} has {}",
            c.reference, c.facts.libc
        ));
    }
    if ep.needs_shell && !c.facts.shell {
        fits = false;
        evidence.push(format!(
            "the entrypoint needs a shell; {} has none",
            c.reference
        ));
    }
    if ep.kind == "unknown" || ep.kind == "none" {
        evidence.push("the entrypoint's needs are unknown: fit not judged".into());
    }
    Advice {
        id: "candidate",
        title: format!(
            "{}{}: {} {}, {} packages, {} vulnerabilities",
            c.reference,
            if fits { "" } else { " (does not fit as is)" },
            if s.bytes >= 0 { "saves" } else { "adds" },
            mb(s.bytes.abs()),
            s.packages,
            s.vulnerabilities
                .map_or("unknown".into(), |v| v.to_string())
        ),
        evidence,
        saving: Some(s),
        dockerfile_lines: Vec::new(),
    }
}

/// Advice as text: a one-line summary of the facts, then each recommendation with its
/// evidence and Dockerfile lines.
pub fn text(facts: &Facts, advice: &[Advice], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {}, libc {}{}, shell {}, {}, user {}, {}, {} packages",
        facts.image,
        facts.os.label(),
        facts.libc,
        if facts.static_image.is_some() {
            " (static image)"
        } else {
            ""
        },
        if facts.shell { "yes" } else { "no" },
        facts.package_manager_label(),
        facts.user,
        mb(facts.size.uncompressed as i64),
        facts.packages.total
    )?;
    let split = match facts.vulnerabilities.as_ref().map(|v| (v.in_base, v.added)) {
        Some((Some(base), Some(added))) => {
            format!("; vulnerabilities: {base} in the base, {added} added on top")
        }
        _ => String::new(),
    };
    writeln!(
        out,
        "base image: {} ({}){split}",
        facts.base.label(),
        facts.base.evidence
    )?;
    if advice.is_empty() {
        return writeln!(
            out,
            "no recommendations: nothing in the facts calls for a change"
        );
    }
    for (i, a) in advice.iter().enumerate() {
        writeln!(out, "\n{}. [{}] {}", i + 1, a.id, a.title)?;
        for e in &a.evidence {
            writeln!(out, "   - {e}")?;
        }
        for l in &a.dockerfile_lines {
            writeln!(out, "   Dockerfile:{}: {}", l.line, l.text)?;
        }
    }
    Ok(())
}
