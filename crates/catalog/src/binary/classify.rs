//! Programs and libraries recognised from their bytes, as Syft's binary cataloger does: a file
//! whose name fits a classifier's glob is searched for the version string that program is known
//! to carry (`BusyBox v1.36.1`, `@(#)Bash version 5.2.15(1) release GNU`, `[NUL]OpenSSL 3.0.15`).
//!
//! The table follows Syft's default classifiers (which files, which version patterns, which
//! purl and CPEs); the patterns are written as byte regexes (`(?-u)`: `.` and `\xNN` mean
//! bytes, as Go's regexp reads a binary). Two things Syft does across files are left out:
//! looking a program's version up in the shared library it links (`python3` → `libpython3.12.so`)
//! and in a `VERSION` file beside the Go toolchain. The library itself still matches on its own,
//! so the package is found; only the extra location is missing.

use std::collections::HashSet;
use std::sync::{LazyLock, OnceLock};

use regex::bytes::Regex;

use crate::paths::{basename, is_regular};
use crate::{FileInput, FileMeta, Package, PackageType};

/// One kind of file and how to read its version.
pub struct Classifier {
    /// Syft's class name, for tests and debugging.
    pub class: &'static str,
    /// Globs (`*` and `?`) matched against the last path components: `busybox`, `python*`,
    /// `elixir/ebin/elixir.app`.
    globs: &'static [&'static str],
    /// Matchers tried in order; the first that finds a version wins.
    find: &'static [Find],
    /// Classifiers sharing a branch are alternatives for one file (Syft's branching matchers:
    /// an OpenSSL that is really AWS-LC is not also OpenSSL): the first that matches ends it.
    branch: Option<&'static str>,
    /// The package's name, as Syft names it.
    pub package: &'static str,
    /// The purl without its version: `pkg:generic/busybox`.
    purl: &'static str,
    /// CPEs with `*` where the version goes.
    cpes: &'static [&'static str],
}

/// One way to find a version in a file.
enum Find {
    /// A byte regex with a `version` group.
    Bytes(&'static str),
    /// Like `Bytes`, only in files whose bytes also hold this literal (Syft's `openjdk` guard).
    BytesWith(&'static str, &'static str),
    /// Like `Bytes`, only in files whose path holds this text (Syft's `**/*zulu*/**`).
    BytesUnder(&'static str, &'static str),
    /// The version is in the file's name (`python3.12`, `libpython3.12.so.1.0`): this regex
    /// on the basename captures it, and the bytes must hold it between NULs, as Python's
    /// binaries and libraries do.
    NamedVersion(&'static str),
}

const PY_CPES: &[&str] = &[
    "cpe:2.3:a:python_software_foundation:python:*:*:*:*:*:*:*:*",
    "cpe:2.3:a:python:python:*:*:*:*:*:*:*:*",
];
const MYSQL_PATH: &str =
    r"(?-u)/mysql-(?P<version>[0-9]+(\.[0-9]+)?(\.[0-9]+)?(alpha[0-9]|beta[0-9]|rc[0-9])?)";
const ERLANG_SRC: &[Find] = &[
    Find::Bytes(r"(?-u)/src/otp_src_(?P<version>[0-9]+\.[0-9]+(\.[0-9]+){0,2}(-rc[0-9])?)/erts/"),
    Find::Bytes(
        r"(?-u)/usr/local/src/otp-(?P<version>[0-9]+\.[0-9]+(\.[0-9]+){0,2}(-rc[0-9])?)/erts/",
    ),
];
const ERLANG_CPE: &[&str] = &["cpe:2.3:a:erlang:erlang\\/otp:*:*:*:*:*:*:*:*"];
const REDIS_VERSION: &[Find] = &[
    Find::Bytes(r"(?-u)[^\d](?P<version>\d+.\d+\.\d+)buildkitsandbox-\d+"),
    Find::Bytes(r"(?-u)[^\d](?P<version>[0-9]+\.[0-9]+\.[0-9]+)\w{12}-\d+"),
    Find::Bytes(r"(?-u)Redis version (?P<version>[0-9]+\.[0-9]+\.[0-9]+)"),
];
const OPENJDK_NUL: &str =
    r"(?-u)\x00openjdk\x00java\x00(?P<release>[0-9]+[.0-9]*)\x00(?P<version>[0-9]+[^\x00]+)\x00";
const OPENJDK_ARM: &str =
    r"(?-u)\x00(?P<release>[0-9]+[.0-9]*)\x00+(?P<version>[0-9]+[^\x00]+)\x00+openjdk\x00java";
const GRAALVM: &str =
    r"(?-u)\x00(?P<version>[0-9]+[.0-9]+[.0-9]+\+[0-9]+-jvmci-[0-9]+[.0-9]+-b[0-9]+)\x00";
const ISTIO: &[Find] = &[
    Find::Bytes(
        r"(?-u)[0-9]+\.[0-9]+\.[0-9]+\x00+(?P<version>[0-9]+\.[0-9]+\.[0-9]+(-alpha\.[0-9]+|-beta\.[0-9]+|-rc\.[0-9]+|-dev)?)\x00+",
    ),
    Find::Bytes(
        r"(?-u)Clean\x00+(?P<version>[0-9]+\.[0-9]+\.[0-9]+(-alpha\.[0-9]+|-beta\.[0-9]+|-rc\.[0-9]+|-dev)?)\x00+",
    ),
    Find::Bytes(r"(?-u)Modified\x00+(?P<version>[0-9]+\.[0-9]+-dev)\x00+"),
];

/// Syft's default classifiers, in its order.
pub static CLASSIFIERS: &[Classifier] = &[
    Classifier {
        class: "python-binary",
        globs: &["python*"],
        find: &[Find::NamedVersion(
            r"^python(?P<version>[0-9]+(?:\.[0-9]+)+)$",
        )],
        branch: None,
        package: "python",
        purl: "pkg:generic/python",
        cpes: PY_CPES,
    },
    Classifier {
        class: "python-binary-lib",
        globs: &["libpython*.so*"],
        find: &[Find::NamedVersion(
            r"^libpython(?P<version>[0-9]+(?:\.[0-9]+)+)[a-z]?\.so.*$",
        )],
        branch: None,
        package: "python",
        purl: "pkg:generic/python",
        cpes: PY_CPES,
    },
    Classifier {
        class: "pypy-binary-lib",
        globs: &["libpypy*.so*"],
        find: &[Find::Bytes(
            r"(?-u)\[PyPy (?P<version>[0-9]+\.[0-9]+\.[0-9]+)",
        )],
        branch: None,
        package: "pypy",
        purl: "pkg:generic/pypy",
        cpes: &[],
    },
    Classifier {
        class: "go-binary",
        globs: &["go", "go.exe"],
        find: &[Find::Bytes(
            r"(?-u)go(?P<version>[0-9]+\.[0-9]+(\.[0-9]+|beta[0-9]+|alpha[0-9]+|rc[0-9]+)?)\x00",
        )],
        branch: None,
        package: "go",
        purl: "pkg:generic/go",
        cpes: &["cpe:2.3:a:golang:go:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "julia-binary",
        globs: &["libjulia-internal.so"],
        find: &[Find::Bytes(
            r"(?-u)__init__\x00(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00verify",
        )],
        branch: None,
        package: "julia",
        purl: "pkg:generic/julia",
        cpes: &["cpe:2.3:a:julialang:julia:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "helm",
        globs: &["helm"],
        find: &[Find::Bytes(
            r"(?-u)\x00v(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00",
        )],
        branch: None,
        package: "helm",
        purl: "pkg:golang/helm.sh/helm",
        cpes: &["cpe:2.3:a:helm:helm:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "redis-binary",
        globs: &["redis-server"],
        find: REDIS_VERSION,
        branch: None,
        package: "redis",
        purl: "pkg:generic/redis",
        cpes: &[
            "cpe:2.3:a:redislabs:redis:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:redis:redis:*:*:*:*:*:*:*:*",
        ],
    },
    Classifier {
        class: "valkey-binary",
        globs: &["valkey-server"],
        find: &[Find::Bytes(
            r"(?-u)[^\d](?P<version>\d+.\d+\.\d+)buildkitsandbox-\d+",
        )],
        branch: None,
        package: "valkey",
        purl: "pkg:generic/valkey",
        cpes: &[
            "cpe:2.3:a:lfprojects:valkey:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:linuxfoundation:valkey:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:valkey-io:valkey:*:*:*:*:*:*:*:*",
        ],
    },
    Classifier {
        class: "nodejs-binary",
        globs: &["node"],
        find: &[
            Find::Bytes(r"(?-u)\x00(node )?v(?P<version>(0|4|5|6)\.[0-9]+\.[0-9]+)\x00"),
            Find::Bytes(r"(?-u)node\.js/v(?P<version>[0-9]+\.[0-9]+\.[0-9]+)"),
        ],
        branch: None,
        package: "node",
        purl: "pkg:generic/node",
        cpes: &["cpe:2.3:a:nodejs:node.js:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "busybox-binary",
        globs: &["busybox"],
        find: &[Find::Bytes(
            r"(?-u)BusyBox\s+v(?P<version>[0-9]+\.[0-9]+\.[0-9]+)",
        )],
        branch: None,
        package: "busybox",
        purl: "pkg:generic/busybox",
        cpes: &["cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "util-linux-binary",
        globs: &["getopt"],
        find: &[Find::Bytes(
            r"(?-u)\x00util-linux\s(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00",
        )],
        branch: None,
        package: "util-linux",
        purl: "pkg:generic/util-linux",
        cpes: &["cpe:2.3:a:kernel:util-linux:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "haproxy-binary",
        globs: &["haproxy"],
        find: &[
            Find::Bytes(
                r"(?-u)version (?P<version>[0-9]+\.[0-9]+(\.|-dev|-rc)[0-9]+)(-[a-z0-9]{7})?, released 20",
            ),
            Find::Bytes(r"(?-u)HA-Proxy version (?P<version>[0-9]+\.[0-9]+(\.|-dev)[0-9]+)"),
            Find::Bytes(
                r"(?-u)(?P<version>[0-9]+\.[0-9]+(\.|-dev)[0-9]+)-[0-9a-zA-Z]{7}.+HAProxy version",
            ),
        ],
        branch: None,
        package: "haproxy",
        purl: "pkg:generic/haproxy",
        cpes: &["cpe:2.3:a:haproxy:haproxy:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "perl-binary",
        globs: &["perl"],
        find: &[Find::Bytes(
            r"(?-u)/usr/local/lib/perl\d/(?P<version>[0-9]+\.[0-9]+\.[0-9]+)",
        )],
        branch: None,
        package: "perl",
        purl: "pkg:generic/perl",
        cpes: &["cpe:2.3:a:perl:perl:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "php-composer-binary",
        globs: &["composer*"],
        find: &[Find::Bytes(
            r"(?-u)'pretty_version'\s*=>\s*'(?P<version>[0-9]+\.[0-9]+\.[0-9]+(beta[0-9]+|alpha[0-9]+|RC[0-9]+)?)'",
        )],
        branch: None,
        package: "composer",
        purl: "pkg:generic/composer",
        cpes: &["cpe:2.3:a:getcomposer:composer:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "httpd-binary",
        globs: &["httpd"],
        find: &[Find::Bytes(
            r"(?-u)Apache/(?P<version>[0-9]+\.[0-9]+\.[0-9]+)",
        )],
        branch: None,
        package: "httpd",
        purl: "pkg:generic/httpd",
        cpes: &["cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "memcached-binary",
        globs: &["memcached"],
        find: &[Find::Bytes(
            r"(?-u)memcached\s(?P<version>[0-9]+\.[0-9]+\.[0-9]+)",
        )],
        branch: None,
        package: "memcached",
        purl: "pkg:generic/memcached",
        cpes: &["cpe:2.3:a:memcached:memcached:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "traefik-binary",
        globs: &["traefik"],
        // Go's regexp reads an invalid UTF-8 byte as U+FFFD; Syft's `\x{FFFD}.?` is any such
        // byte here.
        find: &[Find::Bytes(
            r"(?-u)(\x00v?|[\x80-\xff].?)(?P<version>[0-9]+\.[0-9]+\.[0-9]+(-alpha[0-9]|-beta[0-9]|-rc[0-9])?)\x00",
        )],
        branch: None,
        package: "traefik",
        purl: "pkg:generic/traefik",
        cpes: &["cpe:2.3:a:traefik:traefik:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "arangodb-binary",
        globs: &["arangosh"],
        find: &[Find::Bytes(
            r"(?-u)\x00*(?P<version>[0-9]+\.[0-9]+\.[0-9]+(-[0-9]+)?)\s(enterprise\s)?\[linux\]",
        )],
        branch: None,
        package: "arangodb",
        purl: "pkg:generic/arangodb",
        cpes: &["cpe:2.3:a:arangodb:arangodb:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "postgresql-binary",
        globs: &["postgres"],
        find: &[Find::Bytes(
            r"(?-u)(\x00|\?)PostgreSQL (?P<version>[0-9]+(\.[0-9]+)?(\.[0-9]+)?(alpha[0-9]|beta[0-9]|rc[0-9])?)",
        )],
        branch: None,
        package: "postgresql",
        purl: "pkg:generic/postgresql",
        cpes: &["cpe:2.3:a:postgresql:postgresql:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "mysql-binary",
        globs: &["mysql"],
        find: &[
            Find::Bytes(
                r"(?-u)\x00(?P<version>[0-9]+(\.[0-9]+)?(\.[0-9]+)?(alpha[0-9]|beta[0-9]|rc[0-9])?)\x00+mysql",
            ),
            Find::Bytes(MYSQL_PATH),
        ],
        branch: None,
        package: "mysql",
        purl: "pkg:generic/mysql",
        cpes: &["cpe:2.3:a:oracle:mysql:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "mysql-binary",
        globs: &["mysql"],
        find: &[Find::Bytes(
            r"(?-u)/percona-server-(?P<version>[0-9]+(\.[0-9]+)?(\.[0-9]+)?(alpha[0-9]|beta[0-9]|rc[0-9])?)",
        )],
        branch: None,
        package: "percona-server",
        purl: "pkg:generic/percona-server",
        cpes: &[
            "cpe:2.3:a:oracle:mysql:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:percona:percona_server:*:*:*:*:*:*:*:*",
        ],
    },
    Classifier {
        class: "mysql-binary",
        globs: &["mysql"],
        find: &[Find::Bytes(
            r"(?-u)/Percona-XtraDB-Cluster-(?P<version>[0-9]+(\.[0-9]+)?(\.[0-9]+)?(alpha[0-9]|beta[0-9]|rc[0-9])?)",
        )],
        branch: None,
        package: "percona-xtradb-cluster",
        purl: "pkg:generic/percona-xtradb-cluster",
        cpes: &[
            "cpe:2.3:a:oracle:mysql:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:percona:percona_server:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:percona:xtradb_cluster:*:*:*:*:*:*:*:*",
        ],
    },
    Classifier {
        class: "xtrabackup-binary",
        globs: &["xtrabackup"],
        find: &[Find::Bytes(
            r"(?-u)/percona-xtrabackup-(?P<version>[0-9]+(\.[0-9]+)?(\.[0-9]+)?(alpha[0-9]|beta[0-9]|rc[0-9])?)",
        )],
        branch: None,
        package: "percona-xtrabackup",
        purl: "pkg:generic/percona-xtrabackup",
        cpes: &["cpe:2.3:a:percona:xtrabackup:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "mariadb-binary",
        globs: &["mariadb", "mysql"],
        find: &[Find::Bytes(
            r"(?-u)(?P<version>[0-9]+(\.[0-9]+)?(\.[0-9]+)?(alpha[0-9]|beta[0-9]|rc[0-9])?)-MariaDB",
        )],
        branch: None,
        package: "mariadb",
        purl: "pkg:generic/mariadb",
        cpes: &["cpe:2.3:a:mariadb:mariadb:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "rust-standard-library-linux",
        globs: &["libstd-????????????????.so"],
        find: &[Find::Bytes(
            r"(?-u)\x00clang LLVM \(rustc version (?P<version>[0-9]+(\.[0-9]+)?(\.[0-9]+)) \(\w+ \d{4}\-\d{2}\-\d{2}\)",
        )],
        branch: None,
        package: "rust",
        purl: "pkg:generic/rust",
        cpes: &["cpe:2.3:a:rust-lang:rust:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "ruby-binary",
        globs: &["ruby"],
        find: &[Find::Bytes(
            r"(?-u)ruby (?P<version>[0-9]+\.[0-9]+\.[0-9]+((p|preview|rc|dev)[0-9]*)?) ",
        )],
        branch: None,
        package: "ruby",
        purl: "pkg:generic/ruby",
        cpes: &["cpe:2.3:a:ruby-lang:ruby:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "erlang-binary",
        globs: &["erlexec"],
        find: ERLANG_SRC,
        branch: None,
        package: "erlang",
        purl: "pkg:generic/erlang",
        cpes: ERLANG_CPE,
    },
    Classifier {
        class: "erlang-alpine-binary",
        globs: &["beam.smp"],
        find: &[
            Find::Bytes(
                r"(?-u)/src/otp_src_(?P<version>[0-9]+\.[0-9]+(\.[0-9]+){0,2}(-rc[0-9])?)/erts/",
            ),
            Find::Bytes(
                r"(?-u)/usr/local/src/otp-(?P<version>[0-9]+\.[0-9]+(\.[0-9]+){0,2}(-rc[0-9])?)/erts/",
            ),
            Find::Bytes(
                r"(?-u)\x00+(?P<version>[0-9]+\.[0-9]+(\.[0-9]+){0,2}(-rc[0-9])?)\x00+Erlang/OTP",
            ),
        ],
        branch: None,
        package: "erlang",
        purl: "pkg:generic/erlang",
        cpes: ERLANG_CPE,
    },
    Classifier {
        class: "erlang-library",
        globs: &["liberts_internal.a"],
        find: ERLANG_SRC,
        branch: None,
        package: "erlang",
        purl: "pkg:generic/erlang",
        cpes: ERLANG_CPE,
    },
    Classifier {
        class: "swipl-binary",
        globs: &["swipl"],
        find: &[Find::Bytes(
            r"(?-u)swipl-(?P<version>[0-9]+\.[0-9]+\.[0-9]+)/",
        )],
        branch: None,
        package: "swipl",
        purl: "pkg:generic/swipl",
        cpes: &[],
    },
    Classifier {
        class: "dart-binary",
        globs: &["dart"],
        find: &[Find::Bytes(
            r"(?-u)\x00(?P<version>[0-9]+\.[0-9]+\.[0-9]+(-[0-9]+(\.[0-9]+)?\.beta)?) ",
        )],
        branch: None,
        package: "dart",
        purl: "pkg:generic/dart",
        cpes: &["cpe:2.3:a:dart:dart_software_development_kit:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "deno-binary",
        globs: &["deno"],
        find: &[Find::Bytes(
            r"(?-u)Deno/(?P<version>[0-9]+\.[0-9]+\.[0-9]+)",
        )],
        branch: None,
        package: "deno",
        purl: "pkg:generic/deno",
        cpes: &["cpe:2.3:a:deno:deno:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "haskell-ghc-binary",
        globs: &["ghc*"],
        find: &[
            Find::Bytes(r"(?-u)\x00GHC (?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00"),
            Find::Bytes(
                r"(?-u)\x00libHSghc\-(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\-([a-zA-Z0-9]+\-)?ghc[0-9]+\.[0-9]+\.[0-9]+\.so\x00",
            ),
        ],
        branch: None,
        package: "haskell/ghc",
        purl: "pkg:generic/haskell/ghc",
        cpes: &["cpe:2.3:a:haskell:ghc:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "haskell-cabal-binary",
        globs: &["cabal"],
        find: &[
            Find::Bytes(r"(?-u)\x00Cabal-(?P<version>[0-9]+\.[0-9]+\.[0-9]+(\.[0-9]+)?)-"),
            Find::Bytes(
                r"(?-u)\x00.{0,50}cabal\-install\-(?P<version>[0-9]+\.[0-9]+\.[0-9]+(\.[0-9]+)?)\-[a-zA-Z0-9]+\x00+",
            ),
        ],
        branch: None,
        package: "haskell/cabal",
        purl: "pkg:generic/haskell/cabal",
        cpes: &["cpe:2.3:a:haskell:cabal:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "haskell-stack-binary",
        globs: &["stack"],
        find: &[Find::Bytes(
            r"(?-u)Version\s*(?P<version>[0-9]+\.[0-9]+\.[0-9]+),\s*Git",
        )],
        branch: None,
        package: "haskell/stack",
        purl: "pkg:generic/haskell/stack",
        cpes: &["cpe:2.3:a:haskell:stack:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "consul-binary",
        globs: &["consul"],
        find: &[
            Find::Bytes(r"(?-u)CONSUL_VERSION: (?P<version>\d+\.\d+\.\d+)"),
            Find::Bytes(r#"(?-u)GitDescribe=(?P<version>\d+\.\d+\.\d+)""#),
            Find::Bytes(r"(?-u)\x00+v(?P<version>\d+\.\d+\.\d+)\x00+"),
        ],
        branch: None,
        package: "consul",
        purl: "pkg:golang/github.com/hashicorp/consul",
        cpes: &["cpe:2.3:a:hashicorp:consul:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "hashicorp-vault-binary",
        globs: &["vault"],
        find: &[
            Find::Bytes(r"(?-u)revoke(?P<version>[0-9]+\.[0-9]+\.[0-9]+)"),
            Find::Bytes(r"(?-u)state(?P<version>[0-9]+\.[0-9]+\.[0-9]+\-rc[0-9])"),
            Find::Bytes(r"(?-u)016x(?P<version>1.1[1,3,4].[0-9]{1,2})"),
            Find::Bytes(r"(?-u)\x00+(?P<version>1\.[0-9][0,1]?\.[0-9]+)\x00+"),
        ],
        branch: None,
        package: "github.com/hashicorp/vault",
        purl: "pkg:golang/github.com/hashicorp/vault",
        cpes: &["cpe:2.3:a:hashicorp:vault:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "nginx-binary",
        globs: &["nginx"],
        find: &[Find::Bytes(
            r"(?-u)(\x00|\?)nginx version: [^/]+/(?P<version>[0-9]+\.[0-9]+\.[0-9]+(?:\+\d+)?(?:-\d+)?)",
        )],
        branch: None,
        package: "nginx",
        purl: "pkg:generic/nginx",
        cpes: &[
            "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:nginx:nginx:*:*:*:*:*:*:*:*",
        ],
    },
    Classifier {
        class: "bash-binary",
        globs: &["bash"],
        find: &[Find::Bytes(
            r"(?-u)@\(#\)Bash version (?P<version>[0-9]+\.[0-9]+\.[0-9]+)\([0-9]\) [a-z0-9]+ GNU",
        )],
        branch: None,
        package: "bash",
        purl: "pkg:generic/bash",
        cpes: &["cpe:2.3:a:gnu:bash:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "openssl-binary-aws-lc",
        globs: &["openssl"],
        find: &[Find::Bytes(
            r"(?-u)AWS-LC (?P<version>[0-9]+\.[0-9]+\.[0-9]+)\)\x00",
        )],
        branch: Some("openssl"),
        package: "aws-lc",
        purl: "pkg:generic/aws-lc",
        cpes: &["cpe:2.3:a:amazon:aws_libcrypto:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "openssl-binary",
        globs: &["openssl"],
        find: &[Find::Bytes(
            r"(?-u)\x00OpenSSL (?P<version>[0-9]+\.[0-9]+\.[0-9]+([a-z]+|-alpha[0-9]|-beta[0-9]|-rc[0-9])?)",
        )],
        branch: Some("openssl"),
        package: "openssl",
        purl: "pkg:generic/openssl",
        cpes: &["cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "openldap-search-binary",
        globs: &["ldapsearch"],
        find: &[Find::Bytes(
            r"(?-u)\$OpenLDAP:\sldapsearch\s(?P<version>[0-9]+\.[0-9]+\.[0-9]+)",
        )],
        branch: None,
        package: "openldap",
        purl: "pkg:generic/openldap",
        cpes: &["cpe:2.3:a:openldap:openldap:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "qt-qtbase-lib",
        globs: &["libQt*Core.so*"],
        find: &[
            Find::Bytes(r"(?-u)\x00\x00Qt (?P<version>[0-9]+\.[0-9]+\.[0-9]+) \("),
            Find::Bytes(r"(?-u)QtCore library version (?P<version>[0-9]+\.[0-9]+\.[0-9]+)"),
        ],
        branch: None,
        package: "qtbase",
        purl: "pkg:generic/qtbase",
        cpes: &[
            "cpe:2.3:a:qt:qt:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:qt:qtbase:*:*:*:*:*:*:*:*",
        ],
    },
    Classifier {
        class: "gcc-binary",
        globs: &["gcc"],
        find: &[Find::Bytes(
            r"(?-u)GCC: \(GNU\) (?P<version>[0-9]+\.[0-9]+\.[0-9]+)",
        )],
        branch: None,
        package: "gcc",
        purl: "pkg:generic/gcc",
        cpes: &["cpe:2.3:a:gnu:gcc:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "fluent-bit-binary",
        globs: &["fluent-bit"],
        find: &[Find::Bytes(
            r"(?-u)\x00(\x00)?(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00(\x1b\[1m\x00|\x00|\x00\x00)?(%s)?Fluent",
        )],
        branch: None,
        package: "fluent-bit",
        purl: "pkg:github/fluent/fluent-bit",
        cpes: &["cpe:2.3:a:treasuredata:fluent_bit:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "wordpress-cli-binary",
        globs: &["wp"],
        find: &[Find::Bytes(
            r"(?-u)wp-cli/wp-cli (?P<version>[0-9]+\.[0-9]+\.[0-9]+)",
        )],
        branch: None,
        package: "wp-cli",
        purl: "pkg:generic/wp-cli",
        cpes: &["cpe:2.3:a:wp-cli:wp-cli:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "curl-binary",
        globs: &["curl"],
        find: &[Find::Bytes(
            r"(?-u)curl/(?P<version>[0-9]+\.[0-9]+\.[0-9]+)",
        )],
        branch: None,
        package: "curl",
        purl: "pkg:generic/curl",
        cpes: &["cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "lighttpd-binary",
        globs: &["lighttpd"],
        find: &[Find::Bytes(
            r"(?-u)\x00lighttpd/(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00",
        )],
        branch: None,
        package: "lighttpd",
        purl: "pkg:generic/lighttpd",
        cpes: &["cpe:2.3:a:lighttpd:lighttpd:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "proftpd-binary",
        globs: &["proftpd"],
        find: &[Find::Bytes(
            r"(?-u)\x00ProFTPD Version (?P<version>[0-9]+\.[0-9]+\.[0-9]+[a-z]?)\x00",
        )],
        branch: None,
        package: "proftpd",
        purl: "pkg:generic/proftpd",
        cpes: &["cpe:2.3:a:proftpd:proftpd:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "zstd-binary",
        globs: &["zstd"],
        find: &[Find::Bytes(
            r"(?-u)\x00v(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00",
        )],
        branch: None,
        package: "zstd",
        purl: "pkg:generic/zstd",
        cpes: &["cpe:2.3:a:facebook:zstandard:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "xz-binary",
        globs: &["xz"],
        find: &[Find::Bytes(
            r"(?-u)\x00xz \(XZ Utils\) (?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00",
        )],
        branch: None,
        package: "xz",
        purl: "pkg:generic/xz",
        cpes: &["cpe:2.3:a:tukaani:xz:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "gzip-binary",
        globs: &["gzip"],
        find: &[Find::Bytes(r"(?-u)\x00(?P<version>[0-9]+\.[0-9]+)\x00")],
        branch: None,
        package: "gzip",
        purl: "pkg:generic/gzip",
        cpes: &["cpe:2.3:a:gnu:gzip:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "sqlcipher-binary",
        globs: &["sqlcipher"],
        find: &[Find::Bytes(
            r"(?-u)[^0-9]\x00(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00",
        )],
        branch: None,
        package: "sqlcipher",
        purl: "pkg:generic/sqlcipher",
        cpes: &["cpe:2.3:a:zetetic:sqlcipher:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "jq-binary",
        globs: &["jq"],
        find: &[Find::Bytes(
            r"(?-u)\x00(?P<version>[0-9]{1,3}\.[0-9]{1,3}(\.[0-9]+)?)\x00",
        )],
        branch: None,
        package: "jq",
        purl: "pkg:generic/jq",
        cpes: &["cpe:2.3:a:jqlang:jq:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "chrome-binary",
        globs: &["chrome"],
        find: &[Find::Bytes(
            r"(?-u)\x00(?P<version>[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)\x00Default",
        )],
        branch: None,
        package: "chrome",
        purl: "pkg:generic/chrome",
        cpes: &["cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "ffmpeg-binary",
        globs: &["ffmpeg"],
        find: &[Find::Bytes(
            r"(?-u)%s version (?P<version>[0-9]+\.[0-9]+(\.[0-9]+)?)",
        )],
        branch: None,
        package: "ffmpeg",
        purl: "pkg:generic/ffmpeg",
        cpes: &["cpe:2.3:a:ffmpeg:ffmpeg:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "ffmpeg-library",
        globs: &["libav*", "libswresample*"],
        find: &[
            Find::Bytes(r"(?-u)FFmpeg version (?P<version>[0-9]+\.[0-9]+(\.[0-9]+)?)"),
            Find::Bytes(r"(?-u)Lavc(?P<version>[0-9]+\.[0-9]+\.[0-9]+)"),
            Find::Bytes(r"(?-u)Lavf(?P<version>[0-9]+\.[0-9]+\.[0-9]+)"),
        ],
        branch: None,
        package: "ffmpeg",
        purl: "pkg:generic/ffmpeg",
        cpes: &["cpe:2.3:a:ffmpeg:ffmpeg:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "elixir-binary",
        globs: &["elixir"],
        find: &[Find::Bytes(
            r"(?-u)ELIXIR_VERSION=(?P<version>[0-9]+\.[0-9]+\.[0-9]+(?:-[a-z0-9]+(?:\.[0-9]+)?)?)",
        )],
        branch: None,
        package: "elixir",
        purl: "pkg:generic/elixir",
        cpes: &["cpe:2.3:a:elixir-lang:elixir:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "elixir-library",
        globs: &["elixir/ebin/elixir.app"],
        find: &[Find::Bytes(
            r#"(?-u)\{vsn,"(?P<version>[0-9]+\.[0-9]+\.[0-9]+(?:-[a-z0-9]+(?:\.[0-9]+)?)?)"\}"#,
        )],
        branch: None,
        package: "elixir",
        purl: "pkg:generic/elixir",
        cpes: &["cpe:2.3:a:elixir-lang:elixir:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "istio-binary",
        globs: &["pilot-discovery"],
        find: ISTIO,
        branch: None,
        package: "pilot-discovery",
        purl: "pkg:generic/istio",
        cpes: &["cpe:2.3:a:istio:istio:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "istio-binary",
        globs: &["pilot-agent"],
        find: ISTIO,
        branch: None,
        package: "pilot-agent",
        purl: "pkg:generic/istio",
        cpes: &["cpe:2.3:a:istio:istio:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "grafana-binary",
        globs: &["grafana", "grafana-server"],
        find: &[
            Find::Bytes(r"(?-u)\x00+(?P<version>[0-9]{2}\.[0-9]+\.[0-9]+\-[0-9]{6,})\x00+"),
            Find::Bytes(
                r"(?-u)\x00+release-(?P<version>[0-9]{2}\.[0-9]+\.[0-9]+(-beta[0-9]|-test|-preview)?)(\+security-[0-9]+)?\x00+",
            ),
            Find::Bytes(
                r"(?-u)[a-z0-9]+\x00+(?P<version>[0-9]{1,2}\.[0-9]+\.[0-9]+(-beta[0-9]|-test|-preview)?)\x00+/usr/local/go",
            ),
        ],
        branch: None,
        package: "grafana",
        purl: "pkg:generic/grafana",
        cpes: &["cpe:2.3:a:grafana:grafana:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "mongodb-binary",
        globs: &["mongod"],
        find: &[
            Find::Bytes(r"(?-u)(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00tcmalloc"),
            Find::Bytes(r"(?-u)(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00+heap_size"),
            Find::Bytes(r"(?-u)(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\x00+cppdefines"),
        ],
        branch: None,
        package: "mongodb",
        purl: "pkg:generic/mongodb",
        cpes: &["cpe:2.3:a:mongodb:mongodb:*:*:*:*:*:*:*:*"],
    },
    // Java: one branch per launcher; the first kind of JDK that matches names it.
    Classifier {
        class: "java-binary-graalvm",
        globs: &["java"],
        find: &[Find::Bytes(GRAALVM)],
        branch: Some("java"),
        package: "graalvm",
        purl: "pkg:generic/oracle/graalvm",
        cpes: &["cpe:2.3:a:oracle:graalvm:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "java-binary-openjdk-zulu",
        globs: &["java"],
        find: &[
            Find::BytesUnder(
                "zulu",
                r"(?-u)\x00java\x00(?P<release>[0-9]+[.0-9]*)\x00(?P<version>[0-9]+[^\x00]+)\x00",
            ),
            Find::BytesUnder("zulu", OPENJDK_ARM),
        ],
        branch: Some("java"),
        package: "zulu",
        purl: "pkg:generic/azul/zulu",
        cpes: &["cpe:2.3:a:azul:zulu:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "java-binary-openjdk-with-update",
        globs: &["java"],
        find: &[
            Find::BytesWith(
                "openjdk",
                r"(?-u)java\x00(?P<release>[0-9]+[.0-9]*)\x00(?P<version>[0-9]+[^\x00]+_[^\x00]+-[^\x00]+)\x00",
            ),
            Find::BytesWith(
                "openjdk",
                r"(?-u)\x00(?P<release>[0-9]+[.0-9]*)\x00+(?P<version>[0-9]+[^\x00]+_[^\x00]+-[^\x00]+)\x00+openjdk\x00java",
            ),
        ],
        branch: Some("java"),
        package: "openjdk",
        purl: "pkg:generic/oracle/openjdk",
        cpes: &["cpe:2.3:a:oracle:openjdk:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "java-binary-openjdk",
        globs: &["java"],
        find: &[Find::Bytes(OPENJDK_NUL), Find::Bytes(OPENJDK_ARM)],
        branch: Some("java"),
        package: "openjdk",
        purl: "pkg:generic/oracle/openjdk",
        cpes: &["cpe:2.3:a:oracle:openjdk:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "java-binary-ibm",
        globs: &["java"],
        find: &[Find::BytesUnder(
            "/ibm/",
            r"(?-u)\x00java\x00+(?P<release>[0-9]+[.0-9]+)\x00+(?P<version>[0-9]+[-._a-zA-Z0-9]+)\x00",
        )],
        branch: Some("java"),
        package: "java",
        purl: "pkg:generic/ibm/java",
        cpes: &["cpe:2.3:a:ibm:java:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "java-binary-openjdk-fallthrough",
        globs: &["java"],
        find: &[Find::BytesWith(
            "openjdk",
            r"(?-u)\x00(?P<version>[0-9]+[.0-9]+[+][-0-9]+)\x00",
        )],
        branch: Some("java"),
        package: "jre",
        purl: "pkg:generic/oracle/jre",
        cpes: &["cpe:2.3:a:oracle:jre:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "java-binary-oracle",
        globs: &["java"],
        find: &[Find::Bytes(
            r"(?-u)\x00(?P<version>[0-9]+\.[0-9]+\.[-._+a-zA-Z0-9]+)\x00",
        )],
        branch: Some("java"),
        package: "jre",
        purl: "pkg:generic/oracle/jre",
        cpes: &["cpe:2.3:a:oracle:jre:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "java-jdb-binary-graalvm",
        globs: &["jdb"],
        find: &[Find::Bytes(GRAALVM)],
        branch: Some("jdb"),
        package: "graalvm",
        purl: "pkg:generic/oracle/graalvm",
        cpes: &["cpe:2.3:a:oracle:graalvm_for_jdk:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "java-jdb-binary-openjdk",
        globs: &["jdb"],
        find: &[Find::Bytes(OPENJDK_NUL), Find::Bytes(OPENJDK_ARM)],
        branch: Some("jdb"),
        package: "openjdk",
        purl: "pkg:generic/oracle/openjdk",
        cpes: &["cpe:2.3:a:oracle:openjdk:*:*:*:*:*:*:*:*"],
    },
    Classifier {
        class: "java-binary-jdk",
        globs: &["jdb"],
        find: &[Find::Bytes(
            r"(?-u)\x00(?P<version>[0-9]+\.[0-9]+\.[0-9]+(\+[0-9]+)?([-._a-zA-Z0-9]+)?)\x00",
        )],
        branch: Some("jdb"),
        package: "jdk",
        purl: "pkg:generic/oracle/jdk",
        cpes: &["cpe:2.3:a:oracle:jdk:*:*:*:*:*:*:*:*"],
    },
];

/// Multi-call binaries kept under another name: docker-library's busybox stores its one
/// binary as `/bin/[` and makes `/bin/busybox` a hard link to it. An executable holding this
/// literal runs the named classifier whatever its name; the inventory keeps the match only
/// where a link of the classifier's name leads to the file, as Syft finds it only there.
const STORED_UNDER_OTHER_NAMES: &[(&str, &str)] = &[("BusyBox v", "busybox-binary")];

/// Each classifier's compiled patterns, compiled the first time a file needs them.
static COMPILED: LazyLock<Vec<OnceLock<Vec<Regex>>>> =
    LazyLock::new(|| CLASSIFIERS.iter().map(|_| OnceLock::new()).collect());

/// Whether some classifier wants the file: a regular file whose name fits a glob.
pub fn wants(meta: &FileMeta) -> bool {
    is_regular(meta.mode) && meta.size > 0 && (meta.mode & 0o111 != 0 || fits_any(meta.path))
}

/// Whether any classifier's glob fits `path`. This runs on every entry of every layer (a
/// million on a big layer), so the globs are indexed once: most are plain names, looked up in a
/// set; the few with wildcards are tried only when the name starts with their literal prefix.
fn fits_any(path: &str) -> bool {
    let names = &*NAME_INDEX;
    let base = basename(path);
    names.exact.contains(base)
        || names
            .wild
            .iter()
            .any(|g| base.starts_with(literal_prefix(g)) && wildcard(g.as_bytes(), base.as_bytes()))
        || names.nested.iter().any(|g| path_matches(g, path))
}

/// Every classifier glob, sorted by how it is matched.
struct NameIndex {
    /// Plain base names (`busybox`, `redis-server`).
    exact: HashSet<&'static str>,
    /// Base-name globs with `*` or `?` (`python*`, `libpython*.so*`).
    wild: Vec<&'static str>,
    /// Globs over more than one path component (`elixir/ebin/elixir.app`).
    nested: Vec<&'static str>,
}

static NAME_INDEX: LazyLock<NameIndex> = LazyLock::new(|| {
    let mut index = NameIndex {
        exact: HashSet::new(),
        wild: Vec::new(),
        nested: Vec::new(),
    };
    for &g in CLASSIFIERS.iter().flat_map(|c| c.globs) {
        if g.contains('/') {
            index.nested.push(g);
        } else if g.contains(['*', '?']) {
            index.wild.push(g);
        } else {
            index.exact.insert(g);
        }
    }
    index.wild.sort_unstable();
    index.wild.dedup();
    index.nested.sort_unstable();
    index.nested.dedup();
    index
});

/// The part of a glob before its first wildcard, which every fitting name starts with.
fn literal_prefix(glob: &str) -> &str {
    glob.find(['*', '?']).map_or(glob, |i| &glob[..i])
}

/// Whether `path` has a name the classifiers of `package` look for.
pub fn fits_name(package: &str, path: &str) -> bool {
    CLASSIFIERS
        .iter()
        .filter(|c| c.package == package)
        .any(|c| c.globs.iter().any(|g| path_matches(g, path)))
}

/// The packages the classifiers whose globs fit `file` find in its bytes.
pub fn parse(file: &FileInput) -> Result<Vec<Package>, String> {
    let mut found: Vec<Package> = Vec::new();
    let mut done_branches: Vec<&str> = Vec::new();
    let mut named = false;
    for (i, c) in CLASSIFIERS.iter().enumerate() {
        if !c.globs.iter().any(|g| path_matches(g, file.path)) {
            continue;
        }
        named = true;
        if c.branch.is_some_and(|b| done_branches.contains(&b)) {
            continue;
        }
        let Some(version) = version(i, c, file)? else {
            continue;
        };
        if let Some(b) = c.branch {
            done_branches.push(b);
        }
        let p = Package::new(PackageType::Binary, c.package, version, file.path);
        if !found
            .iter()
            .any(|q| q.name == p.name && q.version == p.version)
        {
            found.push(p);
        }
    }
    if !named && file.mode & 0o111 != 0 {
        found.extend(multicall(file)?);
    }
    Ok(found)
}

/// What an executable of another name holds of the multi-call programs.
fn multicall(file: &FileInput) -> Result<Vec<Package>, String> {
    let mut found = Vec::new();
    for (literal, class) in STORED_UNDER_OTHER_NAMES {
        if memchr::memmem::find(file.data, literal.as_bytes()).is_none() {
            continue;
        }
        let Some((i, c)) = CLASSIFIERS
            .iter()
            .enumerate()
            .find(|(_, c)| c.class == *class)
        else {
            continue;
        };
        if let Some(version) = version(i, c, file)? {
            found.push(Package::new(
                PackageType::Binary,
                c.package,
                version,
                file.path,
            ));
        }
    }
    Ok(found)
}

/// The version classifier `c` (number `i` in the table) reads in `file`, if any.
fn version(i: usize, c: &Classifier, file: &FileInput) -> Result<Option<String>, String> {
    let compiled = COMPILED[i].get_or_init(|| c.find.iter().filter_map(compile).collect());
    let mut patterns = compiled.iter();
    for find in c.find {
        let found = match find {
            Find::NamedVersion(name) => named_version(name, file)?,
            Find::Bytes(_) => first_version(patterns.next(), file.data),
            Find::BytesWith(literal, _) => {
                let re = patterns.next();
                if memchr::memmem::find(file.data, literal.as_bytes()).is_some() {
                    first_version(re, file.data)
                } else {
                    None
                }
            }
            Find::BytesUnder(part, _) => {
                let re = patterns.next();
                if file.path.contains(part) {
                    first_version(re, file.data)
                } else {
                    None
                }
            }
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// The regex of a pattern that has one (`NamedVersion` builds its own per file).
fn compile(find: &Find) -> Option<Regex> {
    let pattern = match find {
        Find::Bytes(p) | Find::BytesWith(_, p) | Find::BytesUnder(_, p) => p,
        Find::NamedVersion(_) => return None,
    };
    // The table is fixed at compile time and `table_compiles` checks every pattern, so a
    // failure here is a bug in the table, not in the input.
    Some(Regex::new(pattern).expect("classifier pattern compiles"))
}

fn first_version(re: Option<&Regex>, data: &[u8]) -> Option<String> {
    let caps = re?.captures(data)?;
    let v = caps.name("version")?.as_bytes();
    std::str::from_utf8(v).ok().map(str::to_owned)
}

/// Python's version from the file name, confirmed in the bytes (`[NUL]3.12.7[NUL]`), which
/// also gives the patch level the name leaves out.
fn named_version(name_pattern: &str, file: &FileInput) -> Result<Option<String>, String> {
    let name_re = Regex::new(name_pattern).map_err(|e| e.to_string())?;
    let Some(short) = name_re
        .captures(basename(file.path).as_bytes())
        .and_then(|c| c.name("version"))
        .and_then(|m| std::str::from_utf8(m.as_bytes()).ok())
    else {
        return Ok(None);
    };
    let content = format!(
        r"(?-u)\x00(?P<version>{}[-._a-zA-Z0-9]*)\x00",
        regex::escape(short)
    );
    let re = Regex::new(&content).map_err(|e| e.to_string())?;
    Ok(first_version(Some(&re), file.data))
}

/// The purl of a binary package, from the classifier that names it.
pub fn purl_base(package: &str) -> &'static str {
    CLASSIFIERS
        .iter()
        .find(|c| c.package == package)
        .map_or("pkg:generic", |c| c.purl)
}

/// The CPEs of a binary package with its version filled in, as Syft writes them.
pub fn cpes(package: &str, version: &str) -> Vec<String> {
    let Some(c) = CLASSIFIERS.iter().find(|c| c.package == package) else {
        return Vec::new();
    };
    c.cpes
        .iter()
        .map(|cpe| {
            let mut parts: Vec<String> = split_cpe(cpe);
            if let Some(v) = parts.get_mut(5) {
                *v = cpe_escape(version);
            }
            parts.join(":")
        })
        .collect()
}

/// CPE 2.3 fields split on the colons that are not escaped (`erlang\/otp` keeps its slash).
fn split_cpe(cpe: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for ch in cpe.chars() {
        if ch == ':' && !escaped {
            parts.push(String::new());
            continue;
        }
        escaped = ch == '\\' && !escaped;
        parts.last_mut().expect("starts with one part").push(ch);
    }
    parts
}

/// A version as a CPE 2.3 formatted-string value: punctuation other than `.`, `-` and `_`
/// is escaped with a backslash.
fn cpe_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for ch in v.chars() {
        if !(ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_')) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Whether `glob` (`*` and `?` wildcards, `/` between components) fits the last components of
/// `path`. Allocation-free: it runs on every entry of every layer.
fn path_matches(glob: &str, path: &str) -> bool {
    let depth = glob.bytes().filter(|&b| b == b'/').count();
    let mut start = path.len();
    for _ in 0..=depth {
        start = path[..start].rfind('/').unwrap_or(0);
        if start == 0 {
            break;
        }
    }
    let tail = path[start..].trim_start_matches('/');
    wildcard(glob.as_bytes(), tail.as_bytes())
}

/// `*` any run (not crossing `/`), `?` one byte, anything else itself.
fn wildcard(glob: &[u8], text: &[u8]) -> bool {
    match glob.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len())
            .take_while(|&i| i == 0 || text[i - 1] != b'/')
            .any(|i| wildcard(rest, &text[i..])),
        Some((b'?', rest)) => {
            text.first().is_some_and(|&t| t != b'/') && wildcard(rest, &text[1..])
        }
        Some((g, rest)) => text.first() == Some(g) && wildcard(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name index agrees with trying every glob in turn, on names made from the globs
    /// themselves and on near misses.
    #[test]
    fn name_index_agrees_with_every_glob() {
        let naive = |path: &str| {
            CLASSIFIERS
                .iter()
                .any(|c| c.globs.iter().any(|g| path_matches(g, path)))
        };
        let mut paths = vec![
            "/usr/bin/ls".to_string(),
            "python".into(),
            "/x/pythonic".into(),
        ];
        for g in CLASSIFIERS.iter().flat_map(|c| c.globs) {
            let name = g.replace('*', "3.12").replace('?', "a");
            for p in [
                format!("/usr/lib/{name}"),
                format!("/usr/lib/{name}x"),
                format!("/usr/lib/x{name}"),
                format!("/{}", &name[..name.len() / 2]),
                name.clone(),
            ] {
                paths.push(p);
            }
        }
        for p in &paths {
            assert_eq!(fits_any(p), naive(p), "{p}");
        }
    }

    #[test]
    fn table_compiles() {
        for c in CLASSIFIERS {
            for f in c.find {
                if let Find::NamedVersion(p) = f {
                    Regex::new(p).unwrap();
                } else {
                    assert!(compile(f).is_some(), "{}", c.class);
                }
            }
        }
    }

    #[test]
    fn globs_fit_the_last_components() {
        assert!(path_matches("busybox", "/bin/busybox"));
        assert!(path_matches("busybox", "busybox"));
        assert!(!path_matches("busybox", "/bin/busybox.suid"));
        assert!(path_matches("python*", "/usr/local/bin/python3.12"));
        assert!(path_matches(
            "libpython*.so*",
            "/usr/lib/libpython3.12.so.1.0"
        ));
        assert!(!path_matches("libpython*.so*", "/usr/lib/libpython3.12.a"));
        assert!(path_matches(
            "libstd-????????????????.so",
            "/r/libstd-0123456789abcdef.so"
        ));
        assert!(!path_matches(
            "libstd-????????????????.so",
            "/r/libstd-0123.so"
        ));
        assert!(path_matches(
            "elixir/ebin/elixir.app",
            "/usr/local/lib/elixir/lib/elixir/ebin/elixir.app"
        ));
        assert!(!path_matches(
            "elixir/ebin/elixir.app",
            "/x/ebin/elixir.app"
        ));
    }

    fn classify(path: &str, data: &[u8]) -> Vec<(String, String)> {
        parse(&FileInput {
            path,
            data,
            mode: 0o755,
        })
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.version))
        .collect()
    }

    #[test]
    fn multicall_binaries_are_read_under_any_name() {
        let bytes = b"\x7fELF....BusyBox v1.36.1 (2024) multi-call binary";
        assert_eq!(
            classify("/bin/[", bytes),
            [("busybox".to_owned(), "1.36.1".to_owned())]
        );
        assert!(fits_name("busybox", "/bin/busybox"));
        assert!(!fits_name("busybox", "/bin/["));
        // A file of a classifier's name is read by that classifier only.
        assert!(classify("/usr/bin/curl", bytes).is_empty());
    }

    #[test]
    fn branches_stop_at_the_first_match() {
        let aws = b"\x00OpenSSL 1.1.1 (compatible; AWS-LC 1.69.0)\x00";
        assert_eq!(
            classify("/usr/bin/openssl", aws),
            [("aws-lc".to_owned(), "1.69.0".to_owned())]
        );
    }

    #[test]
    fn python_needs_its_version_in_name_and_bytes() {
        let data = b"junk\x003.12.7\x00more";
        assert_eq!(
            classify("/usr/local/bin/python3.12", data),
            [("python".to_owned(), "3.12.7".to_owned())]
        );
        assert!(classify("/usr/local/bin/python3", data).is_empty());
        assert!(classify("/usr/local/bin/python3.11", data).is_empty());
    }

    #[test]
    fn cpes_carry_the_version() {
        assert_eq!(
            cpes("busybox", "1.36.1"),
            ["cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*"]
        );
        assert_eq!(
            cpes("erlang", "26.1+x"),
            ["cpe:2.3:a:erlang:erlang\\/otp:26.1\\+x:*:*:*:*:*:*:*"]
        );
    }
}
