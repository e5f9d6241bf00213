//! The check catalogue: each check's id, mitigation, title, advice and what
//! "met" needs, from `rules/posture/checks.toml` (embedded).

use ferret_core::Mitigation;
use serde::Deserialize;

/// The embedded catalogue text.
pub const CHECKS_TOML: &str = include_str!("../../../rules/posture/checks.toml");

/// Why a catalogue could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The TOML does not parse or misses a field.
    #[error("rules/posture/checks.toml: {0}")]
    Toml(#[from] toml::de::Error),
    /// A glob pattern does not compile.
    #[error("rules/posture/checks.toml: {check}: bad pattern {pattern:?}: {source}")]
    Pattern {
        /// The check's id.
        check: String,
        /// The pattern.
        pattern: String,
        /// globset's reason.
        #[source]
        source: globset::Error,
    },
}

/// What every check has.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckMeta {
    /// Stable id.
    pub id: String,
    /// The mitigation it audits.
    pub mitigation: Mitigation,
    /// What is checked.
    pub title: String,
    /// What to do when it is not met.
    pub advice: String,
}

/// M1047: the baseline.
#[derive(Debug, Clone, Deserialize)]
pub struct BaselineRule {
    /// Id, mitigation, title, advice.
    #[serde(flatten)]
    pub meta: CheckMeta,
    /// Oldest baseline that still counts as recent, in days.
    pub max_age_days: u32,
}

/// M1045: signing and package ownership.
#[derive(Debug, Clone, Deserialize)]
pub struct SigningRule {
    /// Id, mitigation, title, advice.
    #[serde(flatten)]
    pub meta: CheckMeta,
    /// Signer subjects trusted besides chains to the Microsoft roots.
    pub trusted_signers: Vec<String>,
    /// Component kinds the check skips.
    pub skip_kinds: Vec<String>,
}

/// M1042: PHP `disable_functions`.
#[derive(Debug, Clone, Deserialize)]
pub struct PhpRule {
    /// Id, mitigation, title, advice.
    #[serde(flatten)]
    pub meta: CheckMeta,
    /// Functions that must be disabled.
    pub required: Vec<String>,
    /// SAPI directory names that do not serve the web.
    pub skip_sapis: Vec<String>,
}

/// M1042: upload directories.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadRule {
    /// Id, mitigation, title, advice.
    #[serde(flatten)]
    pub meta: CheckMeta,
    /// Directory name globs.
    pub names: Vec<String>,
    /// Deepest level searched below a web root.
    pub max_depth: usize,
    /// Most directory entries looked at.
    pub max_entries: usize,
    /// Script extensions.
    pub script_extensions: Vec<String>,
}

/// M1042: PostgreSQL languages.
#[derive(Debug, Clone, Deserialize)]
pub struct PgLanguageRule {
    /// Id, mitigation, title, advice.
    #[serde(flatten)]
    pub meta: CheckMeta,
    /// Untrusted language names.
    pub untrusted: Vec<String>,
}

/// M1042: SQL Server options.
#[derive(Debug, Clone, Deserialize)]
pub struct MssqlRule {
    /// Id, mitigation, title, advice.
    #[serde(flatten)]
    pub meta: CheckMeta,
    /// `sp_configure` options checked.
    pub options: Vec<String>,
    /// Options whose safe value is 1.
    pub safe_when_on: Vec<String>,
    /// ERRORLOG globs under root.
    pub errorlogs: Vec<String>,
}

/// M1018: writable directories.
#[derive(Debug, Clone, Deserialize)]
pub struct WritableRule {
    /// Id, mitigation, title, advice.
    #[serde(flatten)]
    pub meta: CheckMeta,
    /// Module directories (system path globs).
    pub module_dirs: Vec<String>,
    /// Files looked at per tree.
    pub max_files_per_dir: usize,
    /// Offending paths listed per tree.
    pub max_listed: usize,
}

/// M1026: superusers.
#[derive(Debug, Clone, Deserialize)]
pub struct SuperuserRule {
    /// Id, mitigation, title, advice.
    #[serde(flatten)]
    pub meta: CheckMeta,
    /// Accounts allowed to have uid 0.
    pub allowed_uid0: Vec<String>,
    /// PostgreSQL superusers allowed besides the bootstrap role.
    pub max_pg_superusers: usize,
}

/// M1024: registry permissions.
#[derive(Debug, Clone, Deserialize)]
pub struct RegistryRule {
    /// Id, mitigation, title, advice.
    #[serde(flatten)]
    pub meta: CheckMeta,
    /// Hive file names.
    pub hives: Vec<String>,
}

/// M1046: Secure Boot.
#[derive(Debug, Clone, Deserialize)]
pub struct BootRule {
    /// Id, mitigation, title, advice.
    #[serde(flatten)]
    pub meta: CheckMeta,
    /// The EFI variable's path on a live host.
    pub efivar: String,
    /// ESXi boot.cfg paths.
    pub esxi_boot_cfg: Vec<String>,
    /// ESXi esx.conf paths.
    pub esxi_conf: Vec<String>,
}

/// Every check, with what it needs.
#[derive(Debug, Clone, Deserialize)]
pub struct Catalogue {
    /// M1047.
    pub baseline: BaselineRule,
    /// M1045.
    pub signing: SigningRule,
    /// M1042 PHP.
    pub php_disable_functions: PhpRule,
    /// M1042 uploads.
    pub upload_dirs: UploadRule,
    /// M1042 PostgreSQL.
    pub pg_languages: PgLanguageRule,
    /// M1042 SQL Server.
    pub mssql_features: MssqlRule,
    /// M1018.
    pub writable_dirs: WritableRule,
    /// M1026.
    pub superusers: SuperuserRule,
    /// M1024.
    pub registry: RegistryRule,
    /// M1046.
    pub secure_boot: BootRule,
}

impl Catalogue {
    /// The embedded catalogue.
    pub fn load() -> Result<Catalogue, CatalogueError> {
        Catalogue::parse(CHECKS_TOML)
    }

    /// Parses a catalogue and checks its patterns.
    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let cat: Catalogue = toml::from_str(text)?;
        for (check, pats) in [
            (&cat.upload_dirs.meta.id, &cat.upload_dirs.names),
            (&cat.mssql_features.meta.id, &cat.mssql_features.errorlogs),
            (&cat.writable_dirs.meta.id, &cat.writable_dirs.module_dirs),
        ] {
            glob_set(check, pats)?;
        }
        Ok(cat)
    }
}

/// Compiles case-insensitive globs (`/` is a separator).
pub(crate) fn glob_set(check: &str, pats: &[String]) -> Result<globset::GlobSet, CatalogueError> {
    let mut b = globset::GlobSetBuilder::new();
    for p in pats {
        let g = globset::GlobBuilder::new(p)
            .case_insensitive(true)
            .literal_separator(true)
            .build()
            .map_err(|source| CatalogueError::Pattern {
                check: check.to_string(),
                pattern: p.clone(),
                source,
            })?;
        b.add(g);
    }
    b.build().map_err(|source| CatalogueError::Pattern {
        check: check.to_string(),
        pattern: pats.join(", "),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_loads() {
        let c = Catalogue::load().unwrap();
        assert_eq!(c.baseline.meta.mitigation, Mitigation::M1047);
        assert!(c
            .php_disable_functions
            .required
            .iter()
            .any(|f| f == "proc_open"));
    }

    #[test]
    fn bad_pattern_is_refused() {
        let t = CHECKS_TOML.replace("\"*upload*\"", "\"[upload\"");
        assert!(matches!(
            Catalogue::parse(&t),
            Err(CatalogueError::Pattern { .. })
        ));
    }
}
