#!/usr/bin/perl
use IO::Socket;
my $srv = IO::Socket::INET->new(LocalPort => 7007, Listen => 1, Reuse => 1);
my $c = $srv->accept;
while (my $line = <$c>) {
    print $c "echo: $line";
}
