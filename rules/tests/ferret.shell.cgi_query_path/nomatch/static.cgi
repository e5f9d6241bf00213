#!/bin/sh
echo "Content-type: text/plain"
echo
ls -la /var/www/public
echo "query was: $QUERY_STRING"
