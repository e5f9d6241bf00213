// Perl web shell families and packing.

rule perl_cgitelnet_family
{
    meta:
        id          = "ferret.perl.cgitelnet_family"
        technique   = "T1505.003"
        severity    = "high"
        score       = 75
        description = "CGI-Telnet style Perl web shell (and its many forks): hand-written ReadParse plus Windows/Unix command-separator and command-timeout settings used to run commands, upload and download files"
        family      = "CGI-Telnet"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/
        $v1 = "$CommandTimeoutDuration"
        $v2 = "$ShowDynamicOutput"
        $v3 = "$NTCmdSep"
        $v4 = "$UnixCmdSep"
        $v5 = /\$CmdSep\s*=\s*\(\s*\$WinNT\s*\?/
        $v6 = /\$CmdPwd\s*=\s*\(\s*\$WinNT\s*\?/
        $rp = /\bsub\s+ReadParse\b/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        3 of ($v*, $rp)
}

rule perl_eval_decoded_blob
{
    meta:
        id          = "ferret.perl.eval_decoded_blob"
        technique   = "T1505.003"
        severity    = "medium"
        score       = 50
        description = "Perl script that evaluates code it first decodes (eval of base64/uudecode/unpack output), the usual wrapper of packed Perl web shells"

    strings:
        $pl_shebang = /^#!\s*\S*perl/
        $pl_use     = /\buse\s+(strict|warnings|CGI|Socket|IO::Socket|FileHandle|Cwd|POSIX|Getopt::Std|LWP)\b/
        $pl_sub     = /\bsub\s+\w+\s*(\([$;@%\\]*\))?\s*\{/
        $pl_my      = /\b(my|local)\s+[\$@%]\w+/
        $e1 = /\beval\s*\(?\s*&?\w*(b64|base64|Base64|uudecode|unpack)\w*\s*\(\s*\$\w+\s*\)/
        $e2 = /\beval\s*\(?\s*MIME::Base64::decode(_base64)?\s*\(/
        $e3 = /\beval\s*\(?\s*pack\s*\(\s*["'][Hu]\*?["']/

    condition:
        not uint16(0) == 0x3f3c and ($pl_shebang at 0 or any of ($pl_use, $pl_sub, $pl_my)) and
        any of ($e*)
}
