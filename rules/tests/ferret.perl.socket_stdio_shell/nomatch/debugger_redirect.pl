#!/usr/bin/perl
use IO::Socket::INET;
my $OUT = IO::Socket::INET->new(PeerAddr => 'localhost:9000');
open(SAVEOUT, ">&STDOUT");
open(STDOUT, ">&OUT");
system(@_);
open(STDOUT, ">&SAVEOUT");
my $pager = "/bin/sh -c more";
