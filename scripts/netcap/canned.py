"""Canned command output returned by the fake web-shell server.

Nothing is ever executed: the server looks the command up here and returns a fixed string.
The strings imitate a Linux Apache/PHP host (`www-data`) and a Windows IIS host.
"""

LINUX = {
    "whoami": "www-data\n",
    "id": "uid=33(www-data) gid=33(www-data) groups=33(www-data)\n",
    "pwd": "/var/www/html/uploads\n",
    "hostname": "web01\n",
    "uname -a": "Linux web01 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 x86_64 x86_64 x86_64 GNU/Linux\n",
    "ls -la": (
        "total 48\n"
        "drwxr-xr-x 2 www-data www-data  4096 Mar  4 10:12 .\n"
        "drwxr-xr-x 9 root     root      4096 Jan 17 08:40 ..\n"
        "-rw-r--r-- 1 www-data www-data 18244 Mar  1 16:02 banner.jpg\n"
        "-rw-r--r-- 1 www-data www-data    31 Mar  4 10:11 cmd.php\n"
        "-rw-r--r-- 1 www-data www-data   764 Mar  4 10:09 god.php\n"
        "-rw-r--r-- 1 www-data www-data    30 Mar  4 10:07 shell.php\n"
        "-rw-r--r-- 1 www-data www-data  9107 Feb 27 11:45 report-q4.pdf\n"
    ),
    "cat /etc/passwd": (
        "root:x:0:0:root:/root:/bin/bash\n"
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        "bin:x:2:2:bin:/bin:/usr/sbin/nologin\n"
        "sys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
        "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
        "mysql:x:112:118:MySQL Server,,,:/nonexistent:/bin/false\n"
        "deploy:x:1000:1000:deploy,,,:/home/deploy:/bin/bash\n"
    ),
    "ps aux": (
        "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
        "root           1  0.0  0.1 167740 11892 ?        Ss   Mar01   0:09 /sbin/init\n"
        "root         812  0.0  0.2 206480 19852 ?        Ss   Mar01   0:21 /usr/sbin/apache2 -k start\n"
        "www-data    1405  0.0  0.3 207912 27744 ?        S    10:00   0:00 /usr/sbin/apache2 -k start\n"
        "mysql        903  0.3  4.1 2437664 334020 ?      Ssl  Mar01  12:40 /usr/sbin/mysqld\n"
    ),
    "netstat -an": (
        "Active Internet connections (servers and established)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State\n"
        "tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN\n"
        "tcp        0      0 127.0.0.1:3306          0.0.0.0:*               LISTEN\n"
        "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN\n"
    ),
}

WINDOWS = {
    "whoami": "iis apppool\\defaultapppool\r\n",
    "hostname": "WEB-IIS01\r\n",
    "ipconfig": (
        "\r\nWindows IP Configuration\r\n\r\n\r\n"
        "Ethernet adapter Ethernet0:\r\n\r\n"
        "   Connection-specific DNS Suffix  . : corp.example\r\n"
        "   Link-local IPv6 Address . . . . . : fe80::4d1a:9c2e:71b0:3f12%12\r\n"
        "   IPv4 Address. . . . . . . . . . . : 10.20.30.41\r\n"
        "   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n"
        "   Default Gateway . . . . . . . . . : 10.20.30.1\r\n"
    ),
    "dir": (
        " Volume in drive C has no label.\r\n"
        " Volume Serial Number is 5E2C-91A7\r\n\r\n"
        " Directory of c:\\inetpub\\wwwroot\\aspnet_client\\system_web\r\n\r\n"
        "03/04/2024  10:12 AM    <DIR>          .\r\n"
        "03/04/2024  10:12 AM    <DIR>          ..\r\n"
        "03/04/2024  10:09 AM               611 a.aspx\r\n"
        "03/04/2024  10:11 AM               402 cmd.aspx\r\n"
        "               2 File(s)          1,013 bytes\r\n"
        "               2 Dir(s)  41,208,715,264 bytes free\r\n"
    ),
    "systeminfo": (
        "\r\nHost Name:                 WEB-IIS01\r\n"
        "OS Name:                   Microsoft Windows Server 2019 Standard\r\n"
        "OS Version:                10.0.17763 N/A Build 17763\r\n"
        "System Type:               x64-based PC\r\n"
        "Domain:                    corp.example\r\n"
    ),
    "net user": (
        "\r\nUser accounts for \\\\WEB-IIS01\r\n\r\n"
        "-------------------------------------------------------------------------------\r\n"
        "Administrator            DefaultAccount           Guest\r\n"
        "svc_backup               WDAGUtilityAccount\r\n"
        "The command completed successfully.\r\n\r\n"
    ),
}


def lookup(command: str, windows: bool = False) -> str:
    """Return the canned output for `command` (a shell command line); never executes it.

    Leading `cmd /c`, `/c`, `cd DIR;` / `cd DIR &&` prefixes and trailing `2>&1` are ignored, so a
    command wrapped the way the shell families wrap it still finds its canned text.
    """
    table = WINDOWS if windows else LINUX
    c = command.strip()
    for prefix in ("cmd.exe /c ", "cmd /c ", "/c ", "/bin/sh -c ", "sh -c "):
        if c.lower().startswith(prefix):
            c = c[len(prefix):].strip()
    if c.startswith("cd "):
        for sep in (";", "&&", "&"):
            if sep in c:
                c = c.split(sep, 1)[1].strip()
                break
    c = c.replace("2>&1", "").strip().strip('"').strip()
    if c in table:
        return table[c]
    head = c.split(" ")[0] if c else ""
    if head in table:
        return table[head]
    if windows:
        return f"'{head}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
    return f"sh: 1: {head}: not found\n"
