#!/usr/bin/perl
use strict;
my @dangerous = ("system", "passthru", "shell_exec", "exec");
print "File to audit: ";
chomp(my $file = <STDIN>);
open(my $fh, '<', $file) or die;
while (<$fh>) { for my $f (@dangerous) { print "$.: $f\n" if /\b$f\s*\(/; } }
