//! The /proc parsers (stat, status, cmdline, maps, net/tcp, passwd) on arbitrary bytes.
#![no_main]
use ferret_collect::live::{maps, net, parse_passwd, stat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = stat::parse_stat(data);
    let _ = stat::parse_status_uid(data);
    let _ = stat::parse_cmdline(data);
    let _ = stat::parse_btime(data);
    let _ = parse_passwd(data);
    let _ = maps::Backing::from_kernel_path(data);
    for line in data.split(|&c| c == b'\n') {
        if let Ok(m) = maps::parse_maps_line(line) {
            assert_eq!(maps::Backing::from_kernel_path(&m.backing.kernel_path()), m.backing);
        }
        let _ = net::parse_net_line(line, net::Proto::Tcp);
        let _ = net::parse_net_line(line, net::Proto::Udp);
    }
});
