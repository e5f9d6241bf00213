//! Tomcat server.xml / context.xml / web.xml parsing and JVM agent options: never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(x) = ferret_collect::servers::tomcat::parse_tomcat_xml(data) {
        for d in &x.items {
            assert!(d.line >= 1);
        }
    }
    let _ = ferret_collect::servers::tomcat::parse_agent_options(data);
});
