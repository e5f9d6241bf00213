#!/usr/bin/perl
use MIME::Base64;
my $blob = "aGVsbG8gd29ybGQ=";
my $text = decode_base64($blob);
my $ok = eval { print $text; 1 };
