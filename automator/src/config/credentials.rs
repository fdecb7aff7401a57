//! Site credentials from `KV_USERNAME` / `KV_PASSWORD` (environment first, then a `.env` file),
//! held in a [`Secret`] that never prints its value.

use std::fmt;
use std::path::{Path, PathBuf};

/// Environment variable holding the account's user name.
pub const USERNAME_VAR: &str = "KV_USERNAME";
/// Environment variable holding the account's password.
pub const PASSWORD_VAR: &str = "KV_PASSWORD";

/// The variables that hold credentials: removed from the environment of every process the
/// automator starts (chromedriver, and through it Chromium and crashpad, which can outlive the
/// run and whose environment other processes of the user can read in `/proc/PID/environ`).
pub const CREDENTIAL_VARS: [&str; 2] = [USERNAME_VAR, PASSWORD_VAR];

/// A value that must never reach a log, report, trace or error message: `Debug` and `Display`
/// print a placeholder; only [`Secret::expose`] gives the text, at the one place that types it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// An account on the target site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: Secret,
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "missing credentials: set {USERNAME_VAR} and {PASSWORD_VAR} in the environment or in {env_file} (KEY=value lines); missing: {missing}"
    )]
    Missing { env_file: PathBuf, missing: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Credentials {
    /// Reads the credentials: each variable from the process environment, else from the
    /// `.env` file at `env_file` (absent file = no values).
    pub fn from_environment(env_file: &Path) -> Result<Credentials, CredentialsError> {
        Self::resolve(|name| std::env::var(name).ok(), env_file)
    }

    fn resolve(
        environment: impl Fn(&str) -> Option<String>,
        env_file: &Path,
    ) -> Result<Credentials, CredentialsError> {
        let file_values = match std::fs::read_to_string(env_file) {
            Ok(text) => parse_env_file(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(CredentialsError::Read {
                    path: env_file.to_path_buf(),
                    source,
                });
            }
        };
        let lookup = |name: &str| {
            environment(name)
                .filter(|value| !value.is_empty())
                .or_else(|| {
                    file_values
                        .iter()
                        .rev()
                        .find(|(key, value)| key == name && !value.is_empty())
                        .map(|(_, value)| value.clone())
                })
        };
        let username = lookup(USERNAME_VAR);
        let password = lookup(PASSWORD_VAR);
        match (username, password) {
            (Some(username), Some(password)) => Ok(Credentials {
                username,
                password: Secret::new(password),
            }),
            (username, password) => {
                let missing = [
                    (USERNAME_VAR, username.is_none()),
                    (PASSWORD_VAR, password.is_none()),
                ]
                .into_iter()
                .filter(|(_, absent)| *absent)
                .map(|(name, _)| name)
                .collect::<Vec<_>>()
                .join(", ");
                Err(CredentialsError::Missing {
                    env_file: env_file.to_path_buf(),
                    missing,
                })
            }
        }
    }
}

/// `KEY=value` lines; `#` comments, blank lines, an optional `export ` prefix and matching
/// single or double quotes around the value are understood.
fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=')?;
            Some((key.trim().to_string(), unquote(value.trim()).to_string()))
        })
        .collect()
}

fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_environment(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn secret_never_formats_its_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(secret.expose(), "hunter2");
        assert!(!format!("{secret:?} {secret}").contains("hunter2"));
        let credentials = Credentials {
            username: "me".into(),
            password: secret,
        };
        assert!(!format!("{credentials:?}").contains("hunter2"));
    }

    #[test]
    fn reads_a_dot_env_file_with_quotes_comments_and_export() {
        let directory = tempfile::tempdir().unwrap();
        let env_file = directory.path().join(".env");
        std::fs::write(
            &env_file,
            "# account\nexport KV_USERNAME=\"singer@example.com\"\n\nKV_PASSWORD='p=ss word'\n",
        )
        .unwrap();
        let credentials = Credentials::resolve(no_environment, &env_file).unwrap();
        assert_eq!(credentials.username, "singer@example.com");
        assert_eq!(credentials.password.expose(), "p=ss word");
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let directory = tempfile::tempdir().unwrap();
        let env_file = directory.path().join(".env");
        std::fs::write(&env_file, "KV_USERNAME=file-user\nKV_PASSWORD=file-pass\n").unwrap();
        let environment = |name: &str| (name == USERNAME_VAR).then(|| "env-user".to_string());
        let credentials = Credentials::resolve(environment, &env_file).unwrap();
        assert_eq!(credentials.username, "env-user");
        assert_eq!(credentials.password.expose(), "file-pass");
    }

    #[test]
    fn missing_values_are_named_and_no_file_is_fine() {
        let directory = tempfile::tempdir().unwrap();
        let env_file = directory.path().join(".env");
        let error = Credentials::resolve(no_environment, &env_file)
            .unwrap_err()
            .to_string();
        assert!(error.contains("KV_USERNAME, KV_PASSWORD"), "{error}");
        let only_user = |name: &str| (name == USERNAME_VAR).then(|| "someone".to_string());
        let error = Credentials::resolve(only_user, &env_file)
            .unwrap_err()
            .to_string();
        assert!(error.ends_with("missing: KV_PASSWORD"), "{error}");
    }

    #[test]
    fn empty_values_count_as_missing() {
        let directory = tempfile::tempdir().unwrap();
        let env_file = directory.path().join(".env");
        std::fs::write(&env_file, "KV_USERNAME=\nKV_PASSWORD=x\n").unwrap();
        let error = Credentials::resolve(no_environment, &env_file)
            .unwrap_err()
            .to_string();
        assert!(error.contains("missing: KV_USERNAME"), "{error}");
    }
}
