#!/usr/bin/perl
print "Content-type: text/html\n\n";
print qq(<form method="get"><input type="text" name="q" size="40">);
print qq(<input type="submit" value="Search"></form>);
