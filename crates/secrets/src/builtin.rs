//! The built-in rules, written from each credential's documented format, and the built-in
//! allow rules for example keys, placeholders, documentation and vendored test fixtures.
//!
//! Order matters: when two rules match the same bytes, the earlier one names the finding, so
//! specific formats come before the generic `password=` rule.

use crate::rule::Keyword;
use crate::rule::Severity::{self, Critical, High, Medium};
use Words::{AnyCase, Exact};

/// A rule as written: every field a `trivy-secret.yaml` rule has.
pub struct Def {
    pub id: &'static str,
    pub category: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub regex: &'static str,
    pub keywords: Words,
    pub path: Option<&'static str>,
    /// Allow rules of this rule alone: (id, regex on the secret).
    pub allow: &'static [(&'static str, &'static str)],
}

/// A rule's keywords. Every match of a built-in rule holds one of them, so which ones are
/// chosen changes no finding, only how often the regex runs: they are few, long and rare
/// where the format allows (`xox` for Slack's six token kinds), and exact where the regex
/// is case-sensitive (an upper-case `AKIA` is much rarer in source than `akia` in any case).
pub enum Words {
    /// Found only in the case written.
    Exact(&'static [&'static str]),
    /// Found in any ASCII case; written in lower case.
    AnyCase(&'static [&'static str]),
}

impl Words {
    pub fn to_keywords(&self) -> Vec<Keyword> {
        let (words, exact) = match self {
            Exact(w) => (w, true),
            AnyCase(w) => (w, false),
        };
        words
            .iter()
            .map(|w| Keyword {
                text: w.to_string(),
                exact,
            })
            .collect()
    }
}

/// An allow rule as written: a regex on the secret, or on the path.
pub struct AllowDef {
    pub id: &'static str,
    pub description: &'static str,
    pub regex: Option<&'static str>,
    pub path: Option<&'static str>,
}

/// Values a secret must not be to count for rules that match free-form assignments.
const SHAPELESS: &[(&str, &str)] = &[("no-digit", "^[^0-9]*$"), ("no-letter", "^[^A-Za-z]*$")];

pub const RULES: &[Def] = &[
    Def {
        id: "aws-access-key-id",
        category: "AWS",
        title: "AWS Access Key ID",
        severity: Critical,
        regex: r"\b(?P<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16})\b",
        keywords: Exact(&[
            "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "A3T",
        ]),
        path: None,
        allow: &[],
    },
    Def {
        id: "aws-secret-access-key",
        category: "AWS",
        title: "AWS Secret Access Key",
        severity: Critical,
        regex: r#"(?i)(?:aws[_.-]?)?secret[_.-]?access[_.-]?key["']?\s*(?:=|:=|:|=>)\s*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        keywords: AnyCase(&[
            "secret_access",
            "secretaccess",
            "secret-access",
            "secret.access",
        ]),
        path: None,
        allow: &[],
    },
    Def {
        id: "gcp-service-account",
        category: "GCP",
        title: "GCP service account key (private_key_id)",
        severity: Critical,
        regex: r#""private_key_id"\s*:\s*"(?P<secret>[a-f0-9]{40})""#,
        keywords: Exact(&["\"private_key_id\""]),
        path: None,
        allow: &[],
    },
    Def {
        id: "azure-storage-account-key",
        category: "Azure",
        title: "Azure storage account key",
        severity: Critical,
        regex: r"(?i)AccountKey\s*=\s*(?P<secret>[A-Za-z0-9+/]{86}==)",
        keywords: AnyCase(&["accountkey"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "github-pat",
        category: "GitHub",
        title: "GitHub Personal Access Token",
        severity: Critical,
        regex: r"\b(?P<secret>ghp_[A-Za-z0-9]{36})\b",
        keywords: Exact(&["ghp_"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "github-fine-grained-pat",
        category: "GitHub",
        title: "GitHub Fine-grained Personal Access Token",
        severity: Critical,
        regex: r"\b(?P<secret>github_pat_[A-Za-z0-9_]{82})\b",
        keywords: Exact(&["github_pat_"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "github-oauth",
        category: "GitHub",
        title: "GitHub OAuth Access Token",
        severity: Critical,
        regex: r"\b(?P<secret>gho_[A-Za-z0-9]{36})\b",
        keywords: Exact(&["gho_"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "github-app-token",
        category: "GitHub",
        title: "GitHub App Token",
        severity: Critical,
        regex: r"\b(?P<secret>(?:ghu|ghs)_[A-Za-z0-9]{36})\b",
        keywords: Exact(&["ghu_", "ghs_"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "github-refresh-token",
        category: "GitHub",
        title: "GitHub Refresh Token",
        severity: Critical,
        regex: r"\b(?P<secret>ghr_[A-Za-z0-9]{36,76})\b",
        keywords: Exact(&["ghr_"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "gitlab-pat",
        category: "GitLab",
        title: "GitLab Personal Access Token",
        severity: Critical,
        regex: r"\b(?P<secret>glpat-[A-Za-z0-9_-]{20,64})",
        keywords: Exact(&["glpat-"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "gitlab-runner-token",
        category: "GitLab",
        title: "GitLab Runner Token",
        severity: Critical,
        regex: r"\b(?P<secret>(?:glrt-|GR1348941)[A-Za-z0-9_-]{20,64})",
        keywords: Exact(&["glrt-", "GR1348941"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "gitlab-deploy-token",
        category: "GitLab",
        title: "GitLab Deploy Token",
        severity: Critical,
        regex: r"\b(?P<secret>gldt-[A-Za-z0-9_-]{20,64})",
        keywords: Exact(&["gldt-"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "bitbucket-app-password",
        category: "Bitbucket",
        title: "Bitbucket (Atlassian) App Password",
        severity: Critical,
        regex: r"\b(?P<secret>ATBB[A-Za-z0-9_=.-]{28,64})",
        keywords: Exact(&["ATBB"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "bitbucket-client-secret",
        category: "Bitbucket",
        title: "Bitbucket OAuth client secret",
        severity: Critical,
        regex: r#"(?i)bitbucket[a-z0-9_ .,-]{0,25}(?:secret|password|token|key)["']?\s*(?:=|:=|:|=>)\s*["']?(?P<secret>[A-Za-z0-9_=.-]{32,64})"#,
        keywords: AnyCase(&["bitbucket"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "slack-token",
        category: "Slack",
        title: "Slack token",
        severity: High,
        regex: r"\b(?P<secret>xox[baprse]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,250})",
        keywords: Exact(&["xox"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "slack-webhook-url",
        category: "Slack",
        title: "Slack incoming webhook URL",
        severity: Medium,
        regex: r"https://hooks\.slack\.com/services/(?P<secret>T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})",
        keywords: Exact(&["hooks.slack.com"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "stripe-secret-key",
        category: "Stripe",
        title: "Stripe secret or restricted API key",
        severity: Critical,
        regex: r"\b(?P<secret>(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,247})\b",
        keywords: Exact(&["k_live_", "k_test_"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "twilio-api-key",
        category: "Twilio",
        title: "Twilio API Key",
        severity: High,
        regex: r"\b(?P<secret>SK[0-9a-f]{32})\b",
        keywords: Exact(&["SK"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "sendgrid-api-key",
        category: "SendGrid",
        title: "SendGrid API Key",
        severity: Critical,
        regex: r"\b(?P<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})",
        keywords: Exact(&["SG."]),
        path: None,
        allow: &[],
    },
    Def {
        id: "npm-access-token",
        category: "npm",
        title: "npm access token",
        severity: Critical,
        regex: r"\b(?P<secret>npm_[A-Za-z0-9]{36})\b",
        keywords: Exact(&["npm_"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "npmrc-auth",
        category: "npm",
        title: "npm registry credentials (.npmrc _auth / _authToken)",
        severity: Critical,
        regex: r"(?i)_auth(?:Token)?\s*=\s*(?P<secret>[A-Za-z0-9+/=._-]{20,})",
        keywords: AnyCase(&["_auth"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "pypi-upload-token",
        category: "PyPI",
        title: "PyPI upload token",
        severity: High,
        regex: r"\b(?P<secret>pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})",
        keywords: Exact(&["pypi-AgE"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "docker-config-auth",
        category: "Docker",
        title: "Docker registry credentials (config.json auths)",
        severity: High,
        regex: r#""auth"\s*:\s*"(?P<secret>[A-Za-z0-9+/]{8,}={0,2})""#,
        keywords: Exact(&["\"auth\""]),
        path: None,
        allow: &[],
    },
    Def {
        id: "dockerconfigjson",
        category: "Docker",
        title: "Docker registry credentials (.dockerconfigjson)",
        severity: High,
        regex: r#"(?i)\.docker(?:config|cfg)(?:json)?["']?\s*:\s*["']?(?P<secret>[A-Za-z0-9+/]{40,}={0,2})"#,
        keywords: AnyCase(&[".dockerconfig", ".dockercfg"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "private-key",
        category: "AsymmetricPrivateKey",
        title: "Asymmetric private key (RSA, EC, DSA, OpenSSH, PGP, PKCS#8)",
        severity: High,
        regex: r"-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\n)*(?P<secret>[A-Za-z0-9+/=\s\\:,.()-]{64,}?)(?:\s|\\n)*-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----",
        keywords: Exact(&["PRIVATE KEY"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "jwt-token",
        category: "JWT",
        title: "JSON Web Token",
        severity: Medium,
        regex: r"\b(?P<secret>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})",
        keywords: Exact(&["eyJ"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "git-credentials",
        category: "Git",
        title: "Git credential store (.git-credentials)",
        severity: Critical,
        regex: r"https?://[^:@/\s]+:(?P<secret>[^@/\s]+)@[^\s/]+",
        keywords: Exact(&["://"]),
        path: Some(r"(?:^|/)\.git-credentials$"),
        allow: &[],
    },
    Def {
        id: "basic-auth-url",
        category: "General",
        title: "Password in a URL (user:password@host)",
        severity: High,
        regex: r#"(?i)\b[a-z][a-z0-9+.-]{1,20}://[^:@/\s"'<>]{1,100}:(?P<secret>[^@/\s"'<>$%{}]{3,200})@[a-z0-9.-]+"#,
        keywords: Exact(&["://"]),
        path: None,
        allow: &[],
    },
    Def {
        id: "generic-password",
        category: "General",
        title: "Password or secret assigned in a file",
        severity: High,
        regex: r#"(?i)(?:password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)[a-z0-9_.-]{0,20}["']?\s*(?:=|:=|:|=>)\s*["']?(?P<secret>[^\s"'()\[\]{}<>$%,;`]{8,100})(?:["'\s]|$)"#,
        keywords: AnyCase(&[
            "password",
            "passwd",
            "secret",
            "api_key",
            "apikey",
            "api-key",
            "access_token",
            "access-token",
            "accesstoken",
            "auth_token",
            "auth-token",
            "authtoken",
        ]),
        path: None,
        allow: SHAPELESS,
    },
];

pub const ALLOW_RULES: &[AllowDef] = &[
    AllowDef {
        id: "example-keys",
        description: "well-known example and documentation keys",
        regex: Some(
            r"(?i)example|^(?:AKIAIOSFODNN7EXAMPLE|wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY|SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c|sk_test_4eC39HqLyjWDarjtT1zdp7dc|sk_test_BQokikJOvBiI2HlWgH4olfQ2)$",
        ),
        path: None,
    },
    AllowDef {
        id: "placeholders",
        description: "placeholders, variables and masked values",
        regex: Some(
            r"(?i)^(?:password|passwd|changeme|changeit|secret|dummy|redacted|placeholder|x+|\*+|\.+|0+|your[_-]?[a-z_-]*|<[^>]*>|\$\{?[a-z_][a-z0-9_]*\}?|%[a-z_]+%|\{\{[^}]*\}\})$",
        ),
        path: None,
    },
    AllowDef {
        id: "docs",
        description: "documentation: Markdown and reStructuredText files, doc and example directories",
        regex: None,
        path: Some(
            r"(?i)\.(?:md|markdown|rst|adoc)$|(?:^|/)(?:docs?|examples?|samples?)/|^usr/share/(?:doc|man|info|locale|help)/",
        ),
    },
    AllowDef {
        id: "test-fixtures",
        description: "test directories and vendored test fixtures",
        regex: None,
        path: Some(r"(?:^|/)(?:tests?|testdata|test-data|fixtures|__tests__|spec)/"),
    },
    AllowDef {
        id: "headers",
        description: "C headers and language reference data",
        regex: None,
        path: Some(r"^usr/(?:local/)?include/"),
    },
];
