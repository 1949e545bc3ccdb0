//! The planted corpus: an OCI image this test writes, whose layers (gzip and plain) hold a
//! realistic, non-working credential of every built-in rule — some in files a later layer
//! deletes or overwrites, some in `ENV`, labels and history (`ARG` values baked into `RUN`) —
//! next to lookalikes that must not match: example keys, hashes, UUIDs, base64 of random
//! bytes, lock-file integrity hashes, and real-looking tokens in docs and vendored test
//! fixtures. Every planted secret must be found with the right layers, no lookalike reported,
//! and no secret ever appear in full in any output.

use std::collections::BTreeSet;
use std::io::Write;

use plinth_image::reference::Reference;
use plinth_secrets::{Options, PathFilter, Report, RuleSet, Scanner, report, scan_image};
use plinth_testdata::{oci_layout, sha256, ustar};
use serde_json::json;

// Non-working credentials in each service's documented format.
const AWS_ID: &str = "AKIAX44S0O2A0QPOASTV";
const AWS_SECRET: &str = "lS+2wLfKkaVE/tNMO66iv9b4/b8p6k+csDZVefZO";
const GCP_KEY_ID: &str = "f27a32370c131c48750773348cd1ceee81106d8c";
const AZURE: &str =
    "nBo1nKo63sZEqqZ3CYxU/w0A2c+MLpjN/E8A4r+knOh7k/gQvmUZKYiCy6AbaCQYAhIcXhsCAIdB89Sr6wnycl==";
const GHP: &str = "ghp_7xUsP0P9gjcl7NSWShU8WownKBfl7fDf4cKj";
const GHO: &str = "gho_jRUXkXnAcWwhR3zAqhNyMmwVCxBbwm0fn8yA";
const GHS: &str = "ghs_4YdLnAXUQJvcHzwbPjAp9ukzdyc3zO2VCP7c";
const GHR: &str =
    "ghr_j59akV4mQLsNQLA91bdh50H0IaiuMNfLItCjMB8sKNZAIf5SX7jNctqtP9SC6Uue5005Oqyt3P8K";
const GITHUB_PAT: &str =
    "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";
const GLPAT: &str = "glpat-aiG1pQ19WEzNuCxwXTjs";
const GLRT: &str = "glrt-bPnWj7WZOAfSq8806s4B";
const GLDT: &str = "gldt-vSYuY8zmvpDbIbwbCIAG";
const ATBB: &str = "ATBBA6LfHjSpIpblckqoxFcFi11puEA8BA79D0D0";
const BB_SECRET: &str = "09n9OPBOjan439M6MQibLg5GmNp87zra";
const SLACK: &str = "xoxb-705455330842-4551317043468-jUsGd0wyanwfQuvxBGtpMZh4";
const SLACK_HOOK: &str = "TMFI19L9I/BMKN37PNJ/BNscgo9YZSYPx11JZsoO97ZR";
const STRIPE: &str = "sk_live_dKgafQQgk5jcyBxtoJklvSwO";
const STRIPE_RK: &str = "rk_live_NzW9VLAI3pItATjwTg8AyFwj";
const TWILIO: &str = "SKc7dd56d2cd307eabe25923ba816d38d7";
const SENDGRID: &str = "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";
const NPM: &str = "npm_EbrcR3FY2UFPxypK3t4OzXuy6rTvrne6m1wt";
const NPM_ARG: &str = "npm_Q3kD8sLr0XwT5vYb2NcA7mEuJ9hG4fZp1iOa";
const NPMRC_AUTH: &str = "lgGaWAsUWFxxmmZATkytTftFWmPCKdt8OIpCdJyW";
const PYPI: &str =
    "pypi-AgEIcHlwaS5vcmchpQjyzW55o7pdlSSJo_HlF3Bt-gfKcvaumxXYrUntkbjegb7Xb4Va5BpoBeY";
const DOCKER_AUTH: &str = "ZGVwbG95OllyZTJrS1hhTnRWcmZMeGEyYTFN";
const JWT: &str = "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAic3ZjLWJ1aWxkIiwgImlhdCI6IDE3MzMyMDAwMDB9.5biGDfedMjXQ0CKpn6CQPW51QPrqguaqcMNgSHVOg_k";
const GIT_CRED: &str = "7TalpH0uCQqRq2PJ";
const URL_PASSWORD: &str = "QiyHggFDSAkxHp";
const PASSWORD: &str = "zkfrVQxkUE7x";
const LABEL_TOKEN: &str = "glpat-Xk29dLqP0sWm7NvB4cRt";

/// A PEM-style block of `bytes` pseudo-random bytes (a fixed seed), as the key formats
/// armour them: base64 in 64-column lines between BEGIN and END lines.
fn pem(label: &str, seed: u64, bytes: usize, line_break: &str) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x = seed;
    let body: String = (0..bytes * 4 / 3)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            B64[(x >> 58) as usize] as char
        })
        .collect();
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----{line_break}{}{line_break}-----END {label}-----{line_break}",
        lines.join(line_break)
    )
}

fn rsa() -> String {
    pem("RSA PRIVATE KEY", 1, 1190, "\n")
}
fn ec() -> String {
    pem("EC PRIVATE KEY", 2, 121, "\n")
}
fn openssh() -> String {
    pem("OPENSSH PRIVATE KEY", 3, 399, "\n")
}
fn pgp() -> String {
    let key = pem("PGP PRIVATE KEY BLOCK", 4, 900, "\n");
    key.replacen("-----\n", "-----\n\n", 1)
}
fn pkcs8_in_json() -> String {
    pem("PRIVATE KEY", 5, 1218, "\\n")
}

/// The secrets every output is searched for (PEM bodies by a 40-character piece).
fn all_secrets() -> Vec<String> {
    let mut all: Vec<String> = [
        AWS_ID,
        AWS_SECRET,
        GCP_KEY_ID,
        AZURE,
        GHP,
        GHO,
        GHS,
        GHR,
        GITHUB_PAT,
        GLPAT,
        GLRT,
        GLDT,
        ATBB,
        BB_SECRET,
        SLACK,
        SLACK_HOOK,
        STRIPE,
        STRIPE_RK,
        TWILIO,
        SENDGRID,
        NPM,
        NPM_ARG,
        NPMRC_AUTH,
        PYPI,
        DOCKER_AUTH,
        JWT,
        GIT_CRED,
        URL_PASSWORD,
        PASSWORD,
        LABEL_TOKEN,
    ]
    .map(String::from)
    .to_vec();
    for key in [rsa(), ec(), openssh(), pgp(), pkcs8_in_json()] {
        let body = key.lines().nth(2).unwrap_or(&key);
        all.push(body.chars().skip(20).take(40).collect());
    }
    all
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A file of `size` bytes of text lines with `secret` at `offset`; returns it and the
/// 1-based line the secret is on.
fn big_text(size: usize, at: &[(usize, String)]) -> (Vec<u8>, Vec<u64>) {
    let mut out = Vec::with_capacity(size);
    let mut lines = Vec::new();
    let mut pending = at.iter().peekable();
    let mut n = 0u64;
    while out.len() < size {
        n += 1;
        if let Some((offset, line)) = pending.peek()
            && out.len() >= *offset
        {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
            lines.push(n);
            pending.next();
            continue;
        }
        out.extend_from_slice(
            format!("log line {n}: request served in 12ms, status ok\n").as_bytes(),
        );
    }
    (out, lines)
}

struct Planted {
    _dir: tempfile::TempDir,
    reference: String,
    /// Lines of the two secrets in the big file (one across a window boundary).
    big_lines: Vec<u64>,
}

fn plant() -> Planted {
    let dir = tempfile::tempdir().unwrap();
    let env0 = format!(
        "# deploy credentials\nREGION=eu-west-1\nAWS_ACCESS_KEY_ID={AWS_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\n"
    );
    let gcp = format!(
        "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"build-4711\",\n  \"private_key_id\": \"{GCP_KEY_ID}\",\n  \"private_key\": \"{}\",\n  \"client_email\": \"ci@build-4711.iam.gserviceaccount.com\"\n}}\n",
        pkcs8_in_json()
    );
    let docker = format!(
        "{{\n  \"auths\": {{\n    \"registry.example.net\": {{\n      \"auth\": \"{DOCKER_AUTH}\"\n    }}\n  }}\n}}\n"
    );
    let settings =
        format!("STRIPE_KEY = \"{STRIPE}\"\nSENDGRID = '{SENDGRID}'\nTWILIO_KEY = \"{TWILIO}\"\n");
    let lookalikes = "\
# AWS documentation example keys
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
checksum sha1 11f6ad8ec52a2984abaafd7c3b516503785c2072
checksum sha256 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881
request id 58490179-73b0-1732-89b0-a2e108d9a0cb
nonce cvUP9+rAToNdlC970OFYcHQNw+PYOKvpy+MASOJBq91W5D99rhnJgb3tsV2jpd7l
password = ${DB_PASSWORD}
password: changeme
secret_name = get_secret_name()
token = <your-token-here>
url = https://user:${PASS}@example.org/
";
    let lock = "{\n  \"packages\": {\n    \"node_modules/minimist\": {\n      \"version\": \"1.2.5\",\n      \"resolved\": \"https://registry.npmjs.org/minimist/-/minimist-1.2.5.tgz\",\n      \"integrity\": \"sha512-EhtHdKdZkkopKcSkEvtuMbmqp0ZGaEDvzEp21pqUFJ4jZOOYPWRv6vqhtRF4XlyekK7cMNpqa+rVUg7MmcZiag==\"\n    }\n  }\n}\n";
    let doc = format!("# Setup\n\nExport a token: `export GITHUB_TOKEN={GHP}`\n");
    let fixture = rsa();
    let binary = [b"\x7fELF\x02\x01\x01\0\0\0".as_slice(), STRIPE.as_bytes()].concat();
    let id_rsa = rsa();
    let layer0 = ustar(&[
        ("app/.env", 0o600, env0.as_bytes()),
        ("app/config/sa.json", 0o600, gcp.as_bytes()),
        ("root/.docker/config.json", 0o600, docker.as_bytes()),
        ("app/settings.py", 0o644, settings.as_bytes()),
        ("app/lookalikes.txt", 0o644, lookalikes.as_bytes()),
        ("app/package-lock.json", 0o644, lock.as_bytes()),
        ("app/docs/setup.md", 0o644, doc.as_bytes()),
        (
            "app/node_modules/jsonwebtoken/test/fixtures/priv.pem",
            0o644,
            fixture.as_bytes(),
        ),
        ("usr/local/bin/tool", 0o755, &binary),
        ("root/.ssh/id_rsa", 0o600, id_rsa.as_bytes()),
    ]);

    let env1 = format!(
        "GITHUB_TOKEN={GHP}\nGH_OAUTH={GHO}\nGH_APP={GHS}\nGH_REFRESH={GHR}\nGH_FINE={GITHUB_PAT}\n"
    );
    let npmrc = format!(
        "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={NPM}\n//npm.internal/:_auth={NPMRC_AUTH}\n"
    );
    let git_credentials = format!("https://ci-bot:{GIT_CRED}@github.com\n");
    let slack =
        format!("bot_token: {SLACK}\nwebhook: https://hooks.slack.com/services/{SLACK_HOOK}\n");
    let pypirc = format!("[pypi]\nusername = __token__\npassword = {PYPI}\n");
    let gitlab = format!(
        "GITLAB_TOKEN={GLPAT}\nRUNNER={GLRT}\nDEPLOY={GLDT}\nBITBUCKET_APP_PASSWORD={ATBB}\nbitbucket_client_secret: {BB_SECRET}\n"
    );
    let azure = format!(
        "DefaultEndpointsProtocol=https;AccountName=buildcache;AccountKey={AZURE};EndpointSuffix=core.windows.net\n"
    );
    let db = format!(
        "url = postgres://app:{URL_PASSWORD}@db.internal:5432/app\ndb_password = \"{PASSWORD}\"\n"
    );
    let jwt = format!("Authorization: Bearer {JWT}\n");
    let layer1 = ustar(&[
        ("app/.env", 0o600, env1.as_bytes()),
        ("root/.npmrc", 0o600, npmrc.as_bytes()),
        ("root/.git-credentials", 0o600, git_credentials.as_bytes()),
        ("app/slack.yaml", 0o644, slack.as_bytes()),
        ("root/.pypirc", 0o600, pypirc.as_bytes()),
        ("app/gitlab.env", 0o600, gitlab.as_bytes()),
        ("app/azure.conn", 0o600, azure.as_bytes()),
        ("app/db.conf", 0o600, db.as_bytes()),
        ("app/request.http", 0o644, jwt.as_bytes()),
    ]);

    // Two secrets in a 3 MB log: one straddling the first window's end, one deep inside.
    let boundary = plinth_secrets::stream::WINDOW - 20;
    let (big, big_lines) = big_text(
        3 << 20,
        &[
            (boundary, format!("leaked {STRIPE_RK} here")),
            (2_600_000, format!("export AWS_ACCESS_KEY_ID={AWS_ID}")),
        ],
    );
    let keys = format!("{}{}{}", ec(), openssh(), pgp());
    let layer2 = ustar(&[
        ("root/.ssh/.wh.id_rsa", 0o600, b"".as_slice()),
        ("var/log/app.log", 0o644, &big),
        ("etc/keys.pem", 0o600, keys.as_bytes()),
    ]);

    let diff_ids: Vec<String> = [&layer0, &layer1, &layer2]
        .iter()
        .map(|l| sha256(l))
        .collect();
    let config = json!({
        "config": {
            "Env": ["PATH=/usr/local/bin:/usr/bin", format!("STRIPE_RESTRICTED={STRIPE_RK}")],
            "Cmd": ["node", "server.js"],
            "Labels": {"org.opencontainers.image.source": "https://example.net/app", "deploy.token": LABEL_TOKEN},
            "User": "app",
        },
        "history": [
            {"created_by": "COPY . /app # buildkit"},
            {"created_by": format!("RUN |1 NPM_TOKEN={NPM_ARG} /bin/sh -c npm ci # buildkit")},
            {"created_by": "ENV STRIPE_RESTRICTED=…", "empty_layer": true},
            {"created_by": "RUN /bin/sh -c rm /root/.ssh/id_rsa # buildkit"},
        ],
    });
    let reference = oci_layout(
        dir.path(),
        &[gzip(&layer0), layer1, gzip(&layer2)],
        &diff_ids,
        config,
    );
    Planted {
        _dir: dir,
        reference,
        big_lines,
    }
}

fn scan(reference: &str, rules: RuleSet) -> Report {
    let image = Reference::parse(reference)
        .unwrap()
        .open_local(None)
        .unwrap();
    let options = Options {
        filter: PathFilter::default(),
        max_size: plinth_secrets::DEFAULT_MAX_SIZE,
    };
    let target = scan_image(&image, &Scanner::new(rules), &options).unwrap();
    Report {
        targets: vec![target],
    }
}

type Seen = BTreeSet<(String, String, u64, Option<usize>, Option<String>)>;

fn seen(report: &Report) -> Seen {
    report.targets[0]
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.clone(),
                f.target.clone(),
                f.line,
                f.layer,
                f.still_in_image(),
            )
        })
        .collect()
}

#[test]
fn every_planted_secret_is_found_with_its_layers_and_no_lookalike() {
    let planted = plant();
    let report = scan(&planted.reference, RuleSet::builtin());
    let replaced =
        Some("still in the image: replaced in layer 1 but present in layer 0".to_string());
    let removed = Some("still in the image: removed in layer 2 but present in layer 0".to_string());
    let e = |rule: &str, target: &str, line: u64, layer: Option<usize>, hidden: &Option<String>| {
        (
            rule.to_string(),
            target.to_string(),
            line,
            layer,
            hidden.clone(),
        )
    };
    let [line_rk, line_aws] = planted.big_lines[..] else {
        panic!()
    };
    let expected: Seen = [
        e("aws-access-key-id", "/app/.env", 3, Some(0), &replaced),
        e("aws-secret-access-key", "/app/.env", 4, Some(0), &replaced),
        e(
            "gcp-service-account",
            "/app/config/sa.json",
            4,
            Some(0),
            &None,
        ),
        e("private-key", "/app/config/sa.json", 5, Some(0), &None),
        e(
            "docker-config-auth",
            "/root/.docker/config.json",
            4,
            Some(0),
            &None,
        ),
        e("stripe-secret-key", "/app/settings.py", 1, Some(0), &None),
        e("sendgrid-api-key", "/app/settings.py", 2, Some(0), &None),
        e("twilio-api-key", "/app/settings.py", 3, Some(0), &None),
        e("private-key", "/root/.ssh/id_rsa", 1, Some(0), &removed),
        e("github-pat", "/app/.env", 1, Some(1), &None),
        e("github-oauth", "/app/.env", 2, Some(1), &None),
        e("github-app-token", "/app/.env", 3, Some(1), &None),
        e("github-refresh-token", "/app/.env", 4, Some(1), &None),
        e("github-fine-grained-pat", "/app/.env", 5, Some(1), &None),
        e("npm-access-token", "/root/.npmrc", 2, Some(1), &None),
        e("npmrc-auth", "/root/.npmrc", 3, Some(1), &None),
        e(
            "git-credentials",
            "/root/.git-credentials",
            1,
            Some(1),
            &None,
        ),
        e("slack-token", "/app/slack.yaml", 1, Some(1), &None),
        e("slack-webhook-url", "/app/slack.yaml", 2, Some(1), &None),
        e("pypi-upload-token", "/root/.pypirc", 3, Some(1), &None),
        e("gitlab-pat", "/app/gitlab.env", 1, Some(1), &None),
        e("gitlab-runner-token", "/app/gitlab.env", 2, Some(1), &None),
        e("gitlab-deploy-token", "/app/gitlab.env", 3, Some(1), &None),
        e(
            "bitbucket-app-password",
            "/app/gitlab.env",
            4,
            Some(1),
            &None,
        ),
        e(
            "bitbucket-client-secret",
            "/app/gitlab.env",
            5,
            Some(1),
            &None,
        ),
        e(
            "azure-storage-account-key",
            "/app/azure.conn",
            1,
            Some(1),
            &None,
        ),
        e("basic-auth-url", "/app/db.conf", 1, Some(1), &None),
        e("generic-password", "/app/db.conf", 2, Some(1), &None),
        e("jwt-token", "/app/request.http", 1, Some(1), &None),
        e(
            "stripe-secret-key",
            "/var/log/app.log",
            line_rk,
            Some(2),
            &None,
        ),
        e(
            "aws-access-key-id",
            "/var/log/app.log",
            line_aws,
            Some(2),
            &None,
        ),
        e("private-key", "/etc/keys.pem", 1, Some(2), &None),
        e("private-key", "/etc/keys.pem", 6, Some(2), &None),
        e("private-key", "/etc/keys.pem", 17, Some(2), &None),
        e("stripe-secret-key", "config:Env", 1, None, &None),
        e("gitlab-pat", "config:Labels", 1, None, &None),
        e("npm-access-token", "history:1", 1, Some(1), &None),
    ]
    .into_iter()
    .collect();
    let found = seen(&report);
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );
    let summary = &report.targets[0].summary;
    assert_eq!(summary.binaries_skipped, 1, "{summary:?}");
    assert_eq!(summary.history_entries, 4);
}

#[test]
fn no_output_holds_a_secret_in_full() {
    let planted = plant();
    let report = scan(&planted.reference, RuleSet::builtin());
    let mut outputs = Vec::new();
    let mut table = Vec::new();
    report::table(&report, true, &mut table).unwrap();
    let mut json = Vec::new();
    report::json(&report, &mut json).unwrap();
    let mut sarif = Vec::new();
    report::sarif(&report, true, &mut sarif).unwrap();
    outputs.extend([table, json, sarif, format!("{report:?}").into_bytes()]);
    for secret in all_secrets() {
        for out in &outputs {
            assert!(
                !out.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in output"
            );
        }
    }
}

#[test]
fn custom_trivy_config_adds_a_rule_and_an_allow_rule_and_disables_a_builtin() {
    let planted = plant();
    let config = r#"
rules:
  - id: internal-build-id
    category: Internal
    title: Internal build identifier
    severity: LOW
    regex: 'build-(?P<id>[0-9]{4})'
    secret-group-name: id
    keywords: [build-]
allow-rules:
  - id: skip-slack-file
    description: the slack config is rotated hourly
    path: 'slack\.yaml$'
disable-rules:
  - jwt-token
"#;
    let report = scan(&planted.reference, RuleSet::from_yaml(config).unwrap());
    let found = seen(&report);
    let rules: BTreeSet<&str> = found.iter().map(|(r, ..)| r.as_str()).collect();
    assert!(!rules.contains("jwt-token"));
    assert!(!found.iter().any(|(_, t, ..)| t == "/app/slack.yaml"));
    let custom: Vec<_> = report.targets[0]
        .findings
        .iter()
        .filter(|f| f.rule_id == "internal-build-id")
        .collect();
    assert_eq!(custom.len(), 2, "{custom:#?}"); // project_id and client_email of sa.json
    assert!(
        custom
            .iter()
            .all(|f| f.target == "/app/config/sa.json" && f.category == "Internal")
    );
    assert_eq!(
        custom[0].redacted, "********",
        "a 4-character secret shows nothing"
    );
}

#[test]
fn files_over_the_limit_are_skipped_and_named() {
    let planted = plant();
    let image = Reference::parse(&planted.reference)
        .unwrap()
        .open_local(None)
        .unwrap();
    let options = Options {
        filter: PathFilter {
            skip_dirs: vec!["/root/.ssh".into()],
            skip_files: vec!["**/*.json".into()],
        },
        max_size: 1 << 20,
    };
    let target = scan_image(&image, &Scanner::new(RuleSet::builtin()), &options).unwrap();
    assert_eq!(target.summary.large_skipped, 1);
    assert_eq!(target.summary.large_paths, ["/var/log/app.log"]);
    assert!(target.findings.iter().all(|f| !f.target.ends_with(".json")
        && !f.target.starts_with("/root/.ssh")
        && f.target != "/var/log/app.log"));
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let planted = plant();
    let report = scan(&planted.reference, RuleSet::builtin());
    let mut out = Vec::new();
    report::sarif(&report, true, &mut out).unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), report.targets[0].findings.len());
    assert!(
        results.iter().all(
            |r| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() >= Some(1)
        )
    );
    let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lint/tests/schema/sarif-2.1.0-rtm.5.json");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
