import os, sys
def daemonize(logfile):
    fd = os.open(logfile, os.O_WRONLY | os.O_CREAT)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.execv("/usr/sbin/app", ["app"])
