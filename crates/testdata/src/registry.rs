//! A registry of the test's own: Debian's `docker-registry` (the distribution project's
//! registry) serving empty storage in a directory the test owns, on a free port of
//! 127.0.0.1, optionally behind htpasswd basic auth or the bearer tokens of a token service.
//! It is stopped when dropped. Tests that push use it rather than the fixture registry,
//! which they must not change.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A user the registry accepts with basic auth.
pub struct User<'a> {
    pub name: &'a str,
    /// The password's bcrypt hash, the only form the registry's htpasswd reader takes.
    pub bcrypt: &'a str,
}

/// A token service the registry trusts, as the distribution spec's token auth has it: the
/// registry answers 401 with `Bearer realm=…,service=…` and accepts JWTs whose issuer and
/// audience match, signed by the key of a certificate in `rootcertbundle`.
pub struct TokenAuth<'a> {
    pub realm: &'a str,
    pub service: &'a str,
    pub issuer: &'a str,
    /// PEM certificates the tokens' signing keys must chain to.
    pub rootcertbundle: &'a Path,
}

pub struct LocalRegistry {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The filesystem driver's root directory.
    pub storage: PathBuf,
    child: Child,
}

impl LocalRegistry {
    /// Starts a registry keeping its config and storage under `dir`. `None`, with a
    /// `skipped:` line, when `docker-registry` is not installed.
    pub fn start(dir: &Path, user: Option<User<'_>>) -> Option<LocalRegistry> {
        Self::start_with(dir, user, None)
    }

    /// Starts a registry that takes bearer tokens from `token`'s service.
    pub fn with_tokens(dir: &Path, token: TokenAuth<'_>) -> Option<LocalRegistry> {
        Self::start_with(dir, None, Some(token))
    }

    fn start_with(
        dir: &Path,
        user: Option<User<'_>>,
        token: Option<TokenAuth<'_>>,
    ) -> Option<LocalRegistry> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .ok()?;
        let storage = dir.join("storage");
        let mut config = format!(
            "version: 0.1\nlog: {{level: error, accesslog: {{disabled: true}}}}\n\
             storage: {{filesystem: {{rootdirectory: \"{}\"}}, delete: {{enabled: true}}}}\n\
             http: {{addr: \"127.0.0.1:{port}\", secret: plinth-test}}\n",
            storage.display()
        );
        if let Some(user) = user {
            let htpasswd = dir.join("htpasswd");
            std::fs::write(&htpasswd, format!("{}:{}\n", user.name, user.bcrypt)).ok()?;
            config += &format!(
                "auth: {{htpasswd: {{realm: plinth-test, path: \"{}\"}}}}\n",
                htpasswd.display()
            );
        }
        if let Some(t) = token {
            config += &format!(
                "auth: {{token: {{realm: \"{}\", service: {}, issuer: {}, rootcertbundle: \"{}\"}}}}\n",
                t.realm,
                t.service,
                t.issuer,
                t.rootcertbundle.display()
            );
        }
        let config_path = dir.join("config.yml");
        std::fs::write(&config_path, config).ok()?;
        let child = match Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                println!("skipped: docker-registry: {e}");
                return None;
            }
        };
        let registry = LocalRegistry {
            addr: format!("127.0.0.1:{port}"),
            storage,
            child,
        };
        let up = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(100));
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "docker-registry did not start on 127.0.0.1:{port}");
        Some(registry)
    }

    /// Where the filesystem driver keeps the bytes of blob `digest` (`sha256:HEX`).
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
