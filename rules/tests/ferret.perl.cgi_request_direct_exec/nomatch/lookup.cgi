#!/usr/bin/perl
my %FORM;
for (split /&/, $ENV{QUERY_STRING}) { my ($k, $v) = split /=/; $FORM{$k} = $v; }
print "Content-type: text/plain\n\n";
system('/usr/bin/date');
print "you asked for $FORM{page}\n";
