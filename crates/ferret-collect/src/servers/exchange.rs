//! Exchange transport agents (T1505.002): `agents.config` (Transport service)
//! and `fetagents.config` (Front End Transport) under each Exchange install's
//! `TransportRoles\Shared`.
//!
//! The format (`configuration/mexRuntime/agentList/agent`, attributes `name`,
//! `baseType`, `classFactory`, `assemblyPath`, `enabled`) is Microsoft's
//! documented agent element.
//!
//! Attributes set: `factory`, `base_type`, `enabled`, `role` (`transport` or
//! `frontend_transport`), `install_dir` (the Exchange install the file
//! belongs to, Windows form, when known from the file's location).

use super::xml;
use super::{read_config, Discovered};
use crate::layout::{expand_windows_vars, join_ci, original_path, resolve_windows, windows_drives};
use crate::CollectError;
use ferret_core::{Component, ComponentKind, Declaration, Server};
use std::path::Path;

/// Parses one agents configuration file (pure).
pub fn parse(file: &Path, bytes: &[u8]) -> Result<Vec<Component>, String> {
    let root = xml::parse(bytes)?;
    if !root.name.eq_ignore_ascii_case("configuration") {
        return Err(format!(
            "root element is <{}>, not <configuration>",
            root.name
        ));
    }
    let role = match file
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
    {
        Some(n) if n.starts_with("fet") => "frontend_transport",
        _ => "transport",
    };
    let mut out = Vec::new();
    for agent in root.path_all("mexRuntime/agentList/agent") {
        let Some(name) = agent.attr("name") else {
            continue;
        };
        let mut c = Component::new(
            Server::Exchange,
            ComponentKind::TransportAgent,
            name,
            Declaration::at_line(file, agent.line),
        )
        .with_attr("role", role)
        .with_attr("enabled", agent.attr("enabled").unwrap_or("true"));
        if let Some(p) = agent.attr("assemblyPath") {
            c = c.with_implementation(p);
        }
        if let Some(f) = agent.attr("classFactory") {
            c = c.with_attr("factory", f);
        }
        if let Some(b) = agent.attr("baseType") {
            c = c.with_attr("base_type", b);
        }
        out.push(c);
    }
    Ok(out)
}

/// Finds every Exchange install's agent configurations under `root`.
pub fn collect(root: &Path, out: &mut Discovered) {
    for (_, drive) in windows_drives(root) {
        for pf in ["Program Files", "Program Files (x86)"] {
            let Some(base) = join_ci(&drive, &format!("{pf}/Microsoft/Exchange Server")) else {
                continue;
            };
            let Ok(rd) = std::fs::read_dir(&base) else {
                continue;
            };
            let mut versions: Vec<_> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            versions.sort();
            for v in versions {
                for name in ["agents.config", "fetagents.config"] {
                    if let Some(p) = join_ci(&v, &format!("TransportRoles/Shared/{name}")) {
                        read_file(root, &p, out);
                    }
                }
            }
        }
    }
}

/// Parses an explicitly given `agents.config` / `fetagents.config`.
pub fn collect_file(root: &Path, path: &Path, out: &mut Discovered) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name != "agents.config" && name != "fetagents.config" {
        return false;
    }
    read_file(root, path, out);
    true
}

fn read_file(root: &Path, path: &Path, out: &mut Discovered) {
    let bytes = match read_config(path) {
        Ok(b) => b,
        Err(e) => return out.errors.push(e),
    };
    out.files_read.push(path.to_path_buf());
    let agents = match parse(path, &bytes) {
        Ok(a) => a,
        Err(e) => return out.errors.push(CollectError::parse(path, e)),
    };
    // `...\V15\TransportRoles\Shared\agents.config` → the install is `...\V15\`.
    let install = path
        .strip_prefix(root)
        .ok()
        .map(original_path)
        .and_then(|orig| {
            let lower = orig.to_ascii_lowercase();
            lower
                .find("\\transportroles\\")
                .map(|i| format!("{}\\", &orig[..i]))
        });
    for mut c in agents {
        if let Some(i) = &install {
            c = c.with_attr("install_dir", i.clone());
        }
        if let Some(imp) = &c.implementation {
            let expanded = expand_windows_vars(imp, install.as_deref());
            c.resolved = resolve_windows(root, &expanded);
            c = c.with_attr("expanded", expanded);
        }
        out.components.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STOCK: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <mexRuntime>
    <monitoring><agentExecution timeLimitInMilliseconds="90000" /></monitoring>
    <agentList>
      <agent name="Transport Rule Agent" baseType="Microsoft.Exchange.Data.Transport.Routing.RoutingAgent" classFactory="Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.TransportRuleAgentFactory" assemblyPath="C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Rule\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll" enabled="true" />
      <agent name="Evil" baseType="Microsoft.Exchange.Data.Transport.Routing.RoutingAgent" classFactory="X.F" assemblyPath="C:\ProgramData\x.dll" enabled="false" />
    </agentList>
  </mexRuntime>
</configuration>
"#;

    #[test]
    fn agents_with_lines_and_install_dir() {
        let t = tempfile::tempdir().unwrap();
        let shared = t
            .path()
            .join("C/Program Files/Microsoft/Exchange Server/V15/TransportRoles/Shared");
        std::fs::create_dir_all(&shared).unwrap();
        std::fs::write(shared.join("agents.config"), STOCK).unwrap();
        std::fs::write(
            shared.join("fetagents.config"),
            "<configuration><mexRuntime><agentList/></mexRuntime></configuration>",
        )
        .unwrap();
        let mut d = Discovered::default();
        collect(t.path(), &mut d);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        assert_eq!(d.files_read.len(), 2);
        assert_eq!(d.components.len(), 2);
        let rule = &d.components[0];
        assert_eq!(rule.name, "Transport Rule Agent");
        assert_eq!(rule.declared.line, Some(6));
        assert_eq!(rule.attr("role"), Some("transport"));
        assert_eq!(
            rule.attr("install_dir"),
            Some("C:\\Program Files\\Microsoft\\Exchange Server\\V15\\")
        );
        assert_eq!(d.components[1].attr("enabled"), Some("false"));
    }

    #[test]
    fn broken_files_are_errors() {
        assert!(parse(Path::new("agents.config"), b"<configuration><mexRuntime>").is_err());
        assert!(parse(Path::new("agents.config"), b"<html/>").is_err());
        assert!(parse(Path::new("agents.config"), b"\x00\x01binary").is_err());
    }
}
