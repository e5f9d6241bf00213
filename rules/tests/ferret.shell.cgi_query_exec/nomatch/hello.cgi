#!/bin/sh
echo "Content-type: text/plain"
echo
NAME=`echo "$QUERY_STRING" | sed -e 's/^name=//'`
echo "Hello $NAME"
