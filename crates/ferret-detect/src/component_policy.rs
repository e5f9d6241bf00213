//! Component policy (T1505.002, .004, .005, .006 and the Linux server
//! modules): is a configured component stock, unknown or suspicious, and why.
//!
//! `ComponentPolicy::load` reads the known-good lists (`rules/known-good/
//! {iis,exchange,windows,esxi,linux-servers,postgres,redis}.toml`, embedded in
//! the binary) once; `judge` is pure: it looks at a [`Component`] and the
//! [`ComponentFacts`] the caller gathered about its implementation file
//! (hash, Authenticode verdict, package ownership) and returns every signal
//! with its weight. Weights add up as in the web-shell score: one weak signal
//! (an unknown name) stays below a finding; a stock name pointing at an image
//! in `ProgramData` does not.

use crate::RuleError;
use ferret_core::{
    stable_id, Component, ComponentFacts, ComponentKind, ComponentSubject, Confidence, Escaped,
    EventSubject, Evidence, EvidenceSource, Finding, ImageSignature, LogTell, Mitigation,
    PackageStatus, Server, Severity, Subject, Technique,
};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};

/// The verdict on one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Matches the known-good lists and nothing speaks against it.
    Stock,
    /// Not in the known-good lists; nothing strong speaks against it.
    Unknown,
    /// Signals worth a finding at medium or above.
    Suspicious,
}

impl Verdict {
    /// `stock`, `unknown`, `suspicious`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Stock => "stock",
            Verdict::Unknown => "unknown",
            Verdict::Suspicious => "suspicious",
        }
    }
}

/// One reason behind a verdict. Score 0 reasons explain a stock verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Stable id (`iis.image_outside_inetsrv`).
    pub rule: &'static str,
    /// Weight added to the score.
    pub score: u32,
    /// Why, in words.
    pub detail: String,
}

/// A judged component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// Stock, unknown or suspicious.
    pub verdict: Verdict,
    /// Sum of the reasons' weights.
    pub score: u32,
    /// The reasons, strongest first.
    pub reasons: Vec<Reason>,
    /// The sub-technique the component belongs to.
    pub technique: Technique,
}

impl Judgement {
    /// The severity the score earns, `None` below low.
    pub fn severity(&self) -> Option<Severity> {
        crate::severity_for_score(self.score, &crate::Thresholds::default())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IisKnownGood {
    native_modules: BTreeMap<String, String>,
    third_party: Vec<ThirdPartyModule>,
    image_dirs: Vec<String>,
    catalog_signed_dirs: Vec<String>,
    suspicious_dirs: Vec<String>,
    microsoft_namespaces: Vec<String>,
    microsoft_key_tokens: Vec<String>,
    script_processors: Vec<String>,
    isapi_filters: Vec<String>,
    static_extensions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThirdPartyModule {
    name: String,
    image: String,
    vendor: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeAgent {
    name: String,
    factory: String,
    assembly: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeKnownGood {
    agents: Vec<ExchangeAgent>,
    name_only: Vec<String>,
    microsoft_factory_prefixes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowsKnownGood {
    termsrv_dll: String,
    termsrv_equivalents: Vec<String>,
    service_dll_dirs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EsxiKnownGood {
    acceptance_levels: Vec<String>,
    vendors: Vec<String>,
    protected_paths: Vec<String>,
    platform_vendors: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinuxKnownGood {
    apache_module_dirs: Vec<String>,
    nginx_module_dirs: Vec<String>,
    php_extension_dirs: Vec<String>,
    suspicious_dirs: Vec<String>,
    static_extensions: Vec<String>,
    php_extensions: Vec<String>,
    tomcat_stock_prefixes: Vec<String>,
    java_agent_dirs: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct PostgresPreload {
    preload_libraries: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RedisDirs {
    module_dirs: Vec<String>,
}

/// The compiled policy: immutable, shared by every thread.
pub struct ComponentPolicy {
    iis: IisKnownGood,
    exchange: ExchangeKnownGood,
    windows: WindowsKnownGood,
    esxi: EsxiKnownGood,
    linux: LinuxKnownGood,
    pg_preload: HashSet<String>,
    redis_dirs: Vec<String>,
}

/// Collects reasons for one component.
#[derive(Default)]
struct Reasons(Vec<Reason>);

impl Reasons {
    fn add(&mut self, rule: &'static str, score: u32, detail: impl Into<String>) {
        self.0.push(Reason {
            rule,
            score,
            detail: detail.into(),
        });
    }
    fn score(&self) -> u32 {
        self.0.iter().map(|r| r.score).sum()
    }
}

impl ComponentPolicy {
    /// Loads the embedded known-good lists.
    pub fn load() -> Result<ComponentPolicy, RuleError> {
        let pg: PostgresPreload = crate::db_policy::known_good("postgres.toml")?;
        let redis: RedisDirs = crate::db_policy::known_good("redis.toml")?;
        Ok(ComponentPolicy {
            iis: crate::db_policy::known_good("iis.toml")?,
            exchange: crate::db_policy::known_good("exchange.toml")?,
            windows: crate::db_policy::known_good("windows.toml")?,
            esxi: crate::db_policy::known_good("esxi.toml")?,
            linux: crate::db_policy::known_good("linux-servers.toml")?,
            pg_preload: pg.preload_libraries.into_iter().collect(),
            redis_dirs: redis.module_dirs,
        })
    }

    /// Judges one component with what is known of its implementation file.
    pub fn judge(&self, c: &Component, facts: &ComponentFacts) -> Judgement {
        let mut r = Reasons::default();
        let technique = technique_of(c);
        let stock = match c.server {
            Server::Iis => self.iis(c, facts, &mut r),
            Server::Exchange => self.exchange(c, facts, &mut r),
            Server::WindowsService => self.service(c, facts, &mut r),
            Server::Esxi => self.esxi(c, &mut r),
            Server::Apache
            | Server::Nginx
            | Server::Php
            | Server::Tomcat
            | Server::Redis
            | Server::Postgres => self.linux(c, facts, &mut r),
        };
        if let Some(why) = &facts.unreadable {
            r.add(
                "component.unreadable",
                0,
                format!("implementation could not be examined: {why}"),
            );
        }
        let score = r.score();
        let mut reasons = r.0;
        reasons.sort_by(|a, b| b.score.cmp(&a.score));
        let verdict = if score >= crate::Thresholds::default().medium {
            Verdict::Suspicious
        } else if stock && score == 0 {
            Verdict::Stock
        } else {
            Verdict::Unknown
        };
        Judgement {
            verdict,
            score,
            reasons,
            technique,
        }
    }

    fn iis(&self, c: &Component, facts: &ComponentFacts, r: &mut Reasons) -> bool {
        let k = &self.iis;
        match c.kind {
            ComponentKind::NativeModule => {
                let image = lower(
                    c.attr("expanded")
                        .or(c.implementation.as_deref())
                        .unwrap_or(""),
                );
                let file = file_name(&image);
                let stock_image = k
                    .native_modules
                    .iter()
                    .find(|(n, _)| *n == &c.name)
                    .map(|(_, f)| f.to_ascii_lowercase());
                let in_dirs = under_any(&image, &k.image_dirs);
                if let Some(t) = k
                    .third_party
                    .iter()
                    .find(|t| t.name == c.name && t.image.to_lowercase() == image)
                {
                    r.add(
                        "iis.known_third_party",
                        0,
                        format!("known third-party module: {}", t.vendor),
                    );
                    self.signature(facts, &image, false, r);
                    return true;
                }
                let mut stock = false;
                match stock_image {
                    Some(expected) if expected == file && in_dirs => {
                        r.add(
                            "iis.stock_module",
                            0,
                            format!("stock module {} with its stock image {file}", c.name),
                        );
                        stock = true;
                    }
                    Some(expected) if expected == file => {}
                    Some(expected) => r.add(
                        "iis.stock_name_other_image",
                        50,
                        format!(
                            "stock module name {} points at {file}, not the stock {expected}",
                            c.name
                        ),
                    ),
                    None => match near_miss(&c.name, k.native_modules.keys()) {
                        Some(m) => r.add(
                            "iis.name_mimics_stock",
                            40,
                            format!("module name {} imitates the stock module {m}", c.name),
                        ),
                        None => r.add(
                            "iis.unknown_module",
                            20,
                            format!("module {} is not a stock IIS module", c.name),
                        ),
                    },
                }
                self.windows_image_location(&image, r);
                self.signature(facts, &image, true, r);
                stock
            }
            ComponentKind::ManagedModule => self.managed_type(c, r),
            ComponentKind::Handler => {
                let mut stock = true;
                if let Some(sp) = c.attr("expanded") {
                    let sp = lower(sp);
                    let exe = lower(sp.split('|').next().unwrap_or(""));
                    let f = file_name(&exe);
                    if !k.script_processors.iter().any(|s| s == f) {
                        r.add(
                            "iis.unknown_script_processor",
                            25,
                            format!("handler {} runs {exe}", c.name),
                        );
                        stock = false;
                    }
                    if contains_any(&exe, &k.suspicious_dirs) {
                        r.add(
                            "iis.processor_in_suspicious_dir",
                            40,
                            format!(
                                "handler {} runs {exe} from a user-writable or web directory",
                                c.name
                            ),
                        );
                    }
                } else if c.attr("type").is_some() {
                    stock = self.managed_type(c, r);
                }
                if let Some(path) = c.attr("path") {
                    let engine = c.attr("modules").unwrap_or("").to_ascii_lowercase();
                    let scripted = c.attr("script_processor").is_some()
                        || c.attr("type").is_some()
                        || engine.contains("isapi")
                        || engine.contains("fastcgi")
                        || engine.contains("cgi");
                    if scripted {
                        if let Some(ext) = static_mapping(path, &k.static_extensions) {
                            r.add(
                                "iis.static_extension_executed",
                                60,
                                format!(
                                    "handler {} makes *.{ext} files executable ({path})",
                                    c.name
                                ),
                            );
                            stock = false;
                        }
                    }
                }
                stock
            }
            ComponentKind::IsapiFilter => {
                let image = lower(
                    c.attr("expanded")
                        .or(c.implementation.as_deref())
                        .unwrap_or(""),
                );
                let f = file_name(&image);
                let stock =
                    k.isapi_filters.iter().any(|s| s == f) && under_any(&image, &k.image_dirs);
                if stock {
                    r.add("iis.stock_filter", 0, format!("stock ISAPI filter {f}"));
                } else {
                    r.add(
                        "iis.unknown_filter",
                        25,
                        format!("ISAPI filter {} ({f}) is not a stock filter", c.name),
                    );
                }
                self.windows_image_location(&image, r);
                self.signature(facts, &image, true, r);
                stock
            }
            _ => false,
        }
    }

    /// Managed types: Microsoft namespaces must come from Microsoft-keyed assemblies.
    fn managed_type(&self, c: &Component, r: &mut Reasons) -> bool {
        let k = &self.iis;
        let ty = c.attr("type").or(c.implementation.as_deref()).unwrap_or("");
        let mut parts = ty.split(',').map(str::trim);
        let class = parts.next().unwrap_or("");
        let assembly = parts.next();
        let token = ty
            .split(',')
            .map(str::trim)
            .find_map(|p| {
                p.strip_prefix("PublicKeyToken=")
                    .or_else(|| p.strip_prefix("publicKeyToken="))
            })
            .map(|t| t.to_ascii_lowercase());
        let ms_namespace = k
            .microsoft_namespaces
            .iter()
            .any(|n| class.starts_with(n.as_str()));
        let ms_token = token
            .as_deref()
            .is_some_and(|t| k.microsoft_key_tokens.iter().any(|m| m == t));
        let server_wide = matches!(
            c.attr("config"),
            Some("applicationHost") | Some("root web.config")
        );
        if ms_namespace {
            match (&token, ms_token) {
                (Some(t), false) => {
                    r.add("iis.microsoft_type_foreign_key", 60, format!("type {class} claims a Microsoft namespace but its assembly is signed with key {t}"));
                    return false;
                }
                (None, _)
                    if assembly.is_some_and(|a| {
                        !a.to_ascii_lowercase().starts_with("microsoft.")
                            && !a.to_ascii_lowercase().starts_with("system.")
                    }) =>
                {
                    r.add(
                        "iis.microsoft_type_foreign_assembly",
                        50,
                        format!(
                            "type {class} claims a Microsoft namespace but comes from assembly {}",
                            assembly.unwrap_or("")
                        ),
                    );
                    return false;
                }
                _ => {
                    r.add("iis.microsoft_type", 0, format!("Microsoft type {class}"));
                    return true;
                }
            }
        }
        let weight = if server_wide { 40 } else { 20 };
        r.add(
            "iis.unknown_managed_type",
            weight,
            if server_wide {
                format!(
                    "unknown managed type {ty} loaded server-wide ({})",
                    c.attr("config").unwrap_or("")
                )
            } else {
                format!("managed type {ty} is not a Microsoft type")
            },
        );
        false
    }

    fn windows_image_location(&self, image: &str, r: &mut Reasons) {
        if image.is_empty() {
            return;
        }
        if !image.contains(':') && !image.starts_with("\\\\") {
            r.add(
                "windows.relative_image",
                30,
                format!(
                    "image path {image} is relative: the loader's search order decides what runs"
                ),
            );
        } else if !under_any(image, &self.iis.image_dirs) {
            r.add(
                "iis.image_outside_inetsrv",
                40,
                format!("image {image} is outside the IIS, .NET and Exchange directories"),
            );
        }
        if contains_any(image, &self.iis.suspicious_dirs) {
            r.add(
                "windows.image_in_suspicious_dir",
                30,
                format!("image {image} is in a user-writable, temporary or web directory"),
            );
        }
    }

    /// Authenticode signals; `expect_microsoft` when the image should be Microsoft's.
    fn signature(
        &self,
        facts: &ComponentFacts,
        image: &str,
        expect_microsoft: bool,
        r: &mut Reasons,
    ) {
        let catalog = under_any(image, &self.iis.catalog_signed_dirs);
        match &facts.signature {
            None => {}
            Some(ImageSignature::NotPe(why)) => r.add("image.not_pe", 40, format!("the image file is not a PE image ({why})")),
            Some(ImageSignature::Unsigned) if catalog => r.add(
                "image.no_embedded_signature",
                0,
                "no embedded signature (inbox Windows files are catalog-signed; Ferret does not check catalogs)",
            ),
            Some(ImageSignature::Unsigned) => r.add("image.unsigned", 30, "the image carries no Authenticode signature"),
            Some(ImageSignature::Invalid { reason, signer }) => r.add(
                "image.signature_invalid",
                60,
                format!(
                    "the Authenticode signature does not verify{}: {reason}",
                    signer.as_deref().map(|s| format!(" (claims signer {s})")).unwrap_or_default()
                ),
            ),
            Some(ImageSignature::Valid { signer, microsoft_root: true, .. }) => {
                r.add("image.microsoft_signed", 0, format!("signed by {signer}, chained to a Microsoft root"))
            }
            Some(ImageSignature::Valid { signer, chain_top, .. }) if expect_microsoft => r.add(
                "image.not_microsoft_signed",
                30,
                format!("signed by {signer} (chain top {chain_top}), not by Microsoft"),
            ),
            Some(ImageSignature::Valid { signer, .. }) => r.add("image.signed", 0, format!("signed by {signer}")),
        }
    }

    fn exchange(&self, c: &Component, facts: &ComponentFacts, r: &mut Reasons) -> bool {
        let k = &self.exchange;
        let install = lower(
            c.attr("install_dir")
                .unwrap_or("c:\\program files\\microsoft\\exchange server\\v15\\"),
        );
        let assembly = lower(
            c.attr("expanded")
                .or(c.implementation.as_deref())
                .unwrap_or(""),
        );
        let factory = c.attr("factory").unwrap_or("");
        let inside = !assembly.is_empty() && assembly.starts_with(&install);
        let mut stock = false;
        if let Some(a) = k
            .agents
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(&c.name))
        {
            let expected = lower(&format!("{install}transportroles\\agents\\{}", a.assembly));
            if a.factory == factory && assembly == expected {
                r.add(
                    "exchange.stock_agent",
                    0,
                    format!("stock agent {} with its stock factory and assembly", c.name),
                );
                stock = true;
            } else {
                r.add(
                    "exchange.stock_name_other_code",
                    60,
                    format!("agent named like the stock {} but its factory {factory} / assembly {assembly} are not the stock ones", a.name),
                );
            }
        } else if k.name_only.iter().any(|n| n.eq_ignore_ascii_case(&c.name)) {
            if inside
                && k.microsoft_factory_prefixes
                    .iter()
                    .any(|p| factory.starts_with(p.as_str()))
            {
                r.add(
                    "exchange.stock_agent",
                    0,
                    format!("stock agent {} inside the Exchange install", c.name),
                );
                stock = true;
            } else {
                r.add(
                    "exchange.stock_name_other_code",
                    60,
                    format!(
                        "agent named like the stock {} but loaded from {assembly} ({factory})",
                        c.name
                    ),
                );
            }
        } else {
            let names = k.agents.iter().map(|a| &a.name).chain(k.name_only.iter());
            match near_miss(&c.name, names) {
                Some(m) => r.add(
                    "exchange.name_mimics_stock",
                    40,
                    format!("agent name {} imitates the stock agent {m}", c.name),
                ),
                None => r.add(
                    "exchange.unknown_agent",
                    30,
                    format!("transport agent {} is not a stock Exchange agent", c.name),
                ),
            }
            if k.microsoft_factory_prefixes
                .iter()
                .any(|p| factory.starts_with(p.as_str()))
            {
                r.add("exchange.microsoft_factory_unknown_agent", 20, format!("factory {factory} claims a Microsoft namespace for an agent Microsoft does not ship"));
            }
        }
        if !assembly.is_empty() && !inside {
            r.add(
                "exchange.assembly_outside_install",
                40,
                format!("assembly {assembly} is outside the Exchange install ({install})"),
            );
        }
        if contains_any(&assembly, &self.iis.suspicious_dirs) {
            r.add(
                "windows.image_in_suspicious_dir",
                30,
                format!("assembly {assembly} is in a user-writable, temporary or web directory"),
            );
        }
        self.signature(facts, &assembly, true, r);
        stock
    }

    fn service(&self, c: &Component, facts: &ComponentFacts, r: &mut Reasons) -> bool {
        let k = &self.windows;
        let value = c.implementation.as_deref().unwrap_or("");
        let lv = lower(value);
        if c.name.eq_ignore_ascii_case("TermService") {
            let cs = c.attr("control_set").unwrap_or("");
            let current = c.attr("current") == Some("true");
            let which = if current {
                format!("{cs} (current)")
            } else {
                cs.to_string()
            };
            if c.attr("missing") == Some("true") || value.is_empty() {
                r.add(
                    "termsrv.missing",
                    50,
                    format!("TermService has no ServiceDll in {which}"),
                );
                return false;
            }
            let stock = lv == lower(&k.termsrv_dll);
            if stock {
                r.add(
                    "termsrv.stock",
                    0,
                    format!("ServiceDll in {which} is the stock {}", k.termsrv_dll),
                );
            } else if k.termsrv_equivalents.iter().any(|e| lower(e) == lv) {
                r.add("termsrv.equivalent", 10, format!("ServiceDll in {which} is {value}: the stock file, written in a non-stock form"));
            } else {
                r.add(
                    "termsrv.service_dll_replaced",
                    80,
                    format!("ServiceDll in {which} is {value}, not {}", k.termsrv_dll),
                );
            }
            if let Some(ImageSignature::Invalid { reason, .. }) = &facts.signature {
                r.add(
                    "termsrv.signature_invalid",
                    80,
                    format!("termsrv.dll's signature does not verify: {reason}"),
                );
            } else {
                self.signature(facts, &lv, !stock, r);
            }
            return stock;
        }
        let expanded = expand_windows(&lower(c.attr("expanded").unwrap_or(value)));
        if under_any(&expanded, &k.service_dll_dirs) {
            r.add(
                "service.stock_dir",
                0,
                format!("ServiceDll of {} is in a system directory", c.name),
            );
            true
        } else {
            r.add(
                "service.unusual_dll_path",
                25,
                format!(
                    "svchost service {} loads {value} from outside the system directories",
                    c.name
                ),
            );
            false
        }
    }

    fn esxi(&self, c: &Component, r: &mut Reasons) -> bool {
        let k = &self.esxi;
        let level = c.attr("acceptance_level").unwrap_or("");
        let rank = k
            .acceptance_levels
            .iter()
            .position(|l| l.eq_ignore_ascii_case(level));
        let community = rank == Some(k.acceptance_levels.len() - 1);
        match c.kind {
            ComponentKind::Setting => {
                if community {
                    r.add("esxi.host_accepts_community", 50, "the host's acceptance level is CommunitySupported: unsigned VIBs install without --force");
                    false
                } else if rank.is_none() {
                    r.add(
                        "esxi.host_level_unknown",
                        25,
                        format!("host acceptance level {level:?} is not a known level"),
                    );
                    false
                } else {
                    r.add(
                        "esxi.host_level",
                        0,
                        format!("host acceptance level {level}"),
                    );
                    true
                }
            }
            ComponentKind::Vib => {
                let vendor = c.attr("vendor").unwrap_or("");
                let known_vendor = k.vendors.iter().any(|v| v.eq_ignore_ascii_case(vendor));
                let platform = k
                    .platform_vendors
                    .iter()
                    .any(|v| v.eq_ignore_ascii_case(vendor));
                let mut stock = known_vendor;
                if community {
                    r.add(
                        "esxi.community_vib",
                        40,
                        format!(
                            "VIB {} is CommunitySupported: signed by neither VMware nor a partner",
                            c.name
                        ),
                    );
                    stock = false;
                } else if rank.is_none() {
                    r.add(
                        "esxi.vib_level_unknown",
                        25,
                        format!("VIB {} has acceptance level {level:?}", c.name),
                    );
                    stock = false;
                }
                if !known_vendor {
                    r.add(
                        "esxi.unknown_vendor",
                        20,
                        format!("VIB vendor {vendor:?} is not a known VMware or OEM vendor"),
                    );
                }
                if !platform {
                    let hits: Vec<&str> = c
                        .attr("files")
                        .unwrap_or("")
                        .lines()
                        .map(|f| f.trim().trim_start_matches('/'))
                        .filter(|f| k.protected_paths.iter().any(|p| f.starts_with(p.as_str())))
                        .collect();
                    // OEM drivers and agents from known partners do ship init
                    // scripts and vmkernel modules: a note for them, a tell otherwise.
                    let trusted_partner = known_vendor && !community && rank.is_some();
                    if !hits.is_empty() && trusted_partner {
                        r.add(
                            "esxi.partner_payload_in_protected_path",
                            0,
                            format!(
                                "partner VIB {} writes {}",
                                c.name,
                                hits.iter().take(5).copied().collect::<Vec<_>>().join(", ")
                            ),
                        );
                    } else if !hits.is_empty() {
                        r.add(
                            "esxi.payload_in_protected_path",
                            50,
                            format!(
                                "non-VMware VIB {} writes {}",
                                c.name,
                                hits.iter().take(5).copied().collect::<Vec<_>>().join(", ")
                            ),
                        );
                        stock = false;
                    }
                }
                if stock {
                    r.add("esxi.known_vib", 0, format!("{vendor} VIB at {level}"));
                }
                stock
            }
            _ => false,
        }
    }

    fn linux(&self, c: &Component, facts: &ComponentFacts, r: &mut Reasons) -> bool {
        let k = &self.linux;
        let imp = c
            .implementation
            .as_deref()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        let original = c.attr("original_path").unwrap_or(imp);
        let suspicious = contains_any(original, &k.suspicious_dirs);
        let mut stock = false;
        match c.kind {
            ComponentKind::LoadModule => {
                let dirs = if c.server == Server::Nginx {
                    &k.nginx_module_dirs
                } else {
                    &k.apache_module_dirs
                };
                // Relative module paths are relative to the server root (`modules/mod_x.so`).
                if !original.starts_with('/') || under_any(original, dirs) {
                    stock = true;
                } else {
                    r.add("module.outside_module_dir", 40, format!("{} module {} is loaded from {original}, outside the packaged module directories", c.server.as_str(), c.name));
                }
            }
            ComponentKind::PhpExtension | ComponentKind::ZendExtension => {
                if !original.contains('/') || under_any(original, &k.php_extension_dirs) {
                    stock = true;
                } else {
                    r.add("php.extension_outside_dir", 40, format!("PHP extension {original} is outside the packaged extension directories"));
                }
            }
            ComponentKind::AutoInclude => {
                let declared = c.declared.file.to_string_lossy().to_ascii_lowercase();
                let local = declared.ends_with(".user.ini") || declared.ends_with(".htaccess");
                r.add(
                    "php.auto_include",
                    if local { 50 } else { 40 },
                    format!(
                        "{} runs {imp} before or after every PHP script{}",
                        c.name,
                        if local {
                            " of this directory (set in a per-directory file)"
                        } else {
                            ""
                        }
                    ),
                );
            }
            ComponentKind::HandlerMapping => {
                let exts = c.attr("extensions").unwrap_or("");
                let bad: Vec<&str> = exts
                    .split_whitespace()
                    .map(|e| e.trim_start_matches('.'))
                    .filter(|e| {
                        k.static_extensions
                            .iter()
                            .any(|s| s.eq_ignore_ascii_case(e))
                    })
                    .collect();
                if !bad.is_empty() {
                    r.add(
                        "php.static_extension_executed",
                        75,
                        format!(
                            "{} makes .{} files run as PHP",
                            c.attr("directive").unwrap_or("a handler mapping"),
                            bad.join(" .")
                        ),
                    );
                } else if exts.split_whitespace().all(|e| {
                    k.php_extensions
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case(e.trim_start_matches('.')))
                }) {
                    stock = true;
                } else {
                    let declared = c.declared.file.to_string_lossy().to_ascii_lowercase();
                    let w = if declared.ends_with(".htaccess") {
                        35
                    } else {
                        20
                    };
                    r.add(
                        "php.unusual_extension_executed",
                        w,
                        format!("extensions {exts} are mapped to PHP"),
                    );
                }
            }
            ComponentKind::Valve
            | ComponentKind::ServletFilter
            | ComponentKind::ServletListener
            | ComponentKind::Servlet => {
                let class = imp;
                let stock_class = k
                    .tomcat_stock_prefixes
                    .iter()
                    .any(|p| class.starts_with(p.as_str()));
                let server_wide = c.kind == ComponentKind::Valve
                    || c.attr("scope")
                        .is_some_and(|s| s == "server" || s == "global");
                if stock_class {
                    stock = true;
                    if c.kind == ComponentKind::Valve
                        && !class.starts_with("org.apache.catalina.valves.")
                        && !class.starts_with("org.apache.catalina.authenticator.")
                    {
                        r.add("tomcat.valve_unusual_package", 30, format!("valve {class} is in a Tomcat namespace but not in its valves package"));
                        stock = false;
                    }
                } else if server_wide {
                    r.add(
                        "tomcat.foreign_server_component",
                        50,
                        format!(
                            "{} {class} is loaded for every application on the server",
                            c.kind.as_str()
                        ),
                    );
                } else {
                    r.add(
                        "tomcat.application_component",
                        0,
                        format!("application {} {class}", c.kind.as_str()),
                    );
                }
            }
            ComponentKind::JavaAgent => {
                if under_any(original, &k.java_agent_dirs) {
                    r.add(
                        "java.agent",
                        25,
                        format!("-javaagent {original} instruments every class the server loads"),
                    );
                } else {
                    r.add("java.agent_unpackaged", 50, format!("-javaagent {original}, outside packaged agent directories, instruments every class the server loads"));
                }
            }
            ComponentKind::RedisModule => {
                if under_any(original, &self.redis_dirs) {
                    stock = true;
                } else {
                    r.add("redis.module_outside_dir", 50, format!("Redis loads module {original} at start, outside the packaged module directories"));
                }
            }
            ComponentKind::PreloadLibrary => {
                let base = imp.trim_start_matches("$libdir/");
                if imp.contains('/') && !imp.starts_with("$libdir/") {
                    r.add(
                        "pg.preload_library_path",
                        75,
                        format!(
                            "{} loads {imp} from outside $libdir at start",
                            c.attr("setting").unwrap_or("a preload setting")
                        ),
                    );
                } else if self.pg_preload.contains(base) {
                    stock = true;
                } else {
                    r.add(
                        "pg.preload_library",
                        50,
                        format!(
                            "{} loads {imp}, not in the known-good list",
                            c.attr("setting").unwrap_or("a preload setting")
                        ),
                    );
                }
            }
            _ => {}
        }
        if suspicious
            && !matches!(
                c.kind,
                ComponentKind::HandlerMapping
                    | ComponentKind::Servlet
                    | ComponentKind::ServletFilter
                    | ComponentKind::ServletListener
            )
        {
            r.add(
                "linux.in_suspicious_dir",
                30,
                format!("{original} is in a temporary, user or web directory"),
            );
        }
        match &facts.package {
            Some(PackageStatus::Unowned) => {
                r.add(
                    "package.unowned",
                    30,
                    format!("no installed package owns {original}"),
                );
                stock = false;
            }
            Some(PackageStatus::Modified {
                package,
                expected,
                actual,
            }) => {
                r.add("package.modified", 75, format!("{original} differs from package {package} (expected {expected}, found {actual})"));
                stock = false;
            }
            Some(PackageStatus::Verified { package }) => r.add(
                "package.verified",
                0,
                format!("owned by {package}, checksum matches"),
            ),
            Some(PackageStatus::OwnedUnverified { package }) => {
                r.add("package.owned", 0, format!("owned by {package}"))
            }
            Some(PackageStatus::NoDatabase) | None => {}
        }
        if stock {
            r.add(
                "linux.stock",
                0,
                format!(
                    "{} {} from a packaged location",
                    c.server.as_str(),
                    c.kind.as_str()
                ),
            );
        }
        stock
    }

    /// The finding for a judged component, when its score reaches low.
    pub fn finding(
        &self,
        c: &Component,
        facts: &ComponentFacts,
        j: &Judgement,
        host: &str,
        time: &str,
    ) -> Option<Finding> {
        let severity = j.severity()?;
        let declared_in = declared_in(c);
        let path = c.resolved.as_deref().unwrap_or(&c.declared.file);
        let title = format!(
            "{} {} {}: {}",
            c.server.as_str(),
            c.kind.as_str().replace('_', " "),
            c.name,
            j.reasons.first().map(|r| r.detail.as_str()).unwrap_or("")
        );
        let evidence = j
            .reasons
            .iter()
            .filter(|r| r.score > 0)
            .map(|r| Evidence {
                source: EvidenceSource::Policy,
                rule: r.rule.to_string(),
                detail: ferret_core::escape_str(&r.detail),
                score: r.score,
                offset: None,
                line: c.declared.line,
                excerpt: None,
            })
            .collect();
        let key = format!(
            "{}\0{}\0{}\0{}",
            c.server.as_str(),
            c.kind.as_str(),
            c.name,
            declared_in
        );
        Some(Finding {
            id: stable_id(&["ferret.component", &key]),
            time: time.to_string(),
            host: host.to_string(),
            technique: j.technique,
            technique_name: j.technique.name().to_string(),
            title: ferret_core::escape_str(&title),
            severity,
            confidence: Confidence::new((0.5 + j.score as f64 / 200.0).min(0.95)),
            score: j.score,
            rule: "ferret.component".into(),
            subject: Subject::Component(ComponentSubject {
                path: Escaped::from_path(path),
                server: c.server.as_str().into(),
                component: c.kind.as_str().into(),
                name: Escaped::from_text(&c.name),
                implementation: c.implementation.as_deref().map(Escaped::from_text),
                declared_in: Escaped::from_text(&declared_in),
                verdict: j.verdict.as_str().into(),
                sha256: facts.sha256.clone(),
            }),
            evidence,
            mitigations: mitigations_of(c),
            incident: stable_id(&[
                "component",
                &c.implementation
                    .clone()
                    .unwrap_or_else(|| key.clone())
                    .to_ascii_lowercase(),
            ]),
        })
    }

    /// The finding for a server log line that records how a component was installed.
    pub fn tell_finding(&self, t: &LogTell, host: &str, time: &str) -> Finding {
        let (score, detail) = match t.tell {
            "esxi.no_sig_check" => (75, "a VIB was installed with --no-sig-check: its signature was not verified"),
            "esxi.force" => (50, "a VIB was installed with --force / -f: acceptance and dependency checks were bypassed"),
            "esxi.acceptance_set" => (50, "the host acceptance level was changed"),
            _ => (25, "a VIB was installed or updated"),
        };
        let severity = crate::severity_for_score(score, &crate::Thresholds::default())
            .unwrap_or(Severity::Low);
        let technique = match t.server {
            Server::Esxi => Technique::VsphereInstallationBundles,
            _ => Technique::ServerSoftwareComponent,
        };
        let file = t.file.to_string_lossy();
        let line = t.line.to_string();
        Finding {
            id: stable_id(&["ferret.install_log", &file, &line]),
            time: time.to_string(),
            host: host.to_string(),
            technique,
            technique_name: technique.name().to_string(),
            title: ferret_core::escape_str(&format!("{}: {detail}", t.server.as_str())),
            severity,
            confidence: Confidence::new(0.8),
            score,
            rule: "ferret.install_log".into(),
            subject: Subject::Event(EventSubject {
                path: Escaped::from_path(&t.file),
                line: Some(t.line),
                record_id: None,
                event_time: None,
                log: format!("{} install log", t.server.as_str()),
            }),
            evidence: vec![Evidence {
                source: EvidenceSource::Policy,
                rule: t.tell.to_string(),
                detail: detail.to_string(),
                score,
                offset: None,
                line: Some(t.line),
                excerpt: Some(Escaped::from_bytes(&t.text[..t.text.len().min(400)])),
            }],
            mitigations: vec![Mitigation::M1045, Mitigation::M1047],
            incident: stable_id(&["install_log", &file]),
        }
    }
}

/// `file:line`, or `file!key`.
pub fn declared_in(c: &Component) -> String {
    let file = c.declared.file.to_string_lossy();
    match (&c.declared.line, &c.declared.key) {
        (Some(l), _) => format!("{file}:{l}"),
        (None, Some(k)) => format!("{file}!{k}"),
        _ => file.into_owned(),
    }
}

fn technique_of(c: &Component) -> Technique {
    match c.server {
        Server::Iis => Technique::IisComponents,
        Server::Exchange => Technique::TransportAgent,
        Server::WindowsService if c.name.eq_ignore_ascii_case("TermService") => {
            Technique::TerminalServicesDll
        }
        Server::WindowsService => Technique::ServerSoftwareComponent,
        Server::Esxi => Technique::VsphereInstallationBundles,
        _ if matches!(
            c.kind,
            ComponentKind::AutoInclude | ComponentKind::HandlerMapping
        ) =>
        {
            Technique::WebShell
        }
        _ => Technique::ServerSoftwareComponent,
    }
}

fn mitigations_of(c: &Component) -> Vec<Mitigation> {
    match c.server {
        Server::Iis | Server::Exchange => {
            vec![Mitigation::M1045, Mitigation::M1047, Mitigation::M1026]
        }
        Server::WindowsService => vec![Mitigation::M1024, Mitigation::M1047, Mitigation::M1045],
        Server::Esxi => vec![Mitigation::M1045, Mitigation::M1047, Mitigation::M1018],
        _ => vec![Mitigation::M1047, Mitigation::M1042, Mitigation::M1018],
    }
}

/// `%SystemRoot%`-style variables of service and module paths, expanded to a
/// standard install (input and output lower case).
fn expand_windows(p: &str) -> String {
    let mut out = p.to_string();
    for (var, val) in [
        ("%systemroot%", "c:\\windows"),
        ("%windir%", "c:\\windows"),
        ("%programfiles%", "c:\\program files"),
        ("%programfiles(x86)%", "c:\\program files (x86)"),
        ("%systemdrive%", "c:"),
    ] {
        out = out.replace(var, val);
    }
    out
}

fn lower(s: &str) -> String {
    s.trim().trim_matches('"').to_lowercase()
}

/// The last path component of a Windows or Unix path.
fn file_name(p: &str) -> &str {
    p.rsplit(['\\', '/']).next().unwrap_or(p)
}

/// Whether `path` starts with one of `dirs` (case-insensitive).
fn under_any(path: &str, dirs: &[String]) -> bool {
    let p = path.to_lowercase();
    dirs.iter().any(|d| p.starts_with(&d.to_lowercase()))
}

/// Whether `path` contains one of the `fragments` (case-insensitive).
fn contains_any(path: &str, fragments: &[String]) -> bool {
    let p = path.to_lowercase();
    fragments.iter().any(|d| p.contains(&d.to_lowercase()))
}

/// An extension of a handler `path` mask (`*.jpg`, `*.jpg,*.png`) that is a static one.
fn static_mapping<'a>(path: &'a str, statics: &[String]) -> Option<&'a str> {
    path.split([',', ';', ' '])
        .filter_map(|p| p.trim().rsplit_once('.').map(|(_, e)| e))
        .find(|e| statics.iter().any(|s| s.eq_ignore_ascii_case(e)))
}

/// A stock name that `name` imitates: same letters in another case, one or two
/// edits away, or a stock name with something added. `None` when `name` is
/// itself stock or imitates nothing.
fn near_miss<'a>(name: &str, stock: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    let n = name.to_lowercase();
    let mut best = None;
    for s in stock {
        if s == name {
            return None;
        }
        let l = s.to_lowercase();
        let hit = l == n
            || (l.len() >= 6 && edit_distance(&l, &n) <= 2)
            || (l.len() >= 8 && n.len() > l.len() && n.contains(&l));
        if hit && best.is_none() {
            best = Some(s.as_str());
        }
    }
    best
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
