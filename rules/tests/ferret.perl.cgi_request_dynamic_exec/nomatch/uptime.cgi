#!/usr/bin/perl
use strict;
use CGI;
my $q = CGI->new;
my $name = $q->param('name');
my $up = `uptime`;
print $q->header('text/plain'), "hello $name\n", $up;
