#!/bin/sh
cat > /tmp/helper.c <<EOF
int main(){ setuid(getuid()); execl("/usr/bin/id","id",0); return 0; }
EOF
gcc -o /tmp/helper /tmp/helper.c
chmod 755 /tmp/helper
