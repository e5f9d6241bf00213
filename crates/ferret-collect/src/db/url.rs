//! Database URLs: parsed once, printed only without credentials.

use crate::CollectError;
use ferret_core::Engine;

/// A parsed database URL. `Debug` and `Display` never show the password.
#[derive(Clone)]
pub struct DbUrl {
    raw: String,
    /// The engine the scheme names.
    pub engine: Engine,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The user, if given.
    pub user: Option<String>,
    /// The database in the path, if given.
    pub database: Option<String>,
}

impl DbUrl {
    /// Parses `postgres://user:pass@host:port/db?...`, `postgresql://`, `mysql://`, `mariadb://`, `redis://`.
    pub fn parse(s: &str) -> Result<DbUrl, CollectError> {
        let bad = |m: &str| CollectError::Walk {
            path: None,
            message: format!("bad database URL: {m}"),
        };
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| bad("expected scheme://host"))?;
        let engine = match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Engine::Postgres,
            "mysql" | "mariadb" => Engine::Mysql,
            "redis" | "rediss" => Engine::Redis,
            other => {
                return Err(bad(&format!(
                    "unsupported scheme {other:?} (postgres, mysql, redis)"
                )))
            }
        };
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let user = userinfo
            .map(|u| u.split(':').next().unwrap_or_default().to_string())
            .filter(|u| !u.is_empty());
        let default_port = match engine {
            Engine::Postgres => 5432,
            Engine::Mysql => 3306,
            Engine::Redis => 6379,
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (
                h.to_string(),
                p.parse().map_err(|_| bad("port is not a number"))?,
            ),
            _ => (hostport.to_string(), default_port),
        };
        let host = if host.is_empty() {
            "localhost".to_string()
        } else {
            host
        };
        let database = Some(path.to_string()).filter(|d| !d.is_empty());
        Ok(DbUrl {
            raw: s.to_string(),
            engine,
            host,
            port,
            user,
            database,
        })
    }

    /// The URL as given, credentials included: for the driver only.
    pub fn secret(&self) -> &str {
        &self.raw
    }

    /// `host:port`.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

impl std::fmt::Display for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let user = self
            .user
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        let db = self
            .database
            .as_deref()
            .map(|d| format!("/{d}"))
            .unwrap_or_default();
        write!(
            f,
            "{}://{user}{}:{}{db}",
            self.engine.as_str(),
            self.host,
            self.port
        )
    }
}

impl std::fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DbUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_hides_passwords() {
        let u =
            DbUrl::parse("postgres://admin:s3cret@db.example:6543/app?sslmode=require").unwrap();
        assert_eq!(
            (u.engine, u.host.as_str(), u.port),
            (Engine::Postgres, "db.example", 6543)
        );
        assert_eq!(u.database.as_deref(), Some("app"));
        assert_eq!(u.to_string(), "postgres://admin@db.example:6543/app");
        assert!(!format!("{u:?}").contains("s3cret"));
        assert_eq!(DbUrl::parse("mysql://root@127.0.0.1").unwrap().port, 3306);
        assert!(DbUrl::parse("ftp://x").is_err());
        assert!(DbUrl::parse("localhost").is_err());
    }
}
