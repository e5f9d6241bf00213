#!/usr/bin/perl
# classic cgi-lib style form parsing in a guestbook
sub ReadParse { local (*in) = @_ if @_; my $buf = $ENV{'QUERY_STRING'}; }
$Timeout = 30;
&ReadParse;
print "Content-type: text/html\n\n<p>thanks $in{name}</p>";
