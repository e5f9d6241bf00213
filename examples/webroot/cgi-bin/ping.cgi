#!/usr/bin/perl
# Health check for the load balancer: fixed command, no request input.
use strict;
print "Content-Type: text/plain\n\n";
system('/bin/ping', '-c', '1', '127.0.0.1') == 0 ? print "ok\n" : print "down\n";
