#!/bin/bash
if exec 3<>/dev/tcp/127.0.0.1/80; then
  printf 'HEAD / HTTP/1.0\r\n\r\n' >&3
  head -1 <&3
fi
