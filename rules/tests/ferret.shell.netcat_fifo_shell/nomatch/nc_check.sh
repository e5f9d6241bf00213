#!/bin/sh
mkfifo /tmp/logpipe
nc -z -w 3 127.0.0.1 25 && echo "smtp up"
