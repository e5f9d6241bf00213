#!/usr/bin/perl
use CGI;
my $q = CGI->new;
my $cache = '/var/cache/app';
opendir(D, $cache);
for my $f (readdir(D)) { unlink("$cache/$f") if -M "$cache/$f" > 7; }
print $q->header, "<form method=post><input type=submit value=Clean></form>";
