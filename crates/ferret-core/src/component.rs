//! Observations of server software components: what a server is configured to
//! load, where the implementation lives and where that is declared. Pure data,
//! made by `ferret-collect`'s server sources and judged by `ferret-detect`'s
//! component policy.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The server (or host facility) a component belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Server {
    /// Microsoft IIS (and IIS Express).
    Iis,
    /// Microsoft Exchange transport (Hub / front-end transport).
    Exchange,
    /// Windows services hosted by svchost (TermService and the rest).
    WindowsService,
    /// VMware ESXi image database.
    Esxi,
    /// Apache httpd.
    Apache,
    /// nginx.
    Nginx,
    /// PHP (php.ini, conf.d, .user.ini, .htaccess).
    Php,
    /// Apache Tomcat.
    Tomcat,
    /// Redis.
    Redis,
    /// PostgreSQL (server configuration file).
    Postgres,
}

impl Server {
    /// The snake_case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Server::Iis => "iis",
            Server::Exchange => "exchange",
            Server::WindowsService => "windows_service",
            Server::Esxi => "esxi",
            Server::Apache => "apache",
            Server::Nginx => "nginx",
            Server::Php => "php",
            Server::Tomcat => "tomcat",
            Server::Redis => "redis",
            Server::Postgres => "postgres",
        }
    }
}

/// What kind of component a server loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    /// IIS `globalModules` entry: a native DLL loaded into every worker.
    NativeModule,
    /// IIS `modules` entry: a managed type (or a reference to a native module).
    ManagedModule,
    /// IIS `handlers` entry.
    Handler,
    /// IIS `isapiFilters` entry.
    IsapiFilter,
    /// Exchange transport agent.
    TransportAgent,
    /// A service's `ServiceDll` (TermService and other svchost services).
    ServiceDll,
    /// An installed ESXi VIB.
    Vib,
    /// A host-wide setting that decides what may load (ESXi acceptance level).
    Setting,
    /// Apache `LoadModule` / nginx `load_module`.
    LoadModule,
    /// PHP `extension=`.
    PhpExtension,
    /// PHP `zend_extension=`.
    ZendExtension,
    /// PHP `auto_prepend_file` / `auto_append_file`.
    AutoInclude,
    /// A handler mapping that makes the server execute files as script
    /// (`AddHandler`/`SetHandler`/`AddType` for PHP).
    HandlerMapping,
    /// Tomcat `Valve`.
    Valve,
    /// Servlet filter (`web.xml`).
    ServletFilter,
    /// Servlet listener (`web.xml`).
    ServletListener,
    /// Servlet (`web.xml`).
    Servlet,
    /// JVM `-javaagent:` option.
    JavaAgent,
    /// Redis `loadmodule`.
    RedisModule,
    /// PostgreSQL `*_preload_libraries`.
    PreloadLibrary,
}

impl ComponentKind {
    /// The snake_case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::NativeModule => "native_module",
            ComponentKind::ManagedModule => "managed_module",
            ComponentKind::Handler => "handler",
            ComponentKind::IsapiFilter => "isapi_filter",
            ComponentKind::TransportAgent => "transport_agent",
            ComponentKind::ServiceDll => "service_dll",
            ComponentKind::Vib => "vib",
            ComponentKind::Setting => "setting",
            ComponentKind::LoadModule => "load_module",
            ComponentKind::PhpExtension => "php_extension",
            ComponentKind::ZendExtension => "zend_extension",
            ComponentKind::AutoInclude => "auto_include",
            ComponentKind::HandlerMapping => "handler_mapping",
            ComponentKind::Valve => "valve",
            ComponentKind::ServletFilter => "servlet_filter",
            ComponentKind::ServletListener => "servlet_listener",
            ComponentKind::Servlet => "servlet",
            ComponentKind::JavaAgent => "java_agent",
            ComponentKind::RedisModule => "redis_module",
            ComponentKind::PreloadLibrary => "preload_library",
        }
    }
}

/// Where a component is declared.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Declaration {
    /// The configuration file or hive, as found on disk (under `--root`).
    pub file: PathBuf,
    /// 1-based line in the file, for text and XML configuration.
    pub line: Option<u64>,
    /// A key inside the file: a hive key (`ControlSet001\Services\TermService\Parameters`),
    /// an archive member (`imgdb.tgz!vibs/x.xml`) or an XML location.
    pub key: Option<String>,
}

impl Declaration {
    /// A declaration at a line of a file.
    pub fn at_line(file: impl Into<PathBuf>, line: u64) -> Self {
        Declaration {
            file: file.into(),
            line: Some(line),
            key: None,
        }
    }
    /// A declaration under a key inside a file.
    pub fn at_key(file: impl Into<PathBuf>, key: impl Into<String>) -> Self {
        Declaration {
            file: file.into(),
            line: None,
            key: Some(key.into()),
        }
    }
}

/// One component a server is configured to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Which server loads it.
    pub server: Server,
    /// What it is.
    pub kind: ComponentKind,
    /// Its name as configured (module name, agent name, VIB name, service name, ...).
    pub name: String,
    /// The implementation as declared: an image path with the server's own
    /// variables (`%windir%\System32\inetsrv\cachuri.dll`), a managed type name,
    /// a script path. `None` when the declaration names none.
    pub implementation: Option<String>,
    /// The implementation found on disk (under `--root`), when it could be resolved.
    pub resolved: Option<PathBuf>,
    /// Where it is declared.
    pub declared: Declaration,
    /// Further facts from the declaration (`precondition`, `vendor`,
    /// `acceptance_level`, `factory`, `control_set`, ...).
    pub attrs: BTreeMap<String, String>,
}

impl Component {
    /// A component with no implementation, resolution or attributes yet.
    pub fn new(
        server: Server,
        kind: ComponentKind,
        name: impl Into<String>,
        declared: Declaration,
    ) -> Self {
        Component {
            server,
            kind,
            name: name.into(),
            implementation: None,
            resolved: None,
            declared,
            attrs: BTreeMap::new(),
        }
    }

    /// Sets the declared implementation.
    pub fn with_implementation(mut self, implementation: impl Into<String>) -> Self {
        self.implementation = Some(implementation.into());
        self
    }

    /// Adds an attribute.
    pub fn with_attr(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attrs.insert(key.into(), value.into());
        self
    }

    /// An attribute's value.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).map(String::as_str)
    }
}

/// A line in a server's own log that records how a component was installed
/// (`esxcli software vib install --no-sig-check`, `acceptance set`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTell {
    /// Which server's log.
    pub server: Server,
    /// The log file.
    pub file: PathBuf,
    /// 1-based line number.
    pub line: u64,
    /// The log line (raw; printers escape it).
    pub text: Vec<u8>,
    /// What it shows, as a stable id (`esxi.no_sig_check`, `esxi.force`, `esxi.acceptance_set`).
    pub tell: &'static str,
}

/// What an Authenticode check of a PE image found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSignature {
    /// The file is not a PE image, or could not be parsed as one.
    NotPe(String),
    /// A PE image without an embedded Authenticode signature.
    Unsigned,
    /// A signature that does not verify: the image was changed after signing,
    /// or the signature or its chain is forged or broken. Stronger than none.
    Invalid {
        /// Why it does not verify.
        reason: String,
        /// The signer's subject, when the signature could be parsed that far.
        signer: Option<String>,
    },
    /// A signature that verifies (image digest, signer signature, chain up to
    /// the last certificate the signature carries).
    Valid {
        /// The signer certificate's subject common name / organization.
        signer: String,
        /// The subject of the certificate at the top of the verified chain.
        chain_top: String,
        /// Whether the chain ends at one of the Microsoft roots Ferret ships
        /// (`rules/known-good/microsoft-roots.pem`), verified by signature.
        microsoft_root: bool,
    },
}

/// Whether a file is owned by an installed package, per the package database
/// under the examined root (dpkg, RPM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageStatus {
    /// No package database was found; ownership is unknown.
    NoDatabase,
    /// No installed package lists the file.
    Unowned,
    /// A package lists the file and its checksum matches.
    Verified {
        /// The package name.
        package: String,
    },
    /// A package lists the file but the file's checksum differs.
    Modified {
        /// The package name.
        package: String,
        /// The checksum the package database records (hex).
        expected: String,
        /// The checksum of the file on disk (hex).
        actual: String,
    },
    /// A package lists the file without a checksum (or with an algorithm Ferret cannot check).
    OwnedUnverified {
        /// The package name.
        package: String,
    },
}

/// What the caller learnt about a component's implementation file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentFacts {
    /// SHA-256 of the file, when read.
    pub sha256: Option<String>,
    /// Authenticode verdict, for PE images.
    pub signature: Option<ImageSignature>,
    /// Package ownership, for files on Linux systems.
    pub package: Option<PackageStatus>,
    /// Why the file could not be examined, when it could not.
    pub unreadable: Option<String>,
}
