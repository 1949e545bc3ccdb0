//! Where login credentials come from: the command line, or Docker's `config.json`
//! (`credHelpers`, `credsStore`, `auths`), as `docker login` left them.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use plinth_image::{Error, Result};

use crate::reference::{DOCKER_HUB, DOCKER_HUB_AUTH_KEY};

/// A username and password (or token). The password is never printed: `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    password: String,
}

/// The username credential helpers and Docker give an identity token (an OAuth2 refresh
/// token, as `az acr login` leaves one): the secret is then the token.
const IDENTITY_TOKEN: &str = "<token>";

/// The username a registry's own bearer token is kept under (Harbor hands its scanners one;
/// Trivy's `--registry-token`): the secret is then the token, sent as it is.
const REGISTRY_TOKEN: &str = "<bearer>";

impl Credentials {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            password: password.into(),
        }
    }

    /// An identity token: exchanged at the registry's token service for access tokens.
    pub fn identity_token(token: impl Into<String>) -> Self {
        Credentials::new(IDENTITY_TOKEN, token)
    }

    /// The OAuth2 refresh token, when these credentials are an identity token.
    pub fn refresh_token(&self) -> Option<&str> {
        (self.username == IDENTITY_TOKEN).then_some(self.password.as_str())
    }

    /// A bearer token the registry issued already: sent with every request as
    /// `Authorization: Bearer TOKEN`, never exchanged.
    pub fn registry_token(token: impl Into<String>) -> Self {
        Credentials::new(REGISTRY_TOKEN, token)
    }

    /// The registry's own bearer token, when these credentials are one.
    pub fn bearer(&self) -> Option<&str> {
        (self.username == REGISTRY_TOKEN).then_some(self.password.as_str())
    }

    pub fn password(&self) -> &str {
        &self.password
    }

    /// The `Authorization` header value for HTTP basic auth.
    pub fn basic(&self) -> String {
        format!(
            "Basic {}",
            BASE64.encode(format!("{}:{}", self.username, self.password))
        )
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The parts of Docker's config.json that hold credentials.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: std::collections::BTreeMap<String, AuthEntry>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// What a credential helper prints for `get`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperReply {
    username: String,
    secret: String,
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
fn config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// Credentials Docker would use for `registry` (`host[:port]`, `docker.io` for Docker Hub).
/// No config file means anonymous access; a helper that fails or knows nothing does too.
pub fn from_docker_config(registry: &str) -> Result<Option<Credentials>> {
    let Some(path) = config_path() else {
        return Ok(None);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::Io { path, source: e }),
    };
    let config: DockerConfig = serde_json::from_slice(&bytes).map_err(|e| Error::Format {
        what: path.display().to_string(),
        message: format!("invalid Docker config: {e}"),
    })?;
    lookup(&config, registry)
}

fn lookup(config: &DockerConfig, registry: &str) -> Result<Option<Credentials>> {
    let server = if registry == DOCKER_HUB {
        DOCKER_HUB_AUTH_KEY
    } else {
        registry
    };
    let helper = config
        .cred_helpers
        .iter()
        .find(|(k, _)| same_server(k, registry))
        .map(|(_, v)| v)
        .or(config.creds_store.as_ref());
    if let Some(found) = helper.and_then(|h| run_helper(h, server)) {
        return Ok(Some(found));
    }
    let entry = config
        .auths
        .iter()
        .find(|(k, _)| same_server(k, registry))
        .map(|(_, v)| v);
    Ok(entry.and_then(decode_entry))
}

/// Config keys are written as `host`, `https://host` or `https://host/v1/`.
fn same_server(key: &str, registry: &str) -> bool {
    let host = key
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("");
    let hub = |h: &str| matches!(h, "docker.io" | "index.docker.io" | "registry-1.docker.io");
    host == registry || (hub(host) && hub(registry))
}

fn decode_entry(entry: &AuthEntry) -> Option<Credentials> {
    if let Some(token) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
        return Some(Credentials::identity_token(token));
    }
    if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
        return Some(Credentials::new(u, p));
    }
    let raw = BASE64.decode(entry.auth.as_deref()?.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some(Credentials::new(user, pass))
}

/// Runs `docker-credential-NAME get` with the server on stdin. Helpers that are missing or
/// fail give `None`; a `<token>` username means the secret is an identity token.
fn run_helper(name: &str, server: &str) -> Option<Credentials> {
    let program = format!("docker-credential-{name}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| crate::debug::log(format_args!("{program}: {e}")))
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        crate::debug::log(format_args!("{program} get {server}: {}", out.status));
        return None;
    }
    let reply: HelperReply = serde_json::from_slice(&out.stdout).ok()?;
    if reply.secret.is_empty() {
        return None;
    }
    Some(Credentials::new(reply.username, reply.secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auths_entries_match_by_host() {
        let config: DockerConfig = serde_json::from_str(
            r#"{"auths": {
                "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
                "ghcr.io": {"username": "me", "password": "pw"},
                "http://localhost:5000": {"auth": "bG9jYWw6cGFzczp3aXRoOmNvbG9ucw=="}
            }}"#,
        )
        .unwrap();
        let hub = lookup(&config, "docker.io").unwrap().unwrap();
        assert_eq!((hub.username.as_str(), hub.password()), ("hub", "secret"));
        let gh = lookup(&config, "ghcr.io").unwrap().unwrap();
        assert_eq!(gh.password(), "pw");
        let local = lookup(&config, "localhost:5000").unwrap().unwrap();
        assert_eq!(local.password(), "pass:with:colons");
        assert_eq!(lookup(&config, "quay.io").unwrap(), None);
    }

    #[test]
    fn identity_tokens_from_docker_config() {
        // What `az acr login` writes: a placeholder user in `auth` and the refresh token.
        let config: DockerConfig = serde_json::from_str(
            r#"{"auths": {"x.azurecr.io": {
                "auth": "MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==",
                "identitytoken": "eyJhbGciOi.refresh"
            }, "plain.io": {"auth": "dTpw", "identitytoken": ""}}}"#,
        )
        .unwrap();
        let acr = lookup(&config, "x.azurecr.io").unwrap().unwrap();
        assert_eq!(acr.refresh_token(), Some("eyJhbGciOi.refresh"));
        let plain = lookup(&config, "plain.io").unwrap().unwrap();
        assert_eq!(
            (plain.username.as_str(), plain.refresh_token()),
            ("u", None)
        );
        // A credential helper's `<token>` username means the same.
        assert_eq!(Credentials::new("<token>", "t").refresh_token(), Some("t"));
    }

    #[test]
    fn debug_redacts_the_password() {
        let c = Credentials::new("u", "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.basic(), "Basic dTpodW50ZXIy");
    }

    #[test]
    fn missing_helper_means_anonymous() {
        let config = DockerConfig {
            creds_store: Some("plinth-test-no-such-helper".into()),
            ..DockerConfig::default()
        };
        assert_eq!(lookup(&config, "ghcr.io").unwrap(), None);
    }
}
