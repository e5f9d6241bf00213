#!/usr/bin/perl
use strict;
use CGI;
my $q = CGI->new;
my $project = $q->param('p');
our $GIT = '/usr/bin/git';
my $version = qx("$GIT" --version);
print $q->header, "<p>$version</p>";
