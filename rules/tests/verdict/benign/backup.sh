#!/bin/sh
set -eu
tar czf /backup/www-$(date +%F).tgz /var/www
