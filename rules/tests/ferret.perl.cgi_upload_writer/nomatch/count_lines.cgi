#!/usr/bin/perl
use CGI;
my $q = CGI->new;
print $q->header, $q->start_multipart_form, $q->filefield(-name => 'file'), $q->end_form;
my $fh = $q->param('file');
my $lines = 0;
while (<$fh>) { $lines++; }
print "<p>$lines lines</p>";
