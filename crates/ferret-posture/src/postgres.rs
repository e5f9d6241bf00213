//! M1042: no untrusted PostgreSQL procedural language is installed, from
//! the catalogs `--db-url` read (extensions, and the languages of
//! functions, triggers and event triggers).

use crate::catalogue::PgLanguageRule;
use crate::{Check, DbCatalog, Evidence, Status};
use ferret_core::{Engine, ObjectKind};
use std::collections::BTreeMap;

/// Runs the check over the PostgreSQL catalogs read.
pub fn languages(rule: &PgLanguageRule, dbs: &[DbCatalog]) -> Check {
    let mut evidence = Vec::new();
    let (mut bad, mut read) = (false, 0usize);
    for db in dbs {
        let objects = match &db.objects {
            Ok(o) => o,
            Err(e) => {
                evidence.push(Evidence::about("catalog not readable", &db.server).value(e));
                continue;
            }
        };
        if !objects.iter().all(|o| o.engine == Engine::Postgres) {
            continue;
        }
        read += 1;
        // language → (where installed, functions using it)
        let mut langs: BTreeMap<String, (Vec<String>, usize)> = BTreeMap::new();
        for o in objects {
            let place = format!("{}/{}", db.server, o.database.as_deref().unwrap_or(""));
            if o.kind == ObjectKind::Extension && rule.untrusted.contains(&o.name) {
                langs.entry(o.name.clone()).or_default().0.push(place);
            } else if matches!(
                o.kind,
                ObjectKind::Function | ObjectKind::Trigger | ObjectKind::EventTrigger
            ) && o.attrs.get("trusted").is_some_and(|t| t == "false")
            {
                if let Some(l) = o.attrs.get("language") {
                    if l != "c" && l != "internal" {
                        let e = langs.entry(l.clone()).or_default();
                        e.1 += 1;
                        if !e.0.contains(&place) {
                            e.0.push(place);
                        }
                    }
                }
            }
        }
        if langs.is_empty() {
            evidence.push(Evidence::about(
                "no untrusted procedural language installed or used",
                &db.server,
            ));
        }
        for (lang, (places, funcs)) in langs {
            bad = true;
            evidence.push(
                Evidence::about(
                    format!(
                        "untrusted language installed in {}; {funcs} functions written in it",
                        places.join(", ")
                    ),
                    &db.server,
                )
                .value(&lang),
            );
        }
    }
    let status = if bad {
        Status::NotMet
    } else if read == 0 {
        evidence.push(Evidence::note(
            "no PostgreSQL catalog read (give --db-url postgres://...)",
        ));
        Status::Unknown
    } else {
        Status::Met
    };
    Check::new(&rule.meta, status, evidence)
}
