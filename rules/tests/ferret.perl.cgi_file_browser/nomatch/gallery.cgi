#!/usr/bin/perl
use strict;
my $album = '/srv/photos';
print "Content-Type: text/html\r\n\r\n";
opendir(DIR, $album);
foreach my $e (sort readdir(DIR)) { next if $e =~ /^\./; print "<img src=\"/photos/$e\">"; }
