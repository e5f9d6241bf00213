//! M1045 Code Signing: every non-stock module or agent is Authenticode-signed
//! by a trusted signer, or owned by a package whose checksum matches.

use crate::catalogue::SigningRule;
use crate::{Check, ComponentFact, Evidence, Status};
use ferret_core::{ImageSignature, PackageStatus};

/// What one component's facts say.
enum Verdict {
    Pass,
    Fail(String),
    Unsure(String),
}

fn judge(rule: &SigningRule, c: &ComponentFact) -> Verdict {
    let f = &c.facts;
    if let Some(sig) = &f.signature {
        match sig {
            ImageSignature::Valid {
                signer,
                microsoft_root,
                ..
            } => {
                let listed = rule
                    .trusted_signers
                    .iter()
                    .any(|t| signer.to_lowercase().contains(&t.to_lowercase()));
                return if *microsoft_root || listed {
                    Verdict::Pass
                } else {
                    Verdict::Fail(format!("signed by {signer}, not a trusted signer"))
                };
            }
            ImageSignature::Invalid { reason, .. } => {
                return Verdict::Fail(format!("signature does not verify: {reason}"))
            }
            ImageSignature::Unsigned => {
                if !matches!(f.package, Some(PackageStatus::Verified { .. })) {
                    return Verdict::Fail("unsigned PE image".into());
                }
            }
            ImageSignature::NotPe(_) => {}
        }
    }
    match &f.package {
        Some(PackageStatus::Verified { .. }) => Verdict::Pass,
        Some(PackageStatus::Modified {
            package,
            expected,
            actual,
        }) => Verdict::Fail(format!(
            "owned by package {package} but checksum differs (expected {expected}, found {actual})"
        )),
        Some(PackageStatus::Unowned) => Verdict::Fail("no installed package owns the file".into()),
        Some(PackageStatus::OwnedUnverified { package }) => Verdict::Unsure(format!(
            "owned by package {package}, which records no checksum Ferret can check"
        )),
        Some(PackageStatus::NoDatabase) => Verdict::Unsure("no package database under root".into()),
        None => match (&f.unreadable, &c.resolved) {
            (Some(why), _) => Verdict::Unsure(format!("file unreadable: {why}")),
            (None, None) => Verdict::Unsure("implementation file not found".into()),
            (None, Some(_)) => {
                Verdict::Unsure("neither signed nor checked against a package".into())
            }
        },
    }
}

/// Judges every non-stock component.
pub fn check(rule: &SigningRule, components: &[ComponentFact]) -> Check {
    let mut bad = Vec::new();
    let mut unsure = Vec::new();
    let (mut stock, mut good) = (0usize, 0usize);
    for c in components {
        if rule.skip_kinds.iter().any(|k| k == &c.kind) {
            continue;
        }
        if c.stock {
            stock += 1;
            continue;
        }
        let ev = |what: String| {
            let e = match &c.resolved {
                Some(p) => Evidence::at(format!("{} {}: {what}", c.server, c.kind), p),
                None => Evidence::about(format!("{} {}: {what}", c.server, c.kind), &c.declared_in),
            };
            e.value(&c.name)
        };
        match judge(rule, c) {
            Verdict::Pass => good += 1,
            Verdict::Fail(w) => bad.push(ev(w)),
            Verdict::Unsure(w) => unsure.push(ev(w)),
        }
    }
    let summary = Evidence::note(format!(
        "{} components: {stock} stock-listed, {good} signed or package-verified, {} failing, {} undetermined",
        components.len(),
        bad.len(),
        unsure.len()
    ));
    let status = if !bad.is_empty() {
        Status::NotMet
    } else if !unsure.is_empty() || components.is_empty() {
        Status::Unknown
    } else {
        Status::Met
    };
    let mut evidence = vec![summary];
    evidence.extend(bad);
    evidence.extend(unsure);
    Check::new(&rule.meta, status, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalogue;
    use ferret_core::ComponentFacts;

    fn comp(stock: bool, package: Option<PackageStatus>) -> ComponentFact {
        ComponentFact {
            server: "apache".into(),
            kind: "module".into(),
            name: "evil_module".into(),
            resolved: Some("/r/usr/lib/apache2/modules/mod_evil.so".into()),
            declared_in: "/r/etc/apache2/mods-enabled/evil.load:1".into(),
            stock,
            facts: ComponentFacts {
                package,
                ..Default::default()
            },
        }
    }

    #[test]
    fn unowned_module_is_not_met_and_named() {
        let cat = Catalogue::load().unwrap();
        let ok = comp(
            false,
            Some(PackageStatus::Verified {
                package: "apache2-bin".into(),
            }),
        );
        let c = check(
            &cat.signing,
            &[ok.clone(), comp(false, Some(PackageStatus::Unowned))],
        );
        assert_eq!(c.status, Status::NotMet);
        assert_eq!(
            c.evidence[1].value.as_ref().unwrap().as_str(),
            "evil_module"
        );
        assert_eq!(check(&cat.signing, &[ok]).status, Status::Met);
        let c = check(
            &cat.signing,
            &[comp(false, Some(PackageStatus::NoDatabase))],
        );
        assert_eq!(c.status, Status::Unknown);
        let c = check(&cat.signing, &[comp(true, Some(PackageStatus::Unowned))]);
        assert_eq!(c.status, Status::Met);
    }
}
