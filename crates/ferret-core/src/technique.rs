//! MITRE ATT&CK T1505 (Server Software Component), its sub-techniques and the
//! mitigations the technique text names.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// T1505 and its six sub-techniques. Serialized as the ATT&CK id (`"T1505.003"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Technique {
    /// T1505 Server Software Component (the parent).
    #[serde(rename = "T1505")]
    ServerSoftwareComponent,
    /// T1505.001 SQL Stored Procedures.
    #[serde(rename = "T1505.001")]
    SqlStoredProcedures,
    /// T1505.002 Transport Agent.
    #[serde(rename = "T1505.002")]
    TransportAgent,
    /// T1505.003 Web Shell.
    #[serde(rename = "T1505.003")]
    WebShell,
    /// T1505.004 IIS Components.
    #[serde(rename = "T1505.004")]
    IisComponents,
    /// T1505.005 Terminal Services DLL.
    #[serde(rename = "T1505.005")]
    TerminalServicesDll,
    /// T1505.006 vSphere Installation Bundles.
    #[serde(rename = "T1505.006")]
    VsphereInstallationBundles,
    /// Behaviour outside T1505: a user's Sigma rule not tagged with it. The
    /// finding's evidence names the rule's own ATT&CK tags.
    #[serde(rename = "other")]
    Other,
}

impl Technique {
    /// T1505 and its sub-techniques, parent first ([`Technique::Other`] is not one).
    pub const ALL: [Technique; 7] = [
        Technique::ServerSoftwareComponent,
        Technique::SqlStoredProcedures,
        Technique::TransportAgent,
        Technique::WebShell,
        Technique::IisComponents,
        Technique::TerminalServicesDll,
        Technique::VsphereInstallationBundles,
    ];

    /// The ATT&CK id, e.g. `T1505.003`.
    pub fn id(self) -> &'static str {
        match self {
            Technique::ServerSoftwareComponent => "T1505",
            Technique::SqlStoredProcedures => "T1505.001",
            Technique::TransportAgent => "T1505.002",
            Technique::WebShell => "T1505.003",
            Technique::IisComponents => "T1505.004",
            Technique::TerminalServicesDll => "T1505.005",
            Technique::VsphereInstallationBundles => "T1505.006",
            Technique::Other => "other",
        }
    }

    /// The ATT&CK name, e.g. `Web Shell`.
    pub fn name(self) -> &'static str {
        match self {
            Technique::ServerSoftwareComponent => "Server Software Component",
            Technique::SqlStoredProcedures => "SQL Stored Procedures",
            Technique::TransportAgent => "Transport Agent",
            Technique::WebShell => "Web Shell",
            Technique::IisComponents => "IIS Components",
            Technique::TerminalServicesDll => "Terminal Services DLL",
            Technique::VsphereInstallationBundles => "vSphere Installation Bundles",
            Technique::Other => "Outside T1505 (see the rule's tags)",
        }
    }
}

impl fmt::Display for Technique {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A technique id that is not T1505 or one of its sub-techniques.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown technique {0:?}: expected T1505 or T1505.001 to T1505.006")]
pub struct ParseTechniqueError(pub String);

impl FromStr for Technique {
    type Err = ParseTechniqueError;

    /// Accepts `T1505.003`, `t1505.003` and Sigma's tag form `attack.t1505.003`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let t = t.strip_prefix("attack.").unwrap_or(t);
        Technique::ALL
            .into_iter()
            .find(|k| k.id().eq_ignore_ascii_case(t))
            .ok_or_else(|| ParseTechniqueError(s.to_string()))
    }
}

/// The ATT&CK mitigations the T1505 text lists, plus M1046 for boot integrity
/// (ESXi secure boot, which the posture check reads). Serialized as the M-number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mitigation {
    /// M1018 User Account Management.
    M1018,
    /// M1024 Restrict Registry Permissions.
    M1024,
    /// M1026 Privileged Account Management.
    M1026,
    /// M1042 Disable or Remove Feature or Program.
    M1042,
    /// M1045 Code Signing.
    M1045,
    /// M1046 Boot Integrity.
    M1046,
    /// M1047 Audit.
    M1047,
}

impl Mitigation {
    /// Every mitigation, in M-number order.
    pub const ALL: [Mitigation; 7] = [
        Mitigation::M1018,
        Mitigation::M1024,
        Mitigation::M1026,
        Mitigation::M1042,
        Mitigation::M1045,
        Mitigation::M1046,
        Mitigation::M1047,
    ];

    /// The ATT&CK id, e.g. `M1047`.
    pub fn id(self) -> &'static str {
        match self {
            Mitigation::M1018 => "M1018",
            Mitigation::M1024 => "M1024",
            Mitigation::M1026 => "M1026",
            Mitigation::M1042 => "M1042",
            Mitigation::M1045 => "M1045",
            Mitigation::M1046 => "M1046",
            Mitigation::M1047 => "M1047",
        }
    }

    /// The ATT&CK name.
    pub fn name(self) -> &'static str {
        match self {
            Mitigation::M1018 => "User Account Management",
            Mitigation::M1024 => "Restrict Registry Permissions",
            Mitigation::M1026 => "Privileged Account Management",
            Mitigation::M1042 => "Disable or Remove Feature or Program",
            Mitigation::M1045 => "Code Signing",
            Mitigation::M1046 => "Boot Integrity",
            Mitigation::M1047 => "Audit",
        }
    }
}

impl fmt::Display for Mitigation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for t in Technique::ALL {
            assert_eq!(t.id().parse::<Technique>().unwrap(), t);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.id()));
        }
        assert_eq!(
            "attack.t1505.003".parse::<Technique>().unwrap(),
            Technique::WebShell
        );
        assert!("T1505.007".parse::<Technique>().is_err());
        assert!("T1059".parse::<Technique>().is_err());
    }

    #[test]
    fn mitigation_serializes_as_number() {
        for m in Mitigation::ALL {
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                format!("\"{}\"", m.id())
            );
            assert!(!m.name().is_empty());
        }
    }
}
