// Perl attacker tooling that accompanies web shells: clients that drive a planted
// PHP shell, mass defacers, local privilege-escalation helpers.

rule perl_php_webshell_client
{
    meta:
        id          = "ferret.perl.php_webshell_client"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Perl client for a planted PHP web shell: loops over PHP command functions (system/passthru/shell_exec/exec) sending typed commands to a URL"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/

        $f1 = /["']system["']\s*,/
        $f2 = /["']passthru["']\s*[,)]/
        $f3 = /["']shell_exec["']\s*[,)]/
        $f4 = /["']exec["']\s*[,)]/
        $f5 = /["']popen["']\s*[,)]/
        $http1 = /\buse\s+(LWP|HTTP::Request|HTTP::Tiny|WWW::Mechanize)/
        $http2 = /\bIO::Socket::INET\s*->\s*new/
        $tty   = /<\s*STDIN\s*>/
        $req   = /[?&]\w+=["'.\s$\w]{0,40}\(\s*\\?["']/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        3 of ($f*) and any of ($http*) and $tty and $req
}

rule perl_mass_defacer
{
    meta:
        id          = "ferret.perl.mass_defacer"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "Perl mass defacement tool: walks the web root and overwrites every index/default page with an attacker-supplied file"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/

        $d1 = /\bdefac(e|ed|ement|er|ing)\b/ nocase
        $d2 = /["']index\.html?["']\s*,\s*["']index\.\w+["']\s*,\s*["']index\.\w+["']/
        $rd = /\breaddir\s*\(?\s*\*?\$?\w+/
        $w1 = /\bopen\s*\(?\s*\w+\s*,\s*["']\s*>\s*\$\w+/
        $w2 = /\b(cp|copy|File::Copy::copy)\s*\(\s*\$\w+\s*,\s*["$]/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        any of ($d*) and $rd and any of ($w*)
}

rule perl_exploit_address_bruteforce
{
    meta:
        id          = "ferret.perl.exploit_address_bruteforce"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Perl wrapper that brute-forces a stack return address by re-running a local exploit binary with an incrementing hex address (local privilege escalation helper)"

    strings:
        $addr = /=\s*0x(bf[fe][0-9a-f]{5}|7ff[ef][0-9a-f]{8})\s*;/ nocase
        $fmt  = /sprintf\s*\(?\s*["']0x%0?\d*[xX]["']/
        $run  = /\b(system|exec)\s*\(?\s*["']\.\/[\w.-]+\s+\$\w+/
        $inc  = /\$\w+\s*(\+|-)=\s*(\d+|0x[0-9a-f]+)\s*;/

    condition:
        not uint16(0) == 0x3f3c and filesize < 64KB and
        $addr and $fmt and $run and $inc
}
