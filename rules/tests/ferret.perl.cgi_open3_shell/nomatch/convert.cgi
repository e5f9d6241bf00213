#!/usr/bin/perl
use CGI;
use IPC::Open3;
my $cgi = CGI->new;
my $width = $cgi->param('w');
my $pid = open3(\*IN, \*OUT, \*ERR, "/usr/bin/convert", "-resize", "100x100", "in.png", "png:-");
close(IN);
print $cgi->header('image/png');
print while <OUT>;
