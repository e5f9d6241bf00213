//! M1046 Boot Integrity: UEFI Secure Boot on a live Linux host (the
//! `SecureBoot` EFI variable: 4 attribute bytes, then 1 = on), and on ESXi
//! `execInstalledOnly` (boot.cfg `kernelopt`, esx.conf) under the root.

use crate::catalogue::BootRule;
use crate::{Check, Evidence, Status};
use std::path::Path;

/// `kernelopt=... execInstalledOnly=TRUE` → Some(true).
pub fn exec_installed_only(text: &str) -> Option<(u64, String, bool)> {
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        let lower = l.to_ascii_lowercase();
        let Some(at) = lower.find("execinstalledonly") else {
            continue;
        };
        let rest = lower[at + "execinstalledonly".len()..].trim_start();
        // boot.cfg: `execInstalledOnly=TRUE`; esx.conf: `/.../execInstalledOnly = "TRUE"`.
        let value: String = rest
            .trim_start_matches(['=', ' ', '"'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let on = matches!(value.as_str(), "true" | "1" | "yes");
        return Some((i as u64 + 1, l.to_string(), on));
    }
    None
}

/// Runs the check.
pub fn check(rule: &BootRule, root: &Path, live: bool, errors: &mut Vec<String>) -> Check {
    let mut evidence = Vec::new();
    let mut verdicts: Vec<bool> = Vec::new();
    if live {
        let var = Path::new(&rule.efivar);
        match std::fs::read(var) {
            Ok(b) if b.len() >= 5 => {
                let on = b[4] == 1;
                verdicts.push(on);
                evidence.push(
                    Evidence::at(
                        if on {
                            "UEFI Secure Boot on"
                        } else {
                            "UEFI Secure Boot off"
                        },
                        var,
                    )
                    .value(&format!("{}", b[4])),
                );
            }
            Ok(_) => evidence.push(Evidence::at("EFI variable too short", var)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let efi = Path::new("/sys/firmware/efi").exists();
                evidence.push(Evidence::at(
                    if efi {
                        "SecureBoot variable absent"
                    } else {
                        "not booted through UEFI (no /sys/firmware/efi)"
                    },
                    var,
                ));
            }
            Err(e) => evidence.push(Evidence::at(format!("cannot read: {e}"), var)),
        }
    }
    for sys in rule.esxi_boot_cfg.iter().chain(&rule.esxi_conf) {
        let Some(p) = crate::in_root(root, sys) else {
            continue;
        };
        match ferret_collect::servers::read_config(&p) {
            Ok(b) => match exec_installed_only(&String::from_utf8_lossy(&b)) {
                Some((line, text, on)) => {
                    verdicts.push(on);
                    let what = if on {
                        "ESXi execInstalledOnly on"
                    } else {
                        "ESXi execInstalledOnly off"
                    };
                    evidence.push(Evidence::at(what, &p).line(line).value(&text));
                }
                None => evidence.push(Evidence::at(
                    "ESXi execInstalledOnly not set here (its default depends on the ESXi version)",
                    &p,
                )),
            },
            Err(e) => errors.push(e.to_string()),
        }
    }
    let status = if verdicts.contains(&false) {
        Status::NotMet
    } else if verdicts.is_empty() {
        if !live {
            evidence.push(Evidence::note(
                "Secure Boot state is not readable from a file tree (only on the live host)",
            ));
        }
        Status::Unknown
    } else {
        Status::Met
    };
    Check::new(&rule.meta, status, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernelopt_and_esx_conf() {
        let b = "bootstate=0\nkernelopt=autoPartition=FALSE execInstalledOnly=TRUE\n";
        assert_eq!(exec_installed_only(b).map(|v| (v.0, v.2)), Some((2, true)));
        let c = "/user/execInstalledOnly = \"FALSE\"\n";
        assert_eq!(exec_installed_only(c).map(|v| v.2), Some(false));
        assert!(exec_installed_only("kernelopt=runweasel\n").is_none());
    }
}
